# amika's hook for bash, printed by `amika init bash`.
#
# Before each prompt _amika_hook checks, with shell builtins only (no fork, no subshell, no
# command substitution), whether anything amika resolves from could have changed: a source file
# newer than this shell's stamp, a source that appeared or vanished, the store stamp, amika
# itself (an upgrade), an exported OAuth token's expiry, or the variables that choose the
# paths. Only then does it run amika, capture its whole answer, and apply it in one eval.
#
# State (shell variables and one function, not exported), written by each refresh:
#   _amika_unchanged  one [[ ]] test (see refresh.bash): every watched path that existed at
#                     the last refresh still exists and is older than the stamp, no other
#                     one exists, and amika itself is older than the stamp.
#                     A file amika touched just before it read the sources is the stamp
#                     (one of two slots: a refresh never touches the one in use).
#   _amika_expiry     epoch seconds of the earliest exported OAuth expiry, or 0
#   _amika_sig        the path-choosing variables at the last refresh
# _AMIKA_EXPORTED (exported) lists what amika exported, NAME:fingerprint, so a value the user
# changed is left to the user, in this shell and in shells started from it.

_amika_bin=@AMIKA_BIN@
_amika_id=@AMIKA_ID@
_amika_args=(@AMIKA_ARGS@)
_amika_sig=
_amika_expiry=0
_amika_slot=0
_amika_unchanged() { return 1; }

_amika_refresh() {
	local _amika_next=@AMIKA_SIG@ _amika_out
	# The whole answer is captured before anything is applied: an interrupted or failed
	# refresh changes nothing, and the next prompt tries again. An amika that was
	# uninstalled is not an error at every prompt.
	[[ -x $_amika_bin ]] || return 1
	_amika_out=$("$_amika_bin" init bash --refresh-id "$_amika_id" --slot "$_amika_slot" ${_amika_args[@]+"${_amika_args[@]}"}) || return 1
	[[ $_amika_out == *'# amika: refresh complete' ]] || return 1
	eval "$_amika_out" && _amika_sig=$_amika_next
}

_amika_hook() {
	local _amika_status=$? _amika_now
	if [[ $_amika_sig != @AMIKA_SIG@ ]] || ! _amika_unchanged; then
		_amika_refresh
	elif ((_amika_expiry)); then
		_amika_now=${EPOCHSECONDS-}
		[[ -n $_amika_now ]] || printf -v _amika_now '%(%s)T' -1
		((_amika_now < _amika_expiry)) || _amika_refresh
	fi
	return $_amika_status
}

# Run first among the prompt hooks, so everything after it sees current credentials. The hook
# returns the status the user's command left, for the hooks after it; "&& :" keeps that
# status from ending a shell under set -e (a failure before && is not fatal). With
# bash-preexec, its precmd_functions is the way in (entries added to PROMPT_COMMAND after it
# would trigger its preexec hooks). PROMPT_COMMAND is run as an array from bash 5.1 on; its
# attributes are read without a subshell (${var@a}, bash 4.4+), as a shell's start forks
# nothing here.
if [[ " ${PROMPT_COMMAND[*]-} ${precmd_functions[*]-} " != *[[:space:]\;]_amika_hook[[:space:]\;]* ]]; then
	if [[ -n ${bash_preexec_imported-}${__bp_imported-} ]]; then
		precmd_functions=(_amika_hook ${precmd_functions[@]+"${precmd_functions[@]}"})
	elif ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 501)) && [[ ${PROMPT_COMMAND+${PROMPT_COMMAND@a}} == *a* ]]; then
		PROMPT_COMMAND=('_amika_hook && :' "${PROMPT_COMMAND[@]}")
	else
		PROMPT_COMMAND="_amika_hook && :${PROMPT_COMMAND:+$'\n'$PROMPT_COMMAND}"
	fi
fi
