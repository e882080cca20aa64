package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store"
	"github.com/amika-dev/amika/store/pass"
)

// scopeFlag is --scope on the commands that read or write secrets: user (your own store),
// team (the team store), or team:NAME.
type scopeFlag struct{ value string }

func (f *scopeFlag) register(cmd *cobra.Command, def string) {
	cmd.Flags().StringVar(&f.value, "scope", def, "`SCOPE`: user (your own store), team (the team store), or team:NAME with several")
}

// parse says whether the scope is a team store's, and which ("" for the only one).
func (f *scopeFlag) parse() (team bool, name string, err error) {
	s := strings.TrimSpace(f.value)
	switch {
	case s == "user":
		return false, "", nil
	case s == "team":
		return true, "", nil
	case strings.HasPrefix(s, "team:"):
		name = strings.TrimPrefix(s, "team:")
		if err := store.ValidTeamName(name); err != nil {
			return false, "", usageError{fmt.Errorf("--scope %s: %v", s, err)}
		}
		return true, name, nil
	}
	return false, "", usagef("--scope %q: want user, team or team:NAME", s)
}

// open opens the store the scope names; interactive lets gpg-agent ask for a passphrase
// (a command run on a terminal).
func (f *scopeFlag) open(interactive bool) (*store.Stores, error) {
	team, name, err := f.parse()
	if err != nil {
		return nil, err
	}
	if !team {
		if interactive {
			p, err := personalPass(true)
			if err != nil {
				return nil, err
			}
			if p != nil {
				return p.Stores(), nil
			}
		}
		return stores.Open()
	}
	t, err := findTeam(name)
	if err != nil {
		return nil, err
	}
	return openTeam(t, interactive).Stores(), nil
}

// personalPass is the user's own password store when AMIKA_STORE=pass, else nil.
func personalPass(interactive bool) (*store.Pass, error) {
	c, p, err := stores.Choice()
	if err != nil || c.Backend != "pass" {
		return nil, err
	}
	return store.NewPass(p, os.Getenv, store.PersonalPassDir(p, os.Getenv), store.PassOptions{Interactive: interactive}), nil
}

func teamStores() ([]store.TeamStore, discovery.Paths, error) {
	paths, err := discovery.DefaultPaths("")
	if err != nil {
		return nil, paths, err
	}
	teams, err := store.TeamStores(paths, os.Getenv)
	return teams, paths, err
}

func findTeam(name string) (store.TeamStore, error) {
	teams, _, err := teamStores()
	if err != nil {
		return store.TeamStore{}, err
	}
	return store.FindTeamStore(teams, name)
}

func openTeam(t store.TeamStore, interactive bool) *store.Pass {
	paths, _ := discovery.DefaultPaths("")
	return store.OpenTeam(paths, os.Getenv, t, interactive).Warning(stores.Warn)
}

// teamSources are the team stores as discovery sources, each its own row below the user's
// own secrets. None under a --homedir that is not the user's: team stores belong to the
// user, not to that directory.
func teamSources(p discovery.Paths, homedir string) []discovery.StoredSource {
	if homedir != "" {
		if own, err := discovery.DefaultPaths(""); err != nil || filepath.Clean(own.Home) != filepath.Clean(p.Home) {
			return nil
		}
	}
	teams, err := store.TeamStores(p, os.Getenv)
	if err != nil {
		return []discovery.StoredSource{{ID: "amika_team", Priority: store.TeamPriority(0), StoredSecrets: discovery.StoredSecrets{
			Label: store.TeamStoresFile(p, os.Getenv), Read: func() (discovery.Stored, error) { return discovery.Stored{}, err }}}}
	}
	out := make([]discovery.StoredSource, 0, len(teams))
	for i, t := range teams {
		out = append(out, discovery.StoredSource{ID: "amika_team", Priority: store.TeamPriority(i),
			StoredSecrets: store.OpenTeam(p, os.Getenv, t, false).DiscoveryRow()})
	}
	return out
}

func newStoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Team and personal password stores (pass: GnuPG and git): add, sync, members, unlock",
		Long: `A team store is a password store (the format of pass: one GnuPG file per secret,
encrypted to the keys in .gpg-id) in a git clone the team shares. Name it once with
"amika store add", then use --scope team on amika secret push, list, get and delete.
Discovery, the shell hooks, credential get and run read it after your own secrets.

  amika store add team ~/team-secrets --clone git@git.example.com:acme/secrets.git
  amika secret push --scope team --from-env=ANTHROPIC_API_KEY --yes
  amika store sync
  amika store members add team carol@example.com

AMIKA_STORE=pass keeps your own secrets in your password store ($PASSWORD_STORE_DIR or
~/.password-store) too. See docs/teams.md for the trust model.`,
	}
	cmd.AddCommand(newStoreListCmd(), newStoreAddCmd(), newStoreRemoveCmd(), newStoreSyncCmd(), newStoreMembersCmd(), newStoreUnlockCmd())
	return cmd
}

// passStores are the password stores amika uses: the personal one when AMIKA_STORE=pass,
// then the team stores; names limits them to those (user for the personal one).
func passStores(names []string, interactive bool) ([]*store.Pass, error) {
	teams, paths, err := teamStores()
	if err != nil {
		return nil, err
	}
	var all []*store.Pass
	if p, err := personalPass(interactive); err == nil && p != nil {
		all = append(all, p)
	}
	for _, t := range teams {
		all = append(all, store.OpenTeam(paths, os.Getenv, t, interactive).Warning(stores.Warn))
	}
	if len(names) == 0 {
		if len(all) == 0 {
			return nil, errors.New("no password store: name a team store with `amika store add NAME DIR`, or keep your own secrets in one with AMIKA_STORE=pass")
		}
		return all, nil
	}
	var out []*store.Pass
	for _, n := range names {
		found := false
		for _, p := range all {
			if p.Scope() == n {
				out, found = append(out, p), true
			}
		}
		if !found {
			if n == "user" {
				return nil, errors.New("your own store is not a password store (AMIKA_STORE=pass makes it one)")
			}
			return nil, fmt.Errorf("no team store named %q (amika store list)", n)
		}
	}
	return out, nil
}

type jsonStore struct {
	Name     string `json:"name"`
	Scope    string `json:"scope"`
	Backend  string `json:"backend"`
	Location string `json:"location"`
	From     string `json:"from,omitempty"` // where a team store was named
}

func newStoreListCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the stores: your own, then the team stores",
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			teams, paths, err := teamStores()
			if err != nil {
				return err
			}
			var rows []jsonStore
			if c, backends, err := stores.Status(); err == nil {
				for _, b := range backends {
					rows = append(rows, jsonStore{Name: "user", Scope: "user", Backend: b.Name(), Location: b.Where(), From: c.Reason})
				}
			}
			for _, t := range teams {
				from := store.TeamStoresFile(paths, os.Getenv)
				if t.FromEnv {
					from = "$" + store.TeamStoresEnv
				}
				rows = append(rows, jsonStore{Name: t.Name, Scope: "team", Backend: "pass", Location: openTeam(t, false).Where(), From: from})
			}
			if output == "json" {
				return writeJSON(cmd.OutOrStdout(), rows)
			}
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "NAME\tSCOPE\tBACKEND\tLOCATION")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Scope, r.Backend, r.Location)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func newStoreAddCmd() *cobra.Command {
	var (
		clone  string
		init   []string
		prefix string
	)
	cmd := &cobra.Command{
		Use:   "add NAME DIR [--clone URL] [--init KEY…]",
		Short: "Name a team store: a git clone of the team's password store",
		Long: `Name the team store in DIR, a git clone of the team's password store. --clone URL clones
it there first. --init KEY… starts a new store: .gpg-id lists those keys (fingerprints,
key IDs or emails of public keys in your keyring, written as fingerprints), committed
and pushed.

  amika store add team ~/team-secrets --clone git@git.example.com:acme/secrets.git
  amika store add team ~/team-secrets --init alice@example.com,bob@example.com`,
		Args: wrapArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := store.ValidTeamName(name); err != nil {
				return usageError{err}
			}
			dir, err := filepath.Abs(args[1])
			if err != nil {
				return err
			}
			paths, err := discovery.DefaultPaths("")
			if err != nil {
				return err
			}
			if clone != "" {
				if _, err := os.Stat(dir); err == nil {
					return fmt.Errorf("store add %s: --clone: %s exists already", name, dir)
				}
				c := exec.Command("git", "clone", "-q", "--", clone, dir)
				c.Stdin, c.Stdout, c.Stderr = cmd.InOrStdin(), cmd.ErrOrStderr(), cmd.ErrOrStderr()
				if err := c.Run(); err != nil {
					return fmt.Errorf("store add %s: git clone %s: %v", name, clone, err)
				}
			}
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return fmt.Errorf("store add %s: %s is not a directory (clone the team's repository there, or give --clone URL)", name, dir)
			}
			t := store.TeamStore{Name: name, Dir: dir, Prefix: prefix}
			b := store.OpenTeam(paths, os.Getenv, t, isTerminal(cmd.InOrStdin()))
			if !b.Engine().IsGit(context.Background()) {
				return fmt.Errorf("store add %s: %s: %v (clone the team's repository there, or `git -C %s init` and add a remote)", name, dir, pass.ErrNotGit, dir)
			}
			var keys []string
			for _, k := range init {
				if k = strings.TrimSpace(k); k != "" {
					keys = append(keys, k)
				}
			}
			if len(keys) > 0 {
				err := b.Engine().Init(context.Background(), keys)
				var se *pass.SyncError
				if err != nil && !errors.As(err, &se) {
					return fmt.Errorf("store add %s: %w", name, err)
				}
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "amika: warning: store %s: %v\n", name, err)
				}
			} else if _, _, err := b.Engine().Recipients(); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "amika: warning: store %s: %v\n", name, err)
			}
			if err := store.AddTeamStore(paths, os.Getenv, t); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "amika: team store %s is %s\n", name, tildePath(dir, paths.Home))
			return nil
		},
	}
	cmd.Flags().StringVar(&clone, "clone", "", "git clone `URL` into DIR first")
	cmd.Flags().StringSliceVar(&init, "init", nil, "start a new store encrypted to these keys (comma-separated)")
	cmd.Flags().StringVar(&prefix, "prefix", "", "folder of amika's secrets in the store (default amika)")
	return cmd
}

func newStoreRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Forget a team store's name (its files stay)",
		Args:  wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			paths, err := discovery.DefaultPaths("")
			if err != nil {
				return err
			}
			return store.RemoveTeamStore(paths, os.Getenv, args[0])
		},
	}
}

func newStoreSyncCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "sync [NAME…]",
		Short: "Pull and push password stores (git pull --rebase, git push): all, or those named",
		Long: `Bring password stores level with their git remotes: fetch, rebase your commits on what the
others pushed, push. Before the push, what your commits wrote for other recipients than
.gpg-id now lists (the pull changed them) is re-encrypted. A conflict (the same secret
changed here and there) changes nothing and names the files. Shell hooks notice what a
sync changed at the next prompt.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			stores, err := passStores(args, isTerminal(cmd.InOrStdin()))
			if err != nil {
				return err
			}
			home, _ := discovery.DefaultPaths("")
			failed := 0
			for _, b := range stores {
				if len(args) == 0 && b.Scope() == "user" && !b.Engine().IsGit(context.Background()) {
					continue // a personal store without git has nothing to sync
				}
				res, err := b.Engine().Sync(context.Background())
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "amika: store %s: %v\n", b.Scope(), err)
					failed++
					continue
				}
				what := "up to date"
				if n := len(res.Changed); n > 0 {
					what = plural(n, "file", "files") + " changed"
				}
				if n := len(res.Resealed); n > 0 {
					what += ", " + plural(n, "file", "files") + " re-encrypted for the recipients of .gpg-id"
				}
				if res.Pushed {
					what += ", pushed"
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "amika: store %s: synced with %s (%s): %s\n", b.Scope(), res.Remote, tildePath(b.Dir(), home.Home), what)
				if res.RecipientsAfter != nil || res.RecipientsBefore != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "amika: warning: %s\n", store.RecipientsWarning(b.Scope(), res.RecipientsBefore, res.RecipientsAfter))
				}
			}
			if failed > 0 {
				return exitError{1}
			}
			return nil
		},
	}
}

func newStoreMembersCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "members [NAME] | members add|remove NAME KEY…",
		Short: "List, add or remove the people a store's secrets are encrypted to",
		Long: `List the recipients of a store's .gpg-id (default: the team store). add and remove change
them as "pass init" does: .gpg-id is rewritten, every secret is re-encrypted for the new
members, and both are committed (and pushed) together; a secret you cannot decrypt stops
the change before anything is written.

A removed member can still read every version they could read before, from the git
history: rotate those secrets at their provider, then push the new values.`,
		Args: wrapArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			b, err := memberStore(args, false)
			if err != nil {
				return err
			}
			file, members, err := b.Engine().Members(context.Background())
			if err != nil {
				return err
			}
			if output == "json" {
				type jsonMember struct {
					ID          string `json:"id"`
					Fingerprint string `json:"fingerprint,omitempty"`
					UserID      string `json:"user_id,omitempty"`
					Usable      bool   `json:"usable"`
					Yours       bool   `json:"yours"`
				}
				out := []jsonMember{}
				for _, m := range members {
					out = append(out, jsonMember{m.ID, m.Fingerprint, m.UserID, m.Usable, m.Yours})
				}
				return writeJSON(cmd.OutOrStdout(), out)
			}
			home, _ := discovery.DefaultPaths("")
			if file != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "amika: store %s: recipients from %s\n", b.Scope(), tildePath(file, home.Home))
			}
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "FINGERPRINT\tUSER ID\tYOU")
			for _, m := range members {
				fpr, uid, you := m.Fingerprint, m.UserID, ""
				switch {
				case fpr == "":
					fpr, uid = m.ID, "(no public key in your keyring)"
				case !m.Usable:
					uid += " (cannot encrypt)"
				}
				if m.Yours {
					you = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", fpr, dash(uid), dash(you))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	for _, verb := range []string{"add", "remove"} {
		verb := verb
		cmd.AddCommand(&cobra.Command{
			Use:   verb + " NAME KEY…",
			Short: map[string]string{"add": "Add members (keys in your keyring), re-encrypt, commit, push", "remove": "Remove members, re-encrypt, commit, push"}[verb],
			Args:  wrapArgs(cobra.MinimumNArgs(2)),
			RunE: func(cmd *cobra.Command, args []string) error {
				b, err := memberStore(args[:1], isTerminal(cmd.InOrStdin()))
				if err != nil {
					return err
				}
				change := b.Engine().AddMembers
				if verb == "remove" {
					change = b.Engine().RemoveMembers
				}
				redone, err := change(context.Background(), args[1:])
				var se *pass.SyncError
				if err != nil && !errors.As(err, &se) {
					return fmt.Errorf("store %s: %w", b.Scope(), err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "amika: store %s: %s %s; re-encrypted %s\n", b.Scope(), map[string]string{"add": "added", "remove": "removed"}[verb],
					strings.Join(args[1:], ", "), plural(len(redone), "file", "files"))
				if verb == "remove" {
					fmt.Fprintf(cmd.ErrOrStderr(), "amika: warning: store %s: what was removed could read stays readable to them in the git history: rotate those secrets\n", b.Scope())
				}
				if err != nil {
					return fmt.Errorf("store %s: %w", b.Scope(), err)
				}
				return nil
			},
		})
	}
	return cmd
}

// memberStore is the store `members` works on: the named one (user for your own password
// store), else the team store.
func memberStore(args []string, interactive bool) (*store.Pass, error) {
	if len(args) == 1 && args[0] != "team" {
		stores, err := passStores(args, interactive)
		if err != nil {
			return nil, err
		}
		return stores[0], nil
	}
	name := ""
	if len(args) == 1 {
		name = args[0]
	}
	teams, _, err := teamStores()
	if err != nil {
		return nil, err
	}
	t, err := store.FindTeamStore(teams, name)
	if err != nil {
		return nil, err
	}
	return openTeam(t, interactive), nil
}

func newStoreUnlockCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "unlock [NAME…]",
		Short: "Have gpg-agent ask for your key's passphrase once, so hooks can decrypt",
		Long: `Shell hooks, credential get and run never ask for a passphrase: with a locked key they warn
and go on without the store. unlock asks once, through gpg-agent's pinentry on this
terminal; gpg-agent then keeps the passphrase for its cache time (default-cache-ttl).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if os.Getenv("GPG_TTY") == "" && isTerminal(cmd.InOrStdin()) {
				if f, ok := cmd.InOrStdin().(*os.File); ok {
					if tty, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd())); err == nil {
						os.Setenv("GPG_TTY", tty)
					}
				}
			}
			stores, err := passStores(args, true)
			if err != nil {
				return err
			}
			failed := 0
			for _, b := range stores {
				if err := b.Engine().Unlock(context.Background()); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "amika: store %s: %v\n", b.Scope(), err)
					failed++
					continue
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "amika: store %s: unlocked\n", b.Scope())
			}
			if failed > 0 {
				return exitError{1}
			}
			return nil
		},
	}
}

// openStoreWithTeams is your own store, then the team stores, for reading secrets by name
// (`amika run --secret`, `--claude`, `use amika`); writes go to your own.
func openStoreWithTeams() (store.Store, error) {
	st, err := stores.Open()
	if err != nil {
		return nil, err
	}
	teams, _, err := teamStores()
	if err != nil || len(teams) == 0 {
		return st, err
	}
	var backends []*store.Pass
	for _, t := range teams {
		backends = append(backends, openTeam(t, false))
	}
	return st.With(backends...), nil
}

// listScopes lists what `secret list` shows: the store --scope names, else your own and
// every team store. A team store that cannot be listed is a warning, not a failure.
func listScopes(f *scopeFlag) ([]store.Secret, []store.Warning, error) {
	if f.value != "" {
		st, err := f.open(false)
		if err != nil {
			return nil, nil, err
		}
		return st.List()
	}
	st, err := stores.Open()
	if err != nil {
		return nil, nil, err
	}
	list, warns, err := st.List()
	if err != nil {
		return nil, nil, err
	}
	teams, _, err := teamStores()
	if err != nil {
		return nil, nil, err
	}
	for _, t := range teams {
		b := openTeam(t, false)
		l, w, err := b.List()
		if err != nil {
			warns = append(warns, store.Warning{Where: b.Where(), What: err.Error()})
			continue
		}
		list, warns = append(list, l...), append(warns, w...)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, warns, nil
}
