package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/store"
)

// stores opens amika's store once per process: every command that reads or writes secrets,
// and discovery's amika_keychain source, go through it.
var stores = &store.Opener{Warn: func(msg string) { fmt.Fprintf(os.Stderr, "amika: warning: %s\n", msg) }}

// openStore is the store as the packages built on it take it.
func openStore() (store.Store, error) {
	st, err := stores.Open()
	if err != nil {
		return nil, err
	}
	return st, nil
}

func warnStore(w io.Writer, warns []store.Warning) {
	for _, x := range warns {
		fmt.Fprintf(w, "amika: warning: %s\n", x)
	}
}

func newSecretCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secret",
		Short: "Keep secrets in the OS keyring (or the file store) and manage them",
		Long: `Keep API keys and OAuth credentials in the OS keyring (Secret Service, macOS Keychain,
Windows Credential Manager) or, where none answers, in <data dir>/amika/keychain.json.
AMIKA_STORE=keyring|file|auto chooses (default auto); "amika secret status" says which.`,
	}
	cmd.AddCommand(newSecretPushCmd(), newSecretListCmd(), newSecretGetCmd(), newSecretDeleteCmd(),
		newSecretStatusCmd(), newSecretExtractCmd(), newSecretAgentCmd("claude"), newSecretAgentCmd("codex"))
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// jsonSecret is a secret as listings show it: metadata and where it lives, never the value.
type jsonSecret struct {
	Name string `json:"name"`
	store.Meta
	Store string `json:"store"`
}

// writeSecretsJSON lists secrets' metadata as JSON, never their values.
func writeSecretsJSON(w io.Writer, list []store.Secret) error {
	out := make([]jsonSecret, 0, len(list))
	for _, s := range list {
		out = append(out, jsonSecret{s.Name, s.Meta, s.Store})
	}
	return writeJSON(w, out)
}

func newSecretListCmd() *cobra.Command {
	var output string
	var scope scopeFlag
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored secrets: NAME, TYPE, PROVIDER, UPDATED, STORE (never values)",
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			list, warns, err := listScopes(&scope)
			if err != nil {
				return err
			}
			warnStore(cmd.ErrOrStderr(), warns)
			if output == "json" {
				return writeSecretsJSON(cmd.OutOrStdout(), list)
			}
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "NAME\tTYPE\tPROVIDER\tUPDATED\tSTORE")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, dash(string(s.Type)), dash(printable(s.Provider)), dash(s.Updated.String()), s.Store)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	scope.register(cmd, "")
	return cmd
}

func newSecretGetCmd() *cobra.Command {
	var scope scopeFlag
	cmd := &cobra.Command{
		Use:   "get NAME",
		Short: "Print a stored secret's value",
		Args:  wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := store.ValidateName(args[0]); err != nil {
				return usageError{err}
			}
			st, err := scope.open(isTerminal(cmd.InOrStdin()))
			if err != nil {
				return err
			}
			value, err := st.Value(args[0])
			if err != nil {
				return err
			}
			_, err = io.WriteString(cmd.OutOrStdout(), value+"\n")
			return err
		},
	}
	scope.register(cmd, "user")
	return cmd
}

// confirm asks a yes/no question on the terminal. Without a terminal it refuses with a
// usage error naming --yes, rather than hang.
func confirm(cmd *cobra.Command, what, question string) error {
	in := cmd.InOrStdin()
	if !isTerminal(in) {
		return usagef("%s: standard input is not a terminal, so amika cannot ask for confirmation; pass --yes", what)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%s [y/N] ", question)
	answer, err := readLine(in)
	if err != nil && err != io.EOF {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return fmt.Errorf("%s: not confirmed; nothing changed", what)
}

func newSecretDeleteCmd() *cobra.Command {
	var yes bool
	var scope scopeFlag
	cmd := &cobra.Command{
		Use:   "delete NAME…",
		Short: "Delete stored secrets (asks first; --yes skips)",
		Args:  wrapArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, n := range args {
				if err := store.ValidateName(n); err != nil {
					return usageError{err}
				}
			}
			if !yes && !isTerminal(cmd.InOrStdin()) {
				return confirm(cmd, "secret delete", "")
			}
			st, err := scope.open(isTerminal(cmd.InOrStdin()))
			if err != nil {
				return err
			}
			list, _, err := st.List()
			if err != nil {
				return err
			}
			var found []store.Secret
			var missing []string
			for _, n := range args {
				held := false
				for _, s := range list {
					if s.Name == n {
						found, held = append(found, s), true
					}
				}
				if !held { // not indexed, but maybe stored by another tool
					if s, err := st.Get(n); err == nil {
						found, held = append(found, s), true
					}
				}
				if !held {
					missing = append(missing, n)
				}
			}
			if len(missing) > 0 {
				return st.NotFound(missing...)
			}
			where := placesOf(st, found)
			if !yes {
				if err := confirm(cmd, "secret delete", fmt.Sprintf("Delete %s from %s?", strings.Join(args, ", "), where)); err != nil {
					return err
				}
			}
			for _, n := range args {
				if err := st.Delete(n); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "amika: deleted %s from %s\n", strings.Join(args, ", "), where)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	scope.register(cmd, "user")
	return cmd
}

// placesOf says where secrets live: the backends holding them, in store order.
func placesOf(st *store.Stores, secrets []store.Secret) string {
	var places []string
	seen := map[string]bool{}
	for _, s := range secrets {
		if b := st.Backend(s.Store); b != nil && !seen[s.Store] {
			seen[s.Store] = true
			places = append(places, b.Where())
		}
	}
	if len(places) == 0 {
		return st.Where()
	}
	return strings.Join(places, " and ")
}

func newSecretStatusCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:     "status",
		Aliases: []string{"doctor"},
		Short:   "Say which store is in use (keyring or file) and why",
		Args:    wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			c, backends, err := stores.Status()
			if err != nil {
				return err
			}
			type jsonStore struct {
				Name     string `json:"name"`
				Location string `json:"location"`
				Secrets  int    `json:"secrets"`
				Error    string `json:"error,omitempty"`
			}
			var out []jsonStore
			failed := false
			for _, b := range backends {
				j := jsonStore{Name: b.Name(), Location: b.Where(), Secrets: -1}
				if list, _, err := b.List(); err == nil {
					j.Secrets = len(list)
				} else {
					j.Error, failed = err.Error(), true
				}
				out = append(out, j)
			}
			if output == "json" {
				return writeJSON(cmd.OutOrStdout(), struct {
					Backend  string      `json:"backend"`
					Mode     string      `json:"mode"`
					Reason   string      `json:"reason"`
					Location string      `json:"location"`
					Secrets  int         `json:"secrets"`
					Error    string      `json:"error,omitempty"`
					Stores   []jsonStore `json:"stores"`
				}{c.Backend, c.Requested, c.Reason, out[0].Location, out[0].Secrets, out[0].Error, out})
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "backend:  %s\n", c.Backend)
			fmt.Fprintf(w, "why:      %s\n", c.Reason)
			for i, s := range out {
				if i == 0 {
					fmt.Fprintf(w, "location: %s\n", s.Location)
				} else {
					fmt.Fprintf(w, "location: %s, also read (writes go to the %s)\n", s.Location, c.Backend)
				}
				if s.Error != "" {
					fmt.Fprintf(w, "secrets:  unreadable: %s\n", s.Error)
				} else {
					fmt.Fprintf(w, "secrets:  %d\n", s.Secrets)
				}
			}
			if failed {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

// maskedTable shows what is about to be stored: names, masked values, where they came from.
func maskedTable(w io.Writer, rows [][3]string) {
	tw := newTable(w)
	fmt.Fprintln(tw, "NAME\tVALUE\tFROM")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r[0], r[1], r[2])
	}
	tw.Flush()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func sortedNames(secrets []store.Secret) []string {
	out := make([]string, len(secrets))
	for i, s := range secrets {
		out[i] = s.Name
	}
	sort.Strings(out)
	return out
}
