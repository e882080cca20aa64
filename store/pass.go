package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store/pass"
)

// Pass keeps secrets in a password store (pass's format: GnuPG files, git history), under
// its amika/ folder: the personal store when AMIKA_STORE=pass, and every team store.
type Pass struct {
	engine *pass.Store
	scope  string // "user", or the team store's name
	paths  discovery.Paths
	// listProblem is why List could not read some secrets' metadata (a locked key, a file
	// encrypted to keys the user lacks); List still lists them.
	listProblem error
}

// PassOptions are what differs between the personal store and a team store.
type PassOptions struct {
	Scope       string // "user" or a team's name
	Prefix      string // pass.DefaultPrefix when empty
	Interactive bool   // may gpg-agent ask for a passphrase?
	Team        bool   // a team store: it must be a git repository, and syncs after each change
}

// NewPass opens the password store in dir.
func NewPass(p discovery.Paths, getenv func(string) string, dir string, o PassOptions) *Pass {
	if o.Scope == "" {
		o.Scope = "user"
	}
	e := pass.New(pass.Config{
		Dir:         dir,
		Prefix:      o.Prefix,
		LockFile:    PassLockFile(p, dir),
		Getenv:      getenv,
		Interactive: o.Interactive,
		RequireGit:  o.Team,
		AutoSync:    o.Team,
	})
	return &Pass{engine: e, scope: o.Scope, paths: p}
}

// PersonalPassDir is the user's own password store: $PASSWORD_STORE_DIR, else
// ~/.password-store.
func PersonalPassDir(p discovery.Paths, getenv func(string) string) string {
	return pass.DefaultDir(p.Home, getenv)
}

// PassLockFile is the lock amika's writers of the store in dir share: under the state
// directory, never in the store (it would be committed), one per store.
func PassLockFile(p discovery.Paths, dir string) string {
	abs, err := filepath.Abs(dir)
	if err == nil {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			abs = r
		}
	} else {
		abs = dir
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(p.StateDir, "amika", "locks", "pass-"+hex.EncodeToString(sum[:8])+".lock")
}

func (b *Pass) Name() string { return "pass" }

// Scope is "user" for the personal store, else the team store's name.
func (b *Pass) Scope() string { return b.scope }

// Dir is the password store's directory.
func (b *Pass) Dir() string { return b.engine.Dir() }

// SecretsDir is the folder amika's secrets are in.
func (b *Pass) SecretsDir() string { return b.engine.SecretsDir() }

// Engine is the password store itself, for sync, members and unlock.
func (b *Pass) Engine() *pass.Store { return b.engine }

// Interactive returns the same store, allowed to ask for a passphrase through gpg-agent.
func (b *Pass) Interactive() *Pass {
	c := *b
	c.engine = b.engine.Interactive()
	return &c
}

// WatchPaths are the files and folders whose modification times change when the store
// does, by amika, pass or a git pull: a hook compares them with its stamp.
func (b *Pass) WatchPaths() []string {
	return []string{b.engine.SecretsDir(), filepath.Join(b.engine.SecretsDir(), ".gpg-id"), filepath.Join(b.engine.Dir(), ".gpg-id")}
}

var ctxBackground = context.Background()

// amika's metadata lines, in the order they are written.
var passKeys = []string{"type", "provider", "created", "updated", "origin", "agent", "label"}

func isPassKey(k string) bool {
	for _, x := range passKeys {
		if strings.EqualFold(k, x) {
			return true
		}
	}
	return false
}

func fromEntry(e pass.Entry) Secret {
	s := Secret{Name: e.Name, Value: e.Value, Type: Type(e.Get("type")), Provider: discovery.Canonical(e.Get("provider")),
		Origin: e.Get("origin"), Agent: e.Get("agent"), Label: e.Get("label")}
	s.Created, _ = time.Parse(time.RFC3339, e.Get("created"))
	s.Updated, _ = time.Parse(time.RFC3339, e.Get("updated"))
	switch s.Type {
	case TypeAPIKey, TypeOAuth, TypeGeneric:
	default:
		s.Type = ""
	}
	return Infer(s)
}

// toEntry writes s's metadata as pass users do, followed by the lines of other tools that
// the entry it replaces carried.
func toEntry(s Secret, prev *pass.Entry) pass.Entry {
	e := pass.Entry{Name: s.Name, Value: s.Value}
	add := func(k, v string) {
		if v != "" {
			e.Fields = append(e.Fields, pass.Field{Key: k, Value: v})
		}
	}
	add("type", string(s.Type))
	add("provider", s.Provider)
	if !s.Created.IsZero() {
		add("created", s.Created.UTC().Format(time.RFC3339))
	}
	if !s.Updated.IsZero() {
		add("updated", s.Updated.UTC().Format(time.RFC3339))
	}
	add("origin", s.Origin)
	add("agent", s.Agent)
	add("label", s.Label)
	if prev != nil {
		for _, f := range prev.Fields {
			if f.Key == "" || !isPassKey(f.Key) {
				e.Fields = append(e.Fields, f)
			}
		}
	}
	return e
}

func (b *Pass) Get(name string) (Secret, error) {
	e, err := b.engine.Get(ctxBackground, name)
	if errors.Is(err, pass.ErrNotFound) {
		return Secret{}, ErrNotFound
	}
	if err != nil {
		return Secret{}, err
	}
	return fromEntry(e), nil
}

func (b *Pass) Set(s Secret) error { return b.SetMany([]Secret{s}) }

// SetMany stores secrets in one commit: all or none. A *pass.SyncError says they were
// committed and could not be pushed.
func (b *Pass) SetMany(secrets []Secret) error {
	entries := make([]pass.Entry, 0, len(secrets))
	byName := map[string]Secret{}
	for _, s := range secrets {
		if err := Validate(s); err != nil {
			return err
		}
		entries = append(entries, pass.Entry{Name: s.Name, Value: s.Value})
		byName[s.Name] = s
	}
	now := time.Now()
	err := b.engine.Set(ctxBackground, entries, func(next pass.Entry, prev *pass.Entry) pass.Entry {
		var old *Secret
		if prev != nil {
			p := fromEntry(*prev)
			old = &p
		}
		return toEntry(merge(byName[next.Name], old, now), prev)
	}, "")
	var se *pass.SyncError
	if err == nil || errors.As(err, &se) {
		touchStamp(b.paths)
	}
	return err
}

func (b *Pass) Delete(name string) error {
	err := b.engine.Delete(ctxBackground, []string{name}, "")
	if errors.Is(err, pass.ErrNotFound) {
		return ErrNotFound
	}
	var se *pass.SyncError
	if err == nil || errors.As(err, &se) {
		touchStamp(b.paths)
	}
	return err
}

// List returns every secret's metadata, sorted by name. Metadata lives inside the encrypted
// files: a secret that cannot be decrypted is listed by name alone, and ListProblem says why.
func (b *Pass) List() ([]Secret, error) {
	b.listProblem = nil
	names, err := b.engine.Names()
	if err != nil {
		return nil, err
	}
	out := make([]Secret, 0, len(names))
	for _, r := range b.engine.GetMany(ctxBackground, names) {
		if r.Err != nil {
			if b.listProblem == nil {
				b.listProblem = r.Err
			}
			out = append(out, Secret{Name: r.Name})
			continue
		}
		s := fromEntry(r.Entry)
		s.Value = ""
		out = append(out, s)
	}
	return out, nil
}

// ListProblem is the first secret the last List could not read, or nil.
func (b *Pass) ListProblem() error { return b.listProblem }

// Values decrypts the secrets keep accepts (nil: all), for discovery. Any failure fails the
// whole store: a locked key locks all of it, and a store read in part would resolve
// differently from one read whole.
func (b *Pass) Values(keep func(string) bool) (map[string]string, error) {
	names, err := b.engine.Names()
	if err != nil {
		return nil, err
	}
	var want []string
	for _, n := range names {
		if keep == nil || keep(n) {
			want = append(want, n)
		}
	}
	out := make(map[string]string, len(want))
	for _, r := range b.engine.GetMany(ctxBackground, want) {
		if r.Err != nil {
			if errors.Is(r.Err, pass.ErrLocked) {
				return nil, pass.ErrLocked
			}
			if why := errors.Unwrap(r.Err); why != nil { // the folder is the source's path already
				return nil, fmt.Errorf("%s.gpg: %w", r.Name, why)
			}
			return nil, r.Err
		}
		out[r.Name] = r.Entry.Value
	}
	return out, nil
}
