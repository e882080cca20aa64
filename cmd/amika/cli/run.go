package cli

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	amikarun "github.com/amika-dev/amika/run"
)

func newRunCmd() *cobra.Command {
	var (
		df      discoveryFlags
		secrets []string
		opt     amikarun.Options
	)
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

  amika run --secret env:ANTHROPIC_API_KEY=my-claude-key -- claude
  amika run --provider anthropic -- claude -p hello`,
		Args: wrapArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, s := range secrets {
				ref, err := amikarun.ParseSecretRef(s)
				if err != nil {
					return usageError{err}
				}
				opt.Secrets = append(opt.Secrets, ref)
			}
			opt.Store, opt.Getenv = openStoreWithTeams, os.Getenv
			opt.Discover = func() (discovery.Result, error) { return df.discover() }
			vars, warnings, err := amikarun.Resolve(opt)
			warn(cmd.ErrOrStderr(), warnings)
			if err != nil {
				return err
			}
			err = amikarun.Exec(args, amikarun.Environ(os.Environ(), vars))
			var status interface{ ExitCode() int }
			if errors.As(err, &status) { // where there is no exec, the child's status
				return exitError{status.ExitCode()}
			}
			return err
		},
	}
	cmd.Flags().SetInterspersed(false)
	df.register(cmd)
	cmd.Flags().StringArrayVar(&secrets, "secret", nil, "add a stored secret: env:NAME=SECRET or env:SECRET (repeatable)")
	cmd.Flags().StringArrayVar(&opt.Providers, "provider", nil, "add the discovered credential of provider `P` (repeatable)")
	cmd.Flags().StringVar(&opt.Claude, "claude", "", "add a stored Claude credential by `ID`")
	cmd.Flags().StringVar(&opt.Codex, "codex", "", "add a stored Codex credential by `ID`")
	cmd.Flags().BoolVar(&opt.Discovered, "discovered", false, "add everything discovery resolves")
	cmd.Flags().BoolVar(&opt.Optional, "optional", false, "a --provider that resolves nothing adds nothing instead of failing")
	cmd.Flags().BoolVar(&opt.IfUnset, "if-unset", false, "add nothing discovered for a provider whose credential variables are already set")
	return cmd
}
