package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/helper"
)

type credentialOptions struct {
	io     *ioStreams
	df     discoveryFlags
	action string // get, store or erase
	// bare is get PROVIDER-OR-NAME: the value alone, for name.
	bare bool
	name string
}

func newCredentialCmd() *cobra.Command {
	opts := &credentialOptions{}
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
			opts.io = streamsOf(cmd)
			opts.action = args[0]
			if len(args) == 2 {
				opts.bare, opts.name = true, args[1]
			}
			return runCredential(opts)
		},
	}
	opts.df.register(cmd)
	return cmd
}

func runCredential(opts *credentialOptions) error {
	// The store, and the lock next to it, are the user's own (--homedir only moves
	// discovery).
	paths, err := discovery.DefaultPaths("")
	if err != nil {
		return err
	}
	opt := helper.Options{
		OpenStore:  openStore,
		OpenLookup: openStoreWithTeams,
		Discover: func() (discovery.Result, error) {
			res, err := opts.df.discover()
			warn(opts.io.ErrOut, res.Warnings)
			return res, err
		},
		LockPath: paths.GitLock(),
	}
	if opts.bare {
		if opts.action != "get" {
			return usagef("credential %s takes no argument (only get PROVIDER-OR-NAME does)", opts.action)
		}
		value, err := helper.Lookup(opts.name, opt)
		if err != nil {
			return fmt.Errorf("credential: %w", err)
		}
		_, err = fmt.Fprintln(opts.io.Out, value)
		return err
	}
	if err := helper.Serve(opts.action, opts.io.In, opts.io.Out, opt); err != nil {
		return fmt.Errorf("credential: %w", err)
	}
	return nil
}
