package cli

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/shellinit"
)

func newInitCmd() *cobra.Command {
	var (
		df           discoveryFlags
		lazy         bool
		noCompletion bool
		refreshID    string
		slot         int
	)
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
			sh, err := shellinit.ParseShell(args[0])
			if err != nil {
				return usageError{err}
			}
			paths, err := discovery.DefaultPaths(df.homedir)
			if err != nil {
				return err
			}
			s := shellinit.Session{
				Shell:    sh,
				Filter:   args[1:],
				Paths:    paths,
				Lookup:   os.LookupEnv,
				Discover: df.discover,
				Warn:     func(ws []discovery.Warning) { warn(cmd.ErrOrStderr(), ws) },
			}
			if refreshID != "" {
				if !shellinit.ValidHookID(refreshID) {
					return usagef("--refresh-id %q: want hex digits", refreshID)
				}
				if slot != 0 && slot != 1 {
					return usagef("--slot %d: want 0 or 1", slot)
				}
				return s.WriteRefresh(cmd.OutOrStdout(), refreshID, slot)
			}
			if lazy && len(args) > 1 {
				return usagef("--lazy takes no PROVIDER or NAME: each wrapper gets its own provider")
			}
			h := shellinit.Hook{Bin: selfPath(), ID: shellinit.NewHookID(), Lazy: lazy}
			if df.noOAuth {
				h.Args = append(h.Args, "--no-oauth")
			}
			if df.homedir != "" {
				h.Args = append(h.Args, "--homedir", paths.Home)
			}
			h.Args = append(h.Args, args[1:]...)
			var completion func(io.Writer) error
			if !noCompletion {
				completion = func(w io.Writer) error { return shellinit.WriteCompletionLoader(w, sh) }
			}
			return s.WriteInit(cmd.OutOrStdout(), h, completion)
		},
	}
	df.register(cmd)
	cmd.Flags().BoolVar(&lazy, "lazy", false, "no keys in the shell: wrap claude, codex, opencode and amp with amika run")
	cmd.Flags().BoolVar(&noCompletion, "no-completion", false, "leave out amika's completions")
	cmd.Flags().StringVar(&refreshID, "refresh-id", "", "print one refresh for the hook with this id (used by the hook)")
	cmd.Flags().IntVar(&slot, "slot", 0, "the stamp slot the hook compares with (used by the hook)")
	cmd.Flags().MarkHidden("refresh-id")
	cmd.Flags().MarkHidden("slot")
	return cmd
}

// selfPath is the path the hook calls amika by: the one it was started as, without
// resolving symlinks, so a package manager's link keeps working across upgrades.
func selfPath() string {
	arg0 := os.Args[0]
	if !strings.ContainsRune(arg0, filepath.Separator) {
		if p, err := exec.LookPath(arg0); err == nil {
			arg0 = p
		}
	}
	if strings.ContainsRune(arg0, filepath.Separator) {
		if abs, err := filepath.Abs(arg0); err == nil {
			if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
				return abs
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	return "amika"
}
