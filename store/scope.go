package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/discovery/agentkeyring"
	"github.com/amika-dev/amika/store/pass"
)

// Scope is the store a command reads or writes: the user's own, or a team store.
type Scope struct {
	Team bool
	// Name is the team store's; "" means the only one, or the one named "team".
	Name string
}

// ParseScope reads a scope as commands take it: user, team or team:NAME.
func ParseScope(s string) (Scope, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "user":
		return Scope{}, nil
	case s == "team":
		return Scope{Team: true}, nil
	case strings.HasPrefix(s, "team:"):
		name := strings.TrimPrefix(s, "team:")
		if err := ValidTeamName(name); err != nil {
			return Scope{}, err
		}
		return Scope{Team: true, Name: name}, nil
	}
	return Scope{}, errors.New("want user, team or team:NAME")
}

// ownPaths are the user's own paths, where amika keeps its files whatever --homedir says;
// unlike Choice, they cost no keyring probe.
func (o *Opener) ownPaths() (discovery.Paths, error) {
	return discovery.ResolvePaths("", o.getenv)
}

// own says whether p are the user's own paths: discovery under a --homedir that is another
// home reads neither the user's keyring nor the user's team stores.
func (o *Opener) own(p discovery.Paths) bool {
	own, err := o.ownPaths()
	return err == nil && filepath.Clean(own.Home) == filepath.Clean(p.Home)
}

// Teams lists the team stores, and the paths they were named under.
func (o *Opener) Teams() ([]TeamStore, discovery.Paths, error) {
	p, err := o.ownPaths()
	if err != nil {
		return nil, p, err
	}
	teams, err := o.teamStores(p)
	return teams, p, err
}

// OpenTeam opens team store t, interactive letting gpg-agent ask for a passphrase.
func (o *Opener) OpenTeam(t TeamStore, interactive bool) (*Pass, error) {
	p, err := o.ownPaths()
	if err != nil {
		return nil, err
	}
	return o.openTeam(p, t, interactive), nil
}

// openTeam opens team store t for a command that may write to it: a write whose pull
// changed whom secrets are encrypted to tells Warn (RecipientsWarning).
func (o *Opener) openTeam(p discovery.Paths, t TeamStore, interactive bool) *Pass {
	return OpenTeam(p, o.getenv, t, interactive).Warning(o.Warn)
}

// findTeam opens the team store named name ("" for the only one, or "team").
func (o *Opener) findTeam(name string, interactive bool) (*Pass, error) {
	teams, p, err := o.Teams()
	if err != nil {
		return nil, err
	}
	t, err := FindTeamStore(teams, name)
	if err != nil {
		return nil, err
	}
	return o.openTeam(p, t, interactive), nil
}

// personalPass is the user's own password store when AMIKA_STORE=pass, else nil.
func (o *Opener) personalPass(interactive bool) (*Pass, error) {
	c, p, err := o.Choice()
	if err != nil || c.Backend != "pass" {
		return nil, err
	}
	return NewPass(p, o.getenv, PersonalPassDir(p, o.getenv), PassOptions{Interactive: interactive}), nil
}

// OpenScope opens the store sc names. interactive (a command run on a terminal) lets
// gpg-agent ask for a passphrase.
func (o *Opener) OpenScope(sc Scope, interactive bool) (*Stores, error) {
	if sc.Team {
		t, err := o.findTeam(sc.Name, interactive)
		if err != nil {
			return nil, err
		}
		return t.Stores(), nil
	}
	if interactive {
		p, err := o.personalPass(true)
		if err != nil {
			return nil, err
		}
		if p != nil {
			return p.Stores(), nil
		}
	}
	return o.Open()
}

// OpenWithTeams is the user's own store, then the team stores, for reading secrets by
// name (`amika run --secret`, `--claude`, `use amika`); writes go to the user's own.
func (o *Opener) OpenWithTeams() (*Stores, error) {
	st, err := o.Open()
	if err != nil {
		return nil, err
	}
	teams, p, err := o.Teams()
	if err != nil || len(teams) == 0 {
		return st, err
	}
	backends := make([]*Pass, 0, len(teams))
	for _, t := range teams {
		backends = append(backends, OpenTeam(p, o.getenv, t, false))
	}
	return st.With(backends...), nil
}

// ListScopes lists the secrets of the store sc names, or, with sc nil, of the user's own
// store and every team store, sorted by name. A team store that cannot be listed then is
// a warning, not a failure.
func (o *Opener) ListScopes(sc *Scope) ([]Secret, []Warning, error) {
	if sc != nil {
		st, err := o.OpenScope(*sc, false)
		if err != nil {
			return nil, nil, err
		}
		return st.List()
	}
	st, err := o.Open()
	if err != nil {
		return nil, nil, err
	}
	list, warns, err := st.List()
	if err != nil {
		return nil, nil, err
	}
	teams, p, err := o.Teams()
	if err != nil {
		return nil, nil, err
	}
	for _, t := range teams {
		b := OpenTeam(p, o.getenv, t, false)
		l, w, err := b.List()
		if err != nil {
			warns = append(warns, Warning{Where: b.Where(), What: err.Error()})
			continue
		}
		list, warns = append(list, l...), append(warns, w...)
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, warns, nil
}

// PassStores are the password stores amika uses: the user's own when AMIKA_STORE=pass,
// then the team stores; names limits them to those ("user" for the user's own).
func (o *Opener) PassStores(names []string, interactive bool) ([]*Pass, error) {
	teams, p, err := o.Teams()
	if err != nil {
		return nil, err
	}
	var all []*Pass
	if own, err := o.personalPass(interactive); err == nil && own != nil {
		all = append(all, own)
	}
	for _, t := range teams {
		all = append(all, o.openTeam(p, t, interactive))
	}
	if len(names) == 0 {
		if len(all) == 0 {
			return nil, errors.New("no password store: name a team store with `amika store add NAME DIR`, or keep your own secrets in one with AMIKA_STORE=pass")
		}
		return all, nil
	}
	var out []*Pass
	for _, n := range names {
		found := false
		for _, b := range all {
			if b.Scope() == n {
				out, found = append(out, b), true
			}
		}
		if !found {
			if n == "user" {
				return nil, errors.New("your own store is not a password store (AMIKA_STORE=pass makes it one)")
			}
			return nil, fmt.Errorf("no team store named %s (amika store list)", teamNameText(n))
		}
	}
	return out, nil
}

// MemberStore is the password store whose members a command lists or changes: the one
// named ("user" for the user's own), else the team store.
func (o *Opener) MemberStore(name string, interactive bool) (*Pass, error) {
	if name != "" && name != "team" {
		stores, err := o.PassStores([]string{name}, interactive)
		if err != nil {
			return nil, err
		}
		return stores[0], nil
	}
	return o.findTeam(name, interactive)
}

// DiscoverySources sets what discovery reads of the machine besides the agents' files in
// opt.Paths: amika's store (Stored), the team stores (Extra), and unless opt.ReferenceOnly
// the agents' own keyring items (Keyring). For another home than the user's (--homedir),
// that home's keychain.json alone: the keyring and the team stores belong to the user, not
// to that directory.
func (o *Opener) DiscoverySources(opt *discovery.Options) {
	opt.Stored = o.storedSources(opt.Paths)
	opt.Extra = o.teamSources(opt.Paths)
	if !opt.ReferenceOnly {
		opt.Keyring = o.agentKeyring(opt.Paths)
	}
}

// teamSources are the team stores as discovery sources, each its own row below the user's
// own secrets.
func (o *Opener) teamSources(p discovery.Paths) []discovery.StoredSource {
	if !o.own(p) {
		return nil
	}
	teams, err := o.teamStores(p)
	if err != nil {
		return []discovery.StoredSource{{ID: "amika_team", Priority: TeamPriority(0), StoredSecrets: discovery.StoredSecrets{
			Label: TeamStoresFile(p, o.getenv), Read: func() (discovery.Stored, error) { return discovery.Stored{}, err }}}}
	}
	out := make([]discovery.StoredSource, 0, len(teams))
	for i, t := range teams {
		out = append(out, discovery.StoredSource{ID: "amika_team", Priority: TeamPriority(i),
			StoredSecrets: OpenTeam(p, o.getenv, t, false).stored()})
	}
	return out
}

// agentKeyring reads the agents' own keyring items (Codex's keyring store, Gemini CLI's
// API key, Claude Code's Keychain item on macOS) where amika uses the keyring: the store's
// bounded probe decides, and AMIKA_STORE=file keeps amika off D-Bus altogether.
func (o *Opener) agentKeyring(p discovery.Paths) *discovery.Keyring {
	k := &discovery.Keyring{Label: "keyring"}
	if runtime.GOOS == "darwin" {
		k.Label = "keychain"
	}
	if !o.own(p) {
		k.Unavailable = "--homedir is not this user's home"
		return k
	}
	c, _, err := o.Choice()
	switch {
	case err != nil:
		k.Unavailable = err.Error()
	case c.Backend != "keyring":
		k.Unavailable = "no keyring in use (" + c.Reason + ")"
	case agentkeyring.Reader() == nil:
		k.Unavailable = "amika reads no agent's keyring items on " + runtime.GOOS
	default:
		k.Read, k.Watch = agentkeyring.Reader(), agentkeyring.WatchPaths(p)
	}
	return k
}

// BackendState is one backend of the user's own store as `amika secret status` shows it.
type BackendState struct {
	Name  string
	Where string
	// Secrets counts what it lists; -1 when it cannot be listed (Err says why).
	Secrets int
	Err     error
}

// States is the choice, and each backend Open reads (writes going to the first) with what
// it holds.
func (o *Opener) States() (Choice, []BackendState, error) {
	c, backends, err := o.Status()
	if err != nil {
		return c, nil, err
	}
	out := make([]BackendState, 0, len(backends))
	for _, b := range backends {
		st := BackendState{Name: b.Name(), Where: b.Where(), Secrets: -1}
		if list, _, err := b.List(); err == nil {
			st.Secrets = len(list)
		} else {
			st.Err = err
		}
		out = append(out, st)
	}
	return c, out, nil
}

// Place is a store as `amika store list` shows it: the user's own (each backend), then
// the team stores.
type Place struct {
	Name     string `json:"name"`  // "user", or the team store's name
	Scope    string `json:"scope"` // "user" or "team"
	Backend  string `json:"backend"`
	Location string `json:"location"`
	From     string `json:"from,omitempty"` // why: the choice's reason, or where a team store was named
}

// Places lists the stores: the user's own backends, then the team stores.
func (o *Opener) Places() ([]Place, error) {
	teams, p, err := o.Teams()
	if err != nil {
		return nil, err
	}
	var out []Place
	if c, backends, err := o.Status(); err == nil {
		for _, b := range backends {
			out = append(out, Place{Name: "user", Scope: "user", Backend: b.Name(), Location: b.Where(), From: c.Reason})
		}
	}
	for _, t := range teams {
		from := TeamStoresFile(p, o.getenv)
		if t.FromEnv {
			from = "$" + TeamStoresEnv
		}
		out = append(out, Place{Name: t.Name, Scope: "team", Backend: "pass", Location: OpenTeam(p, o.getenv, t, false).Where(), From: from})
	}
	return out, nil
}

// AddTeamOptions say how `amika store add` gets a team store ready.
type AddTeamOptions struct {
	Clone string   // git clone this URL into the store's folder first
	Keys  []string // start a new store encrypted to these keys
	// Interactive lets gpg-agent ask for a passphrase.
	Interactive bool
	// Stdin and Stderr are git clone's (it may ask for a password, and tells its progress).
	Stdin  io.Reader
	Stderr io.Writer
}

// AddTeam names team store t, a git clone of the team's password store, after cloning it
// (opt.Clone) or starting it (opt.Keys). What leaves it usable but needs the user's eye
// (a store without .gpg-id, a start that could not be pushed) comes back as warnings.
func (o *Opener) AddTeam(t TeamStore, opt AddTeamOptions) (warnings []string, err error) {
	p, err := o.ownPaths()
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if opt.Clone != "" {
		if _, err := os.Stat(t.Dir); err == nil {
			return nil, fmt.Errorf("store add %s: --clone: %s exists already", t.Name, t.Dir)
		}
		c := exec.Command("git", "clone", "-q", "--", opt.Clone, t.Dir)
		c.Stdin, c.Stdout, c.Stderr = opt.Stdin, opt.Stderr, opt.Stderr
		if err := c.Run(); err != nil {
			return nil, fmt.Errorf("store add %s: git clone %s: %v", t.Name, opt.Clone, err)
		}
	}
	if fi, err := os.Stat(t.Dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("store add %s: %s is not a directory (clone the team's repository there, or give --clone URL)", t.Name, t.Dir)
	}
	b := o.openTeam(p, t, opt.Interactive)
	if !b.Engine().IsGit(ctx) {
		return nil, fmt.Errorf("store add %s: %s: %v (clone the team's repository there, or `git -C %s init` and add a remote)", t.Name, t.Dir, pass.ErrNotGit, t.Dir)
	}
	var keys []string
	for _, k := range opt.Keys {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		err := b.Engine().Init(ctx, keys)
		var se *pass.SyncError
		if err != nil && !errors.As(err, &se) {
			return nil, fmt.Errorf("store add %s: %w", t.Name, err)
		}
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("store %s: %v", t.Name, err))
		}
	} else if _, _, err := b.Engine().Recipients(); err != nil {
		warnings = append(warnings, fmt.Sprintf("store %s: %v", t.Name, err))
	}
	return warnings, AddTeamStore(p, o.getenv, t)
}

// RemoveTeam forgets team store name; its files stay where they are.
func (o *Opener) RemoveTeam(name string) error {
	p, err := o.ownPaths()
	if err != nil {
		return err
	}
	return RemoveTeamStore(p, o.getenv, name)
}
