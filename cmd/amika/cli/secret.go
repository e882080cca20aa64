package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store"
)

var (
	fallbackNotice sync.Once
	chooseOnce     sync.Once
	chosen         store.Choice
	chooseErr      error
)

// chooseStore decides between keyring and file once per process: the keyring probe costs a
// D-Bus round trip, or up to store.ProbeTimeout when the bus does not answer.
func chooseStore() (store.Choice, error) {
	chooseOnce.Do(func() { chosen, chooseErr = store.Choose(os.Getenv) })
	return chosen, chooseErr
}

// openStore opens the store AMIKA_STORE selects; every command that reads or writes secrets
// goes through it. When auto falls back to the file store it says so once on stderr.
func openStore() (store.Store, error) {
	paths, err := discovery.DefaultPaths("")
	if err != nil {
		return nil, err
	}
	c, err := chooseStore()
	if err != nil {
		return nil, err
	}
	if c.FellBack {
		fallbackNotice.Do(func() {
			why := strings.TrimPrefix(c.Reason, "AMIKA_STORE=auto: ")
			fmt.Fprintf(os.Stderr, "amika: warning: %s; using the file store %s (set AMIKA_STORE=file to choose it and silence this)\n", why, tildePath(paths.KeychainFile(), paths.Home))
		})
	}
	return store.OpenChoice(paths, c), nil
}

// storedSecrets is the keyring side of discovery's amika_keychain source. With the file
// store (chosen or fallen back to) it is nil: keychain.json is already a source, and no
// D-Bus connection is opened. It is nil too when --homedir names another home than the
// user's: the keyring belongs to the session, not to that directory, and --homedir is how
// CI gets results from fixtures alone.
func storedSecrets(p discovery.Paths, homedir string) *discovery.StoredSecrets {
	const label = "keyring:amika"
	if homedir != "" {
		if own, err := discovery.DefaultPaths(""); err != nil || filepath.Clean(own.Home) != filepath.Clean(p.Home) {
			return nil
		}
	}
	c, err := chooseStore()
	if err != nil {
		return &discovery.StoredSecrets{Label: label, Read: func() (map[string]string, error) { return nil, err }}
	}
	if c.Backend == "pass" {
		b := store.OpenChoice(p, c).(*store.Pass)
		return &discovery.StoredSecrets{Label: b.SecretsDir(), Read: func() (map[string]string, error) { return readPass(b) }}
	}
	if c.Backend != "keyring" {
		return nil
	}
	kr := store.NewKeyring(p)
	return &discovery.StoredSecrets{Label: label, Read: func() (map[string]string, error) {
		return kr.Values(func(name string) bool {
			_, ok := discovery.ProviderForVariable(name)
			return ok
		})
	}}
}

func storeWhere(st store.Store) string {
	if p, ok := st.(*store.Pass); ok {
		return passWhere(p)
	}
	if f, ok := st.(*store.File); ok {
		p, _ := discovery.DefaultPaths("")
		return "the file store (" + tildePath(f.Path(), p.Home) + ")"
	}
	return "the keyring (service " + store.Service + ")"
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

func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type jsonSecret struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Provider string `json:"provider,omitempty"`
	Created  string `json:"created,omitempty"`
	Updated  string `json:"updated,omitempty"`
	Origin   string `json:"origin,omitempty"`
	Agent    string `json:"agent,omitempty"`
	Label    string `json:"label,omitempty"`
	Scope    string `json:"scope,omitempty"`
}

func toJSON(s store.Secret) jsonSecret {
	j := jsonSecret{Name: s.Name, Type: string(s.Type), Provider: s.Provider, Origin: s.Origin, Agent: s.Agent, Label: s.Label}
	if !s.Created.IsZero() {
		j.Created = timeText(s.Created)
	}
	if !s.Updated.IsZero() {
		j.Updated = timeText(s.Updated)
	}
	return j
}

// writeSecretsJSON lists secrets' metadata as JSON, never their values.
func writeSecretsJSON(w io.Writer, list []store.Secret) error { return writeScopedJSON(w, list, nil) }

// writeScopedJSON is writeSecretsJSON with each secret's scope.
func writeScopedJSON(w io.Writer, list []store.Secret, scopes []string) error {
	out := make([]jsonSecret, 0, len(list))
	for i, s := range list {
		j := toJSON(s)
		if scopes != nil {
			j.Scope = scopes[i]
		}
		out = append(out, j)
	}
	return writeJSON(w, out)
}

func newSecretListCmd() *cobra.Command {
	var (
		output string
		scope  scopeFlag
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored secrets: NAME, TYPE, PROVIDER, UPDATED, SCOPE (never values)",
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			stores, err := listScopes(&scope)
			if err != nil {
				return err
			}
			var list []store.Secret
			var scopes []string
			for _, st := range stores {
				l, err := st.List()
				if err != nil {
					return err
				}
				warnListProblem(cmd.ErrOrStderr(), st)
				for _, s := range l {
					list = append(list, s)
					scopes = append(scopes, scopeOf(st))
				}
			}
			if output == "json" {
				return writeScopedJSON(cmd.OutOrStdout(), list, scopes)
			}
			// SCOPE shows once there is more than your own store to list.
			scoped := len(stores) > 1 || scopeOf(stores[0]) != "user"
			tw := newTable(cmd.OutOrStdout())
			if scoped {
				fmt.Fprintln(tw, "NAME\tTYPE\tPROVIDER\tUPDATED\tSCOPE")
			} else {
				fmt.Fprintln(tw, "NAME\tTYPE\tPROVIDER\tUPDATED")
			}
			for i, s := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s", s.Name, dash(string(s.Type)), dash(s.Provider), timeText(s.Updated))
				if scoped {
					fmt.Fprintf(tw, "\t%s", scopes[i])
				}
				fmt.Fprintln(tw)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	scope.register(cmd, "")
	return cmd
}

func notFound(st store.Store, names []string) error {
	word := "secret"
	if len(names) > 1 {
		word = "secrets"
	}
	return fmt.Errorf("%s not found in %s: %s", word, storeWhere(st), strings.Join(names, ", "))
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
			var value string
			if kr, ok := st.(*store.Keyring); ok {
				value, err = kr.Value(args[0]) // one lookup: the index is not needed
			} else {
				var s store.Secret
				s, err = st.Get(args[0])
				value = s.Value
			}
			if errors.Is(err, store.ErrNotFound) {
				return notFound(st, args)
			}
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
			list, err := st.List()
			if err != nil {
				return err
			}
			have := map[string]bool{}
			for _, s := range list {
				have[s.Name] = true
			}
			var missing []string
			for _, n := range args {
				if !have[n] {
					if _, err := st.Get(n); err != nil { // not indexed, but maybe stored by another tool
						missing = append(missing, n)
					}
				}
			}
			if len(missing) > 0 {
				return notFound(st, missing)
			}
			if !yes {
				q := fmt.Sprintf("Delete %s from %s?", strings.Join(args, ", "), storeWhere(st))
				if err := confirm(cmd, "secret delete", q); err != nil {
					return err
				}
			}
			for _, n := range args {
				if err := st.Delete(n); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "amika: deleted %s from %s\n", strings.Join(args, ", "), storeWhere(st))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	scope.register(cmd, "user")
	return cmd
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
			paths, err := discovery.DefaultPaths("")
			if err != nil {
				return err
			}
			c, err := chooseStore()
			if err != nil {
				return err
			}
			st := store.OpenChoice(paths, c)
			location := "service " + store.Service + " in the OS keyring"
			if f, ok := st.(*store.File); ok {
				location = f.Path()
			}
			if p, ok := st.(*store.Pass); ok {
				location = p.SecretsDir()
			}
			count, listErr := -1, ""
			if list, err := st.List(); err == nil {
				count = len(list)
			} else {
				listErr = err.Error()
			}
			if output == "json" {
				return writeJSON(cmd.OutOrStdout(), struct {
					Backend  string `json:"backend"`
					Mode     string `json:"mode"`
					Reason   string `json:"reason"`
					Location string `json:"location"`
					Secrets  int    `json:"secrets"`
					Error    string `json:"error,omitempty"`
				}{c.Backend, c.Requested, c.Reason, location, count, listErr})
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "backend:  %s\n", c.Backend)
			fmt.Fprintf(w, "why:      %s\n", c.Reason)
			fmt.Fprintf(w, "location: %s\n", location)
			if listErr != "" {
				fmt.Fprintf(w, "secrets:  unreadable: %s\n", listErr)
				return exitError{1}
			}
			fmt.Fprintf(w, "secrets:  %d\n", count)
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
