# The end of every refresh amika prints for zsh: the hook again, with the test of what it
# watches inlined (a zsh function call costs more than the test itself), and the state it
# reads. amika fills in the placeholders when it prints it.
_amika_hook() {
	emulate -L zsh
	if [[ $_amika_sig != @AMIKA_SIG@ ]] || ! [[ @AMIKA_UNCHANGED@ ]]; then
		_amika_refresh
	elif (( _amika_expiry && ${EPOCHSECONDS:-0} >= _amika_expiry )); then
		_amika_refresh
	fi
	return 0
}
_amika_slot=@AMIKA_SLOT@
_amika_expiry=@AMIKA_EXPIRY@
