# amika's direnv extension, printed by `amika direnv`. Install it once:
#
#   mkdir -p ~/.config/direnv/lib && amika direnv > ~/.config/direnv/lib/amika.sh
#
# then, in any .envrc:
#
#   use amika                                # what amika's shell hooks export
#   use amika anthropic openai               # only these providers (or variable names)
#   use amika --no-oauth                     # leave out OAuth tokens
#   use amika --secret env:NAME=SECRET       # a stored secret, as $NAME (repeatable)
#
# direnv watches every file amika reads (and the keyring's storage and the amika store),
# present or not, so a rotated or new credential reloads the environment; leaving the
# directory unloads it.

use_amika() {
	local amika=@AMIKA_BIN@ out
	[[ -x $amika ]] || amika=amika
	# amika prints the watch_file call and the exports; nothing is applied unless it succeeds
	out=$("$amika" direnv --export "$@") || return
	eval "$out"
}
