package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/internal/report"
	"github.com/amika-dev/amika/store"
)

func newSecretCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secret",
		Short: "Keep secrets in the OS keyring (or the file store) and manage them",
		Long: `Keep API keys and OAuth credentials in the OS keyring (Secret Service, macOS Keychain,
Windows Credential Manager) or, where none answers, in <data dir>/amika/keychain.json;
or in a password store (pass: GnuPG + git). AMIKA_STORE=keyring|file|pass|auto chooses
(default auto); "amika secret status" says which. --scope team reaches a team's store.`,
	}
	cmd.AddCommand(newSecretPushCmd(), newSecretListCmd(), newSecretGetCmd(), newSecretDeleteCmd(),
		newSecretStatusCmd(), newSecretExtractCmd(), newSecretAgentCmd("claude"), newSecretAgentCmd("codex"))
	return cmd
}

type secretListOptions struct {
	io     *ioStreams
	output outputFlag
	scope  scopeFlag
}

func newSecretListCmd() *cobra.Command {
	opts := &secretListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored secrets: NAME, TYPE, PROVIDER, UPDATED, STORE (never values)",
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.io = streamsOf(cmd)
			return runSecretList(opts)
		},
	}
	opts.output.register(cmd)
	opts.scope.register(cmd, "")
	return cmd
}

// runSecretList lists the store --scope names, else the user's own and every team store.
func runSecretList(opts *secretListOptions) error {
	return listSecrets(opts.io, opts.output, false, func() ([]store.Secret, []store.Warning, error) {
		if opts.scope.value == "" {
			return stores.ListScopes(nil)
		}
		sc, err := opts.scope.parse()
		if err != nil {
			return nil, nil, err
		}
		return stores.ListScopes(&sc)
	})
}

// listSecrets shows what list returns, its warnings on standard error.
func listSecrets(s *ioStreams, output outputFlag, agents bool, list func() ([]store.Secret, []store.Warning, error)) error {
	f, err := output.parse()
	if err != nil {
		return err
	}
	secrets, warns, err := list()
	if err != nil {
		return err
	}
	warn(s.ErrOut, warns)
	return report.Secrets(s.Out, f, secrets, agents)
}

type secretGetOptions struct {
	io    *ioStreams
	scope scopeFlag
	name  string
}

func newSecretGetCmd() *cobra.Command {
	opts := &secretGetOptions{}
	cmd := &cobra.Command{
		Use:   "get NAME",
		Short: "Print a stored secret's value",
		Args:  wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.name = streamsOf(cmd), args[0]
			return runSecretGet(opts)
		},
	}
	opts.scope.register(cmd, "user")
	return cmd
}

func runSecretGet(opts *secretGetOptions) error {
	if err := store.ValidateName(opts.name); err != nil {
		return usageError{err}
	}
	st, err := opts.scope.open(opts.io.CanPrompt())
	if err != nil {
		return err
	}
	value, err := st.Value(opts.name)
	if err != nil {
		return err
	}
	_, err = io.WriteString(opts.io.Out, value+"\n")
	return err
}

type secretDeleteOptions struct {
	io    *ioStreams
	yes   bool
	scope scopeFlag
	names []string
}

func newSecretDeleteCmd() *cobra.Command {
	opts := &secretDeleteOptions{}
	cmd := &cobra.Command{
		Use:   "delete NAME…",
		Short: "Delete stored secrets (asks first; --yes skips)",
		Args:  wrapArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.names = streamsOf(cmd), args
			return runSecretDelete(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "delete without asking")
	opts.scope.register(cmd, "user")
	return cmd
}

func runSecretDelete(opts *secretDeleteOptions) error {
	for _, n := range opts.names {
		if err := store.ValidateName(n); err != nil {
			return usageError{err}
		}
	}
	const what = "secret delete"
	if err := opts.io.MayConfirm(what, opts.yes); err != nil {
		return err
	}
	st, err := opts.scope.open(opts.io.CanPrompt())
	if err != nil {
		return err
	}
	found, err := st.Find(opts.names...)
	if err != nil {
		return err
	}
	names, where := store.NamesText(opts.names), st.WhereOf(found)
	if !opts.yes {
		if err := opts.io.Confirm(what, fmt.Sprintf("Delete %s from %s?", names, where)); err != nil {
			return err
		}
	}
	for _, n := range opts.names {
		if err := st.Delete(n); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	fmt.Fprintf(opts.io.ErrOut, "amika: deleted %s from %s\n", names, where)
	return nil
}

type secretStatusOptions struct {
	io     *ioStreams
	output outputFlag
}

func newSecretStatusCmd() *cobra.Command {
	opts := &secretStatusOptions{}
	cmd := &cobra.Command{
		Use:     "status",
		Aliases: []string{"doctor"},
		Short:   "Say which store is in use (keyring, file or pass) and why",
		Args:    wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.io = streamsOf(cmd)
			return runSecretStatus(opts)
		},
	}
	opts.output.register(cmd)
	return cmd
}

// runSecretStatus reports the store; a backend it cannot read makes the exit status 1.
func runSecretStatus(opts *secretStatusOptions) error {
	f, err := opts.output.parse()
	if err != nil {
		return err
	}
	c, backends, err := stores.States()
	if err != nil {
		return err
	}
	if err := report.Status(opts.io.Out, f, c, backends); err != nil {
		return err
	}
	for _, b := range backends {
		if b.Err != nil {
			return exitError{1}
		}
	}
	return nil
}
