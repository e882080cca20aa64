# The end of every refresh amika prints for fish: the fast path's test and the state the
# hook reads. amika fills in the placeholders when it prints it.
function _amika_unchanged
    test @AMIKA_UNCHANGED@
end
set -g _amika_stamp @AMIKA_STAMP@
set -g _amika_slot @AMIKA_SLOT@
set -g _amika_ttl @AMIKA_TTL@
