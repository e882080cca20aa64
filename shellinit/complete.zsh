
# amika's completions, loaded at the first Tab: this stand-in replaces itself with what
# `amika completion zsh` prints, then completes, so a shell's start does not parse them.
# compdef exists once compinit ran.
_amika() {
	local _amika_completion
	_amika_completion=$("$_amika_bin" completion zsh 2>/dev/null) || return 1
	[[ $_amika_completion == *'_amika()'* ]] || return 1
	_amika_load_completion "$_amika_completion"
	_amika "$@"
}
# cobra's script completes at once when eval'd by a function named _amika; here it only
# defines.
_amika_load_completion() { eval "$1"; }
(( $+functions[compdef] )) && compdef _amika amika
