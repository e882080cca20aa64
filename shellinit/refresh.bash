# The end of every refresh amika prints for bash: the fast path's test and the state the
# hook reads. amika fills in the placeholders when it prints it.
_amika_unchanged() { [[ @AMIKA_UNCHANGED@ ]]; }
_amika_slot=@AMIKA_SLOT@
_amika_expiry=@AMIKA_EXPIRY@
