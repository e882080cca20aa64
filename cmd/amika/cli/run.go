package cli

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/inject"
)

type runOptions struct {
	io      *ioStreams
	df      discoveryFlags
	secrets []string
	opt     inject.Options
	command []string
}

func newRunCmd() *cobra.Command {
	opts := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run [--secret env:NAME=SECRET]… [--provider P]… [--claude ID] [--discovered] -- CMD [ARGS…]",
		Short: "Run a command with exactly the named secrets added to its environment",
		Long: `Run CMD with the named secrets added to its environment, and nothing else added.
amika execs CMD: CMD's exit status is amika's and signals reach it. A secret that does not
exist is an error naming it; CMD does not start then. Values go through the environment,
never through argv.

  --secret env:NAME=SECRET   the stored secret SECRET as $NAME
  --secret env:SECRET        the stored secret SECRET under its own name
  --provider P               what discovery resolves for P, under the variables its
                             client reads (an API key: ANTHROPIC_API_KEY, CLAUDE_API_KEY)
  --optional                 a --provider that resolves nothing adds nothing (no error)
  --if-unset                 add nothing discovered for a provider whose client already
                             has a credential variable set (e.g. ANTHROPIC_API_KEY,
                             CLAUDE_CODE_OAUTH_TOKEN or ANTHROPIC_AUTH_TOKEN for anthropic)
  --claude ID, --codex ID    a credential stored by "amika secret claude|codex push"
  --discovered               everything "amika auth extract" resolves

An Anthropic OAuth token goes in as CLAUDE_CODE_OAUTH_TOKEN only. An agent's own login
(Claude Code's .credentials.json, a Codex or OpenCode login) is left to the agent: nothing
is added for it.

  amika secret push --from-env=ANTHROPIC_API_KEY       # once: the key, stored under its name
  amika run --secret env:ANTHROPIC_API_KEY -- claude
  amika secret claude push --type api_key              # once: stored as claude-api-key
  amika run --secret env:ANTHROPIC_API_KEY=claude-api-key -- claude
  amika run --provider anthropic -- claude -p hello`,
		Args: wrapArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.command = streamsOf(cmd), args
			return runRun(opts)
		},
	}
	cmd.Flags().SetInterspersed(false)
	opts.df.register(cmd)
	cmd.Flags().StringArrayVar(&opts.secrets, "secret", nil, "add a stored secret: env:NAME=SECRET or env:SECRET (repeatable)")
	cmd.Flags().StringArrayVar(&opts.opt.Providers, "provider", nil, "add the discovered credential of provider `P` (repeatable)")
	cmd.Flags().StringVar(&opts.opt.Claude, "claude", "", "add a stored Claude credential by `ID`")
	cmd.Flags().StringVar(&opts.opt.Codex, "codex", "", "add a stored Codex credential by `ID`")
	cmd.Flags().BoolVar(&opts.opt.Discovered, "discovered", false, "add everything discovery resolves")
	cmd.Flags().BoolVar(&opts.opt.Optional, "optional", false, "a --provider that resolves nothing adds nothing instead of failing")
	cmd.Flags().BoolVar(&opts.opt.IfUnset, "if-unset", false, "add nothing discovered for a provider whose credential variables are already set")
	return cmd
}

// runRun execs the command with the secrets added: it returns only when that fails, or,
// where there is no exec, with the command's exit status.
func runRun(opts *runOptions) error {
	refs, err := inject.ParseSecretRefs(opts.secrets)
	if err != nil {
		return usageError{err}
	}
	opt := opts.opt
	opt.Secrets = refs
	opt.Store, opt.Getenv = openStoreWithTeams, os.Getenv
	opt.Discover = opts.df.discover
	vars, warnings, err := inject.Resolve(opt)
	warn(opts.io.ErrOut, warnings)
	if err != nil {
		return err
	}
	err = inject.Exec(opts.command, inject.Environ(os.Environ(), vars))
	var status interface{ ExitCode() int }
	if errors.As(err, &status) {
		return exitError{status.ExitCode()}
	}
	return err
}
