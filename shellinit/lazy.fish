# amika's lazy mode for fish, printed by `amika init fish --lazy`: no key sits in this shell;
# each agent CLI gets its provider's credential at launch, through `amika run`, and only that
# process sees it. `command claude` still runs the real one without amika.
set -g _amika_bin @AMIKA_BIN@
function claude --wraps claude --description 'claude with amika credentials'
    @AMIKA_RUN@ --provider anthropic -- claude $argv
end
function codex --wraps codex --description 'codex with amika credentials'
    @AMIKA_RUN@ --provider openai -- codex $argv
end
function opencode --wraps opencode --description 'opencode with amika credentials'
    @AMIKA_RUN@ --discovered -- opencode $argv
end
function amp --wraps amp --description 'amp with amika credentials'
    @AMIKA_RUN@ --provider amp -- amp $argv
end
