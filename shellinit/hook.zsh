# amika's hook for zsh, printed by `amika init zsh`.
#
# Before each prompt _amika_hook checks, with builtins only (no fork, no subshell, no command
# substitution), whether anything amika resolves from could have changed: a source file newer
# than this shell's stamp, a source that appeared or vanished, the store stamp, amika itself
# (an upgrade), an exported OAuth token's expiry, or the variables that choose the paths. Only
# then does it run amika, capture its whole answer, and apply it in one eval.
#
# State (shell variables, not exported, and the hook itself), written by each refresh:
#   _amika_hook       holds one [[ ]] test (see refresh.zsh): every watched path that
#                     existed at the last refresh still exists and is older than the stamp,
#                     no other one exists, and amika itself is older than the
#                     stamp. A file amika touched just before it read the sources is the
#                     stamp (one of two slots: a refresh never touches the one in use).
#   _amika_expiry     epoch seconds of the earliest exported OAuth expiry, or 0
#   _amika_sig        the path-choosing variables at the last refresh
# _AMIKA_EXPORTED (exported) lists what amika exported, NAME:fingerprint, so a value the user
# changed is left to the user, in this shell and in shells started from it.

typeset -g _amika_bin=@AMIKA_BIN@ _amika_id=@AMIKA_ID@ _amika_sig=
typeset -gi _amika_expiry=0 _amika_slot=0
typeset -ga _amika_args
_amika_args=(@AMIKA_ARGS@)
zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null

_amika_refresh() {
	emulate -L zsh
	local _amika_next=@AMIKA_SIG@ _amika_out
	# The whole answer is captured before anything is applied: an interrupted or failed
	# refresh changes nothing, and the next prompt tries again. An amika that was
	# uninstalled is not an error at every prompt.
	[[ -x $_amika_bin ]] || return 1
	_amika_out=$("$_amika_bin" init zsh --refresh-id "$_amika_id" --slot "$_amika_slot" "${_amika_args[@]}") || return 1
	[[ $_amika_out == *'# amika: refresh complete' ]] || return 1
	eval "$_amika_out" && _amika_sig=$_amika_next
}

# Until the first refresh defines it with the test of the paths it watches (refresh.zsh),
# the hook refreshes at every prompt. zsh gives every precmd function, and then the command
# line, the status the user's command left, whatever the function returns; returning
# non-zero would end a shell under errexit.
_amika_hook() {
	_amika_refresh
	return 0
}

# First among the precmd hooks (what add-zsh-hook edits), so the others see current
# credentials.
() {
	emulate -L zsh # whatever the user's options (ksharrays would change (I))
	typeset -ga precmd_functions
	if (( ! ${precmd_functions[(I)_amika_hook]} )); then
		precmd_functions=(_amika_hook "${precmd_functions[@]}")
	fi
}
