# amika's lazy mode for bash, printed by `amika init bash --lazy`: no key sits in this shell;
# each agent CLI gets its provider's credential at launch, through `amika run`, and only that
# process sees it. `command claude` still runs the real one without amika. (The `function`
# keyword keeps an alias of the same name from breaking the definitions.)
_amika_bin=@AMIKA_BIN@
function claude { @AMIKA_RUN@ --provider anthropic -- claude "$@"; }
function codex { @AMIKA_RUN@ --provider openai -- codex "$@"; }
function opencode { @AMIKA_RUN@ --discovered -- opencode "$@"; }
function amp { @AMIKA_RUN@ --provider amp -- amp "$@"; }
