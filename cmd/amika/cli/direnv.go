package cli

import (
	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	amikarun "github.com/amika-dev/amika/run"
	"github.com/amika-dev/amika/shellinit"
)

func newDirenvCmd() *cobra.Command {
	var (
		df      discoveryFlags
		export  bool
		secrets []string
	)
	cmd := &cobra.Command{
		Use:   "direnv",
		Short: "Print the direnv extension that defines `use amika`",
		Long: `Print a direnv stdlib extension defining use_amika. Install it once:

  amika direnv > ~/.config/direnv/lib/amika.sh

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
			if !export && len(args) > 0 {
				return usagef("direnv takes no arguments (PROVIDER or NAME go after `use amika` in .envrc)")
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !export {
				return shellinit.WriteDirenvExtension(cmd.OutOrStdout(), selfPath())
			}
			var refs []amikarun.SecretRef
			for _, s := range secrets {
				ref, err := amikarun.ParseSecretRef(s)
				if err != nil {
					return usageError{err}
				}
				refs = append(refs, ref)
			}
			paths, err := discovery.DefaultPaths(df.homedir)
			if err != nil {
				return err
			}
			var as []discovery.Assignment
			var res discovery.Result
			if len(refs) == 0 || len(args) > 0 {
				if res, err = df.discover(); err != nil {
					return err
				}
				var warns []discovery.Warning
				as, warns = discovery.Assignments(res.Handout, discovery.ModeHandout)
				as = shellinit.Filter(as, args)
				for _, w := range discovery.LoginOverride(res, as, nil) {
					w.Reason += "; to keep the subscription, leave anthropic out (use amika openai …)"
					warns = append(warns, w)
				}
				warn(cmd.ErrOrStderr(), append(append(res.Warnings, warns...), shellinit.CheckFilter(args, res)...))
			}
			var extra []shellinit.Var
			if len(refs) > 0 {
				vars, _, err := amikarun.Resolve(amikarun.Options{Secrets: refs, Store: openStoreWithTeams})
				if err != nil {
					return err
				}
				for _, v := range vars {
					extra = append(extra, shellinit.Var{Name: v.Name, Value: v.Value})
				}
			}
			return shellinit.NewDirenvExport(shellinit.WatchPaths(paths, res), as, extra).Write(cmd.OutOrStdout())
		},
	}
	df.register(cmd)
	cmd.Flags().BoolVar(&export, "export", false, "print what use_amika evaluates (used by the extension)")
	cmd.Flags().StringArrayVar(&secrets, "secret", nil, "with --export: a stored secret, env:NAME=SECRET or env:SECRET (repeatable)")
	cmd.Flags().MarkHidden("export")
	cmd.Flags().MarkHidden("secret")
	// --homedir and --no-oauth reach the hidden mode from `use amika --no-oauth`
	cmd.Flags().MarkHidden("homedir")
	cmd.Flags().MarkHidden("no-oauth")
	return cmd
}
