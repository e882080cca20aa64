
# amika's completions, loaded at the first Tab: this stand-in replaces itself with what
# `amika completion fish` prints, then completes the command line with them, so a shell's
# start does not parse them.
function __amika_load_completion
    complete -c amika -e
    $_amika_bin completion fish 2>/dev/null | source
    complete -C (commandline -cp)
end
complete -c amika -f -a '(__amika_load_completion)'
