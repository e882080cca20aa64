package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
)

// TeamStore is a password store shared by a team: a git clone, named once.
type TeamStore struct {
	Name   string `json:"name"`
	Dir    string `json:"dir"`
	Prefix string `json:"prefix,omitempty"`
	// FromEnv marks a store named by AMIKA_TEAM_STORES rather than stores.json.
	FromEnv bool `json:"-"`
}

// TeamStoresEnv names team stores without a configuration file: NAME=DIR entries separated
// by the path-list separator (':'), e.g. "team=/srv/team-secrets:ops=/srv/ops".
const TeamStoresEnv = "AMIKA_TEAM_STORES"

// ConfigDir is amika's configuration folder: $XDG_CONFIG_HOME/amika when set and absolute,
// else ~/.config/amika.
func ConfigDir(p discovery.Paths, getenv func(string) string) string {
	if d := getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "amika")
	}
	return filepath.Join(p.Home, ".config", "amika")
}

// TeamStoresFile lists the team stores `amika store add` named.
func TeamStoresFile(p discovery.Paths, getenv func(string) string) string {
	return filepath.Join(ConfigDir(p, getenv), "stores.json")
}

// ValidTeamName checks a team store's name: 1–32 of a-z 0-9 _ -, starting with a letter or
// digit, and not "user" (the personal scope).
// The error never quotes an invalid name: it says what is wrong where.
func ValidTeamName(name string) error {
	const rule = "1 to 32 of a-z 0-9 _ -, starting with a letter or digit, and not \"user\""
	for i := 0; i < len(name); i++ {
		if !teamNameByte(i, name[i]) {
			return errors.New(DescribeInvalid("store name", name, teamNameByte, rule))
		}
	}
	switch {
	case name == "":
		return errors.New(DescribeInvalid("store name", name, teamNameByte, rule))
	case len(name) > 32:
		return fmt.Errorf("invalid store name (%s): longer than 32 characters", LengthText(name))
	case name == "user":
		return errors.New("invalid store name: user is the personal store's scope (" + rule + ")")
	}
	return nil
}

func teamNameByte(i int, c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '_' || c == '-')
}

// teamNameText is a store name as a message shows it: itself when valid and not like a key
// (NameText's rule), else described or masked.
func teamNameText(name string) string { return nameText(name, "store name", ValidTeamName(name)) }

type teamFile struct {
	Stores []TeamStore `json:"stores"`
}

// TeamStores lists the team stores: AMIKA_TEAM_STORES's first, then stores.json's; a name
// given by both is the variable's. A stores.json that another user could have changed is
// not read: the error then wraps safefile.ErrUntrusted, and the variable's stores come
// with it (the Opener skips it with a warning).
func TeamStores(p discovery.Paths, getenv func(string) string) ([]TeamStore, error) {
	var out []TeamStore
	seen := map[string]bool{}
	if v := strings.TrimSpace(getenv(TeamStoresEnv)); v != "" {
		for i, entry := range filepath.SplitList(v) {
			if entry = strings.TrimSpace(entry); entry == "" {
				continue
			}
			name, dir, ok := strings.Cut(entry, "=")
			if !ok || dir == "" {
				return nil, fmt.Errorf("%s: entry %d (%s): want NAME=DIR", TeamStoresEnv, i+1, LengthText(entry))
			}
			if err := ValidTeamName(name); err != nil {
				return nil, fmt.Errorf("%s: %v", TeamStoresEnv, err)
			}
			if !seen[name] {
				seen[name] = true
				out = append(out, TeamStore{Name: name, Dir: dir, FromEnv: true})
			}
		}
	}
	f, err := readTeamFile(TeamStoresFile(p, getenv))
	if err != nil {
		return out, err
	}
	for _, t := range f.Stores {
		if !seen[t.Name] {
			seen[t.Name] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// teamStores is TeamStores, a stores.json that another user could have changed skipped
// with one warning (Warn).
func (o *Opener) teamStores(p discovery.Paths) ([]TeamStore, error) {
	teams, err := TeamStores(p, o.getenv)
	if errors.Is(err, safefile.ErrUntrusted) {
		if o.Warn != nil {
			o.teamsWarned.Do(func() { o.Warn(err.Error()) })
		}
		return teams, nil
	}
	return teams, err
}

func readTeamFile(path string) (teamFile, error) {
	var f teamFile
	if err := safefile.Trusted(path); err != nil {
		return f, &storeError{where: path, reason: discovery.NotUsed(err), cause: err}
	}
	data, err := safefile.ReadFile(path, 1<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("%s: %v", path, err)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return f, fmt.Errorf("%s: cannot parse: %v; fix or move the file, amika will not overwrite it", path, err)
	}
	for i, t := range f.Stores {
		if err := ValidTeamName(t.Name); err != nil || t.Dir == "" {
			return f, fmt.Errorf("%s: store %d (%s): a valid name and a dir are needed; fix or move the file, amika will not overwrite it", path, i+1, teamNameText(t.Name))
		}
	}
	return f, nil
}

// updateTeamFile changes stores.json under a lock, atomically; a file that cannot be
// parsed is never overwritten.
func updateTeamFile(p discovery.Paths, getenv func(string) string, change func(*teamFile) error) error {
	path := TeamStoresFile(p, getenv)
	if err := safefile.PrivateDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("%s: %v", filepath.Dir(path), err)
	}
	unlock, err := safefile.Lock(path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	f, err := readTeamFile(path)
	if err != nil {
		return err
	}
	if err := change(&f); err != nil {
		return err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return err
	}
	safefile.RemoveTemps(filepath.Dir(path))
	if err := safefile.WriteFileAtomic(path, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("%s: cannot write: %v", path, err)
	}
	return nil
}

// AddTeamStore names a team store (replacing one of the same name).
func AddTeamStore(p discovery.Paths, getenv func(string) string, t TeamStore) error {
	if err := ValidTeamName(t.Name); err != nil {
		return err
	}
	return updateTeamFile(p, getenv, func(f *teamFile) error {
		for i := range f.Stores {
			if f.Stores[i].Name == t.Name {
				f.Stores[i] = t
				return nil
			}
		}
		f.Stores = append(f.Stores, t)
		return nil
	})
}

// RemoveTeamStore forgets a team store's name; its files stay where they are.
func RemoveTeamStore(p discovery.Paths, getenv func(string) string, name string) error {
	return updateTeamFile(p, getenv, func(f *teamFile) error {
		for i := range f.Stores {
			if f.Stores[i].Name == name {
				f.Stores = append(f.Stores[:i], f.Stores[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("no team store named %s in %s", teamNameText(name), TeamStoresFile(p, getenv))
	})
}

// OpenTeam opens a team store.
func OpenTeam(p discovery.Paths, getenv func(string) string, t TeamStore, interactive bool) *Pass {
	return NewPass(p, getenv, t.Dir, PassOptions{Scope: t.Name, Prefix: t.Prefix, Interactive: interactive, Team: true})
}

// FindTeamStore picks a team store by name; "" means the only one, or the one named "team".
func FindTeamStore(teams []TeamStore, name string) (TeamStore, error) {
	if name != "" {
		for _, t := range teams {
			if t.Name == name {
				return t, nil
			}
		}
		if ValidTeamName(name) != nil {
			return TeamStore{}, fmt.Errorf("no team store named so: %v", ValidTeamName(name))
		}
		if text := teamNameText(name); text != name {
			return TeamStore{}, fmt.Errorf("no team store named %s (amika store list)", text)
		}
		return TeamStore{}, fmt.Errorf("no team store named %s (amika store list; amika store add %s DIR)", name, name)
	}
	switch len(teams) {
	case 0:
		return TeamStore{}, errors.New("no team store: name one with `amika store add team DIR`")
	case 1:
		return teams[0], nil
	}
	for _, t := range teams {
		if t.Name == "team" {
			return t, nil
		}
	}
	names := make([]string, len(teams))
	for i, t := range teams {
		names[i] = t.Name
	}
	return TeamStore{}, fmt.Errorf("several team stores (%s): say which, e.g. --scope team:%s", strings.Join(names, ", "), names[0])
}

// TeamPriority is the discovery priority of the i-th team store: below the user's own
// secrets (amika_keychain, 280), each team store below the one before, none below 271
// (amika_oauth is 270).
func TeamPriority(i int) int { return max(275-i, 271) }

// WatchPaths are what a shell hook or direnv watches for the store: the stamp every amika
// write touches, the list of team stores, and the folders and .gpg-id files of the password
// stores in use, whose modification times change when git checks files out in a pull.
func WatchPaths(p discovery.Paths, getenv func(string) string) []string {
	out := []string{p.StoreStamp(), TeamStoresFile(p, getenv)}
	if strings.TrimSpace(getenv("AMIKA_STORE")) == "pass" {
		out = append(out, NewPass(p, getenv, PersonalPassDir(p, getenv), PassOptions{}).WatchPaths()...)
	}
	teams, _ := TeamStores(p, getenv)
	for _, t := range teams {
		out = append(out, OpenTeam(p, getenv, t, false).WatchPaths()...)
	}
	return out
}

// With returns the store reading, after s's backends, the team stores: for reading secrets
// by name (`amika run --secret`, `use amika`), a team's secret needing no copy of its own.
// Writes still go to s's first backend.
func (s *Stores) With(teams ...*Pass) *Stores {
	out := &Stores{append([]backend(nil), s.backends...)}
	for _, t := range teams {
		out.backends = append(out.backends, t)
	}
	return out
}
