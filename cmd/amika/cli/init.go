package cli

import (
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/shellinit"
)

type initOptions struct {
	io           *ioStreams
	df           discoveryFlags
	lazy         bool
	noCompletion bool
	refreshID    string
	slot         int
	shell        string
	filter       []string // PROVIDER|NAME…
}

func newInitCmd() *cobra.Command {
	opts := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init SHELL [PROVIDER|NAME…]",
		Short: "Print the shell hook that keeps credentials current (bash, zsh, fish)",
		Long: `Print shell code that exports the credentials amika hands to agents and keeps them
current: API keys, and OAuth tokens amika keeps, under the names each client reads. An
agent's own login (Claude Code's .credentials.json, a Codex, OpenCode, Gemini CLI or Amp
login) is left to that agent, which refreshes it: nothing is exported for its provider
(` + "`amika auth extract`" + ` still prints it). Before each prompt the hook checks, with shell
builtins only, whether a credential file or the keyring changed, the amika store was
written, or an OAuth token expired, and only then runs amika again. Variables you set
yourself are never touched. PROVIDER or NAME arguments (e.g. anthropic, OPENAI_API_KEY)
keep only those (a word that names neither is warned about); --no-oauth and the filter
apply to every refresh. The output also sets up amika's completions, loaded at the first
Tab, unless --no-completion.

  eval "$(amika init bash)"       # ~/.bashrc
  eval "$(amika init zsh)"        # ~/.zshrc
  amika init fish | source        # ~/.config/fish/config.fish

--lazy keeps keys out of the shell: claude, codex, opencode and amp become functions that
launch the real command through ` + "`amika run`" + ` with their provider's credential, adding
nothing for a provider whose variables you set (` + "`command claude`" + ` still runs it without
amika).`,
		ValidArgs: []string{"bash", "zsh", "fish"},
		Args: wrapArgs(func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("init needs a shell: bash, zsh or fish")
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.shell, opts.filter = streamsOf(cmd), args[0], args[1:]
			return runInit(opts)
		},
	}
	opts.df.register(cmd)
	cmd.Flags().BoolVar(&opts.lazy, "lazy", false, "no keys in the shell: wrap claude, codex, opencode and amp with amika run")
	cmd.Flags().BoolVar(&opts.noCompletion, "no-completion", false, "leave out amika's completions")
	cmd.Flags().StringVar(&opts.refreshID, "refresh-id", "", "print one refresh for the hook with this id (used by the hook)")
	cmd.Flags().IntVar(&opts.slot, "slot", 0, "the stamp slot the hook compares with (used by the hook)")
	cmd.Flags().MarkHidden("refresh-id")
	cmd.Flags().MarkHidden("slot")
	return cmd
}

// runInit prints the hook, or with --refresh-id one refresh for a running hook.
func runInit(opts *initOptions) error {
	sh, err := shellinit.ParseShell(opts.shell)
	if err != nil {
		return usageError{err}
	}
	paths, err := opts.df.paths()
	if err != nil {
		return err
	}
	s := shellinit.Session{
		Shell:    sh,
		Filter:   opts.filter,
		Paths:    paths,
		Lookup:   os.LookupEnv,
		Discover: opts.df.discover,
		Warn:     func(ws []discovery.Warning) { warn(opts.io.ErrOut, ws) },
	}
	if opts.refreshID != "" {
		if !shellinit.ValidHookID(opts.refreshID) {
			return usagef("--refresh-id: want hex digits")
		}
		if opts.slot != 0 && opts.slot != 1 {
			return usagef("--slot %d: want 0 or 1", opts.slot)
		}
		return s.WriteRefresh(opts.io.Out, opts.refreshID, opts.slot)
	}
	if opts.lazy && len(opts.filter) > 0 {
		return usagef("--lazy takes no PROVIDER or NAME: each wrapper gets its own provider")
	}
	// The hook runs amika again with the same discovery flags and filter.
	h := shellinit.Hook{Bin: shellinit.SelfPath(), ID: shellinit.NewHookID(), Lazy: opts.lazy}
	if opts.df.noOAuth {
		h.Args = append(h.Args, "--no-oauth")
	}
	if opts.df.homedir != "" {
		h.Args = append(h.Args, "--homedir", paths.Home)
	}
	h.Args = append(h.Args, opts.filter...)
	var completion func(io.Writer) error
	if !opts.noCompletion {
		completion = func(w io.Writer) error { return shellinit.WriteCompletionLoader(w, sh) }
	}
	return s.WriteInit(opts.io.Out, h, completion)
}
