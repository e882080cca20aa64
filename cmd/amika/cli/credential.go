package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/helper"
)

func newCredentialCmd() *cobra.Command {
	var df discoveryFlags
	cmd := &cobra.Command{
		Use:   "credential get|store|erase | credential get PROVIDER-OR-NAME",
		Short: "Answer credential requests: a git credential helper, and keys on demand",
		Long: `A credential helper speaking git's protocol: key=value lines on stdin up to a blank
line; a get answers with key=value lines on stdout, or nothing when nothing matches.

git credentials (protocol=, host=, path=, username=, …) are kept in the amika store:
  git config --global credential.helper '!amika credential'
  or, with git-credential-amika (a link to amika) on PATH:
  git config --global credential.helper amika

provider=NAME answers with that provider's API key as amika auth extract finds it, never
with an OAuth token (only OAuth found: exit status 1 and why). git asking for a provider's
API host (api.anthropic.com, api.openai.com, …) gets the key only over https to exactly that
host. name=SECRET answers with a stored secret (your own store, then the team stores).

The bare form prints only the API key or secret and a newline (exit status 1 when there is
none, or when the secret is an OAuth token), for Claude Code's apiKeyHelper and $(…):
  amika credential get anthropic
  export OPENAI_API_KEY="$(amika credential get openai)"

Reference: docs/credential-helper.md`,
		Args: wrapArgs(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			// The store lives where openStore puts it (not under --homedir, which only
			// moves discovery); the lock sits next to it.
			paths, err := discovery.DefaultPaths("")
			if err != nil {
				return err
			}
			opt := helper.Options{
				OpenStore:  openStore,
				OpenLookup: openStoreWithTeams,
				Discover: func() (discovery.Result, error) {
					res, err := df.discover()
					warn(cmd.ErrOrStderr(), res.Warnings)
					return res, err
				},
				LockPath: filepath.Join(paths.DataDir, "amika", "git-credential.lock"),
			}
			if len(args) == 2 {
				if args[0] != "get" {
					return usagef("credential %s takes no argument (only get PROVIDER-OR-NAME does)", args[0])
				}
				value, err := helper.Lookup(args[1], opt)
				if err != nil {
					return fmt.Errorf("credential: %w", err)
				}
				_, err = fmt.Fprintln(cmd.OutOrStdout(), value)
				return err
			}
			if err := helper.Serve(args[0], cmd.InOrStdin(), cmd.OutOrStdout(), opt); err != nil {
				return fmt.Errorf("credential: %w", err)
			}
			return nil
		},
	}
	df.register(cmd)
	return cmd
}
