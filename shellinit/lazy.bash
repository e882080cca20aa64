# amika's lazy mode for bash, printed by `amika init bash --lazy`: no key sits in this shell;
# each agent CLI gets its provider's credential at launch, through `amika run`, and only that
# process sees it. `command claude` still runs the real one without amika. (The `function`
# keyword keeps an alias of the same name from breaking the definitions.)
_amika_bin=@AMIKA_BIN@
function claude { "$_amika_bin" run @AMIKA_ARGS@ --provider anthropic -- claude "$@"; }
function codex { "$_amika_bin" run @AMIKA_ARGS@ --provider openai -- codex "$@"; }
function opencode { "$_amika_bin" run @AMIKA_ARGS@ --discovered -- opencode "$@"; }
function amp { "$_amika_bin" run @AMIKA_ARGS@ --provider anthropic -- amp "$@"; }
