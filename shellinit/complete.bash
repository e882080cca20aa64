
# amika's completions, loaded at the first Tab: this stand-in replaces itself with what
# `amika completion bash` prints, then completes, so a shell's start does not parse them.
__start_amika() {
	local _amika_completion
	_amika_completion=$("$_amika_bin" completion bash 2>/dev/null) || return 0
	[[ $_amika_completion == *'__start_amika()'* ]] || return 0
	eval "$_amika_completion"
	if ! declare -F _get_comp_words_by_ref >/dev/null; then
		# Without the bash-completion package cobra's script has no word splitter: take the
		# words as bash split them.
		__amika_init_completion() {
			COMPREPLY=()
			cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} cword=$COMP_CWORD
			words=("${COMP_WORDS[@]}")
		}
	fi
	__start_amika "$@"
}
if ((BASH_VERSINFO[0] >= 4)); then
	complete -o default -F __start_amika amika
else
	complete -o default -o nospace -F __start_amika amika
fi
