package cli

import (
	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/inject"
	"github.com/amika-dev/amika/shellinit"
)

type direnvOptions struct {
	io      *ioStreams
	df      discoveryFlags
	export  bool
	secrets []string
	filter  []string
}

func newDirenvCmd() *cobra.Command {
	opts := &direnvOptions{}
	cmd := &cobra.Command{
		Use:   "direnv",
		Short: "Print the direnv extension that defines `use amika`",
		Long: `Print a direnv stdlib extension defining use_amika. Install it once:

  mkdir -p ~/.config/direnv/lib && amika direnv > ~/.config/direnv/lib/amika.sh

then write in any .envrc:

  use amika                            # what the shell hooks export (amika init --help)
  use amika anthropic openai           # only these providers (or variable names)
  use amika --no-oauth                 # leave out OAuth tokens
  use amika --secret env:NAME=SECRET   # a stored secret as $NAME (repeatable)

use amika exports API keys and the OAuth tokens amika keeps; an agent's own login is left
to that agent (amika auth extract still prints it). direnv then watches every credential
file, the keyring's storage and the amika store, so a rotated credential reloads the
environment; leaving the directory unloads it.`,
		Args: wrapArgs(func(cmd *cobra.Command, args []string) error {
			if !opts.export && len(args) > 0 {
				return usagef("direnv takes no arguments (PROVIDER or NAME go after `use amika` in .envrc)")
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.filter = streamsOf(cmd), args
			return runDirenv(opts)
		},
	}
	opts.df.register(cmd)
	cmd.Flags().BoolVar(&opts.export, "export", false, "print what use_amika evaluates (used by the extension)")
	cmd.Flags().StringArrayVar(&opts.secrets, "secret", nil, "with --export: a stored secret, env:NAME=SECRET or env:SECRET (repeatable)")
	cmd.Flags().MarkHidden("export")
	cmd.Flags().MarkHidden("secret")
	// --homedir and --no-oauth reach the hidden mode from `use amika --no-oauth`
	cmd.Flags().MarkHidden("homedir")
	cmd.Flags().MarkHidden("no-oauth")
	return cmd
}

// runDirenv prints the extension, or with --export what one `use amika` evaluates.
func runDirenv(opts *direnvOptions) error {
	if !opts.export {
		return shellinit.WriteDirenvExtension(opts.io.Out, shellinit.SelfPath())
	}
	refs, err := inject.ParseSecretRefs(opts.secrets)
	if err != nil {
		return usageError{err}
	}
	paths, err := opts.df.paths()
	if err != nil {
		return err
	}
	s := shellinit.Session{Filter: opts.filter, Paths: paths, Discover: opts.df.discover,
		Warn: func(ws []discovery.Warning) { warn(opts.io.ErrOut, ws) }}
	var secrets func() ([]shellinit.Var, error)
	if len(refs) > 0 {
		secrets = func() ([]shellinit.Var, error) {
			vars, _, err := inject.Resolve(inject.Options{Secrets: refs, Store: openStoreWithTeams})
			out := make([]shellinit.Var, 0, len(vars))
			for _, v := range vars {
				out = append(out, shellinit.Var{Name: v.Name, Value: v.Value})
			}
			return out, err
		}
	}
	return s.WriteDirenvExport(opts.io.Out, secrets)
}
