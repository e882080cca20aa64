# amika's hook for fish, printed by `amika init fish`.
#
# On every fish_prompt event _amika_hook checks, with builtins only (nothing is forked),
# whether anything amika resolves from could have changed: a source file newer than this
# shell's stamp, a source that appeared or vanished, the store stamp, amika itself (an
# upgrade), an exported OAuth token's expiry, or the variables that choose the paths. Only then
# does it run amika, capture its whole answer, and apply it at once.
#
# State (globals and one function, not exported), written by each refresh:
#   _amika_unchanged  one test (see refresh.fish): every watched path that existed at the
#                     last refresh still exists and is older than the stamp, no other one
#                     exists, and amika itself is older than the stamp. A file
#                     amika touched just before it read the sources is the stamp (one of
#                     two slots: a refresh never touches the one in use).
#   _amika_stamp      that file
#   _amika_ttl        seconds after the stamp's mtime when the earliest exported OAuth
#                     token expires, or 0
#   _amika_sig        the path-choosing variables at the last refresh
# _AMIKA_EXPORTED (exported) lists what amika exported, NAME:fingerprint, so a value the user
# changed is left to the user, in this shell and in shells started from it.

set -g _amika_bin @AMIKA_BIN@
set -g _amika_id @AMIKA_ID@
set -g _amika_args @AMIKA_ARGS@
set -g _amika_sig
set -g _amika_stamp
set -g _amika_slot 0
set -g _amika_ttl 0
function _amika_unchanged
    return 1
end

function _amika_refresh
    set -l next @AMIKA_SIG@
    # The whole answer is captured before anything is applied: an interrupted or failed
    # refresh changes nothing, and the next prompt tries again. An amika that was
    # uninstalled is not an error at every prompt.
    test -x "$_amika_bin"; or return 1
    set -l out ($_amika_bin init fish --refresh-id $_amika_id --slot $_amika_slot $_amika_args | string collect)
    test "$pipestatus[1]" = 0; or return 1
    string match -q -- '*# amika: refresh complete' $out; or return 1
    printf '%s\n' $out | source; and set -g _amika_sig $next
end

# fish keeps $status across event handlers itself.
function _amika_hook --on-event fish_prompt
    if test "$_amika_sig" != @AMIKA_SIG@; or not _amika_unchanged
        _amika_refresh
    else if test $_amika_ttl -gt 0
        # seconds since the stamp, from a builtin: fish runs it in-process
        set -l age (path mtime --relative -- $_amika_stamp)
        if test -z "$age"; or test $age -ge $_amika_ttl
            _amika_refresh
        end
    end
end
