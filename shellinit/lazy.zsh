# amika's lazy mode for zsh, printed by `amika init zsh --lazy`: no key sits in this shell;
# each agent CLI gets its provider's credential at launch, through `amika run`, and only that
# process sees it. `command claude` still runs the real one without amika.
typeset -g _amika_bin=@AMIKA_BIN@
claude() { "$_amika_bin" run --provider anthropic -- claude "$@"; }
codex() { "$_amika_bin" run --provider openai -- codex "$@"; }
opencode() { "$_amika_bin" run --discovered -- opencode "$@"; }
amp() { "$_amika_bin" run --provider anthropic -- amp "$@"; }
