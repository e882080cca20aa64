package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
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

// Name is "pass" for the personal store, "team:NAME" for a team store: what `secret list`
// shows in its STORE column.
func (b *Pass) Name() string {
	if b.scope == "user" {
		return "pass"
	}
	return "team:" + b.scope
}

// Where says where the secrets are written, for messages.
func (b *Pass) Where() string {
	if b.scope == "user" {
		return "the password store (" + b.paths.Tilde(b.engine.Dir()) + ")"
	}
	return "the team store " + b.scope + " (" + b.paths.Tilde(b.engine.Dir()) + ")"
}

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

// Warning returns the same store, whose writes tell warn (one line, without the
// "amika: warning: " prefix) when the pull they start with changed whom secrets are
// encrypted to, as a sync does.
func (b *Pass) Warning(warn func(string)) *Pass {
	if warn == nil {
		return b
	}
	c := *b
	c.engine = b.engine.Notifying(func(before, after []string) { warn(RecipientsWarning(b.scope, before, after)) })
	return &c
}

// RecipientsWarning says that a pull changed whom a store's secrets are encrypted to.
// before and after are the recipients as pass.SyncResult gives them (fingerprints, key IDs,
// lines by their number); each is escaped once more, as all text from a store is.
func RecipientsWarning(scope string, before, after []string) string {
	return fmt.Sprintf("store %s: the pull changed whom secrets are encrypted to: %s (was %s); check it is who you expect (`amika store members %s`)",
		scope, printableList(after), printableList(before), scope)
}

// printableList shows recipients on one line, each escaped (discovery.Printable).
func printableList(items []string) string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = discovery.Printable(x)
	}
	return strings.Join(out, ", ")
}

// Stores is the store as commands take it: this backend alone.
func (b *Pass) Stores() *Stores { return &Stores{[]backend{b}} }

// WatchPaths are the files and folders whose modification times change when the store
// does, by amika, pass or a git pull: a hook compares them with its stamp.
func (b *Pass) WatchPaths() []string {
	return []string{b.engine.SecretsDir(), filepath.Join(b.engine.SecretsDir(), ".gpg-id"), filepath.Join(b.engine.Dir(), ".gpg-id")}
}

var ctxBackground = context.Background()

// amika's metadata lines, in the order they are written.
var passKeys = []string{"type", "provider", "created", "updated", "origin", "agent", "label", "expires"}

func isPassKey(k string) bool {
	for _, x := range passKeys {
		if strings.EqualFold(k, x) {
			return true
		}
	}
	return false
}

func fromEntry(e pass.Entry) Secret {
	s := Secret{Name: e.Name, Value: e.Value, Meta: Meta{Type: Type(e.Get("type")), Provider: discovery.Canonical(e.Get("provider")),
		Origin: e.Get("origin"), Agent: e.Get("agent"), Label: e.Get("label")}}
	if t, err := time.Parse(time.RFC3339, e.Get("created")); err == nil {
		s.Created = timeOf(t)
	}
	if t, err := time.Parse(time.RFC3339, e.Get("updated")); err == nil {
		s.Updated = timeOf(t)
	}
	if t, err := time.Parse(time.RFC3339, e.Get("expires")); err == nil {
		s.Expires = timeOf(t)
	}
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
	add("created", s.Created.String())
	add("updated", s.Updated.String())
	add("origin", s.Origin)
	add("agent", s.Agent)
	add("label", s.Label)
	add("expires", s.Expires.String())
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
	s := fromEntry(e)
	s.Store = b.Name()
	return s, nil
}

func (b *Pass) Value(name string) (string, error) {
	s, err := b.Get(name)
	return s.Value, err
}

// Set stores secrets in one commit: all or none. A *pass.SyncError says they were
// committed and could not be pushed.
func (b *Pass) Set(secrets ...Secret) error {
	if err := validateAll(secrets); err != nil {
		return err
	}
	entries := make([]pass.Entry, 0, len(secrets))
	byName := map[string]Secret{}
	for _, s := range secrets {
		entries = append(entries, pass.Entry{Name: s.Name, Value: s.Value})
		byName[s.Name] = s
	}
	now := time.Now()
	err := b.engine.Set(ctxBackground, entries, func(next pass.Entry, prev *pass.Entry) pass.Entry {
		var old *Meta
		if prev != nil {
			p := fromEntry(*prev)
			old = &p.Meta
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
// files: a secret that cannot be decrypted is listed by name alone, with a warning (one for
// the store when its key is locked).
func (b *Pass) List() ([]Secret, []Warning, error) {
	names, err := b.engine.Names()
	if err != nil {
		return nil, nil, err
	}
	out := make([]Secret, 0, len(names))
	var warns []Warning
	locked := false
	for _, r := range b.engine.GetMany(ctxBackground, names) {
		if r.Err != nil {
			out = append(out, Secret{Name: r.Name, Store: b.Name()})
			switch {
			case errors.Is(r.Err, pass.ErrLocked) || errors.Is(r.Err, pass.ErrTimeout):
				if !locked {
					warns = append(warns, Warning{Where: b.Where(), What: "metadata not shown: " + reason(r.Err)})
				}
				locked = true
			default:
				warns = append(warns, Warning{Where: b.Where(), What: r.Name + ".gpg: " + reason(r.Err)})
			}
			continue
		}
		s := fromEntry(r.Entry)
		s.Value, s.Store = "", b.Name()
		out = append(out, s)
	}
	return out, warns, nil
}

// reason is an engine error without the file path it starts with.
func reason(err error) string {
	if why := errors.Unwrap(err); why != nil {
		return why.Error()
	}
	return err.Error()
}

// isAgentID says whether a name may be an agent's credential (claude-LABEL, codex-LABEL),
// which discovery takes when its metadata names the agent.
func isAgentID(name string) bool {
	return strings.HasPrefix(name, "claude-") || strings.HasPrefix(name, "codex-")
}

// forDiscovery decrypts what discovery takes: provider-style names, and agents'
// credentials. Any failure fails the whole store: a locked key locks all of it, and a store
// read in part would resolve differently from one read whole.
func (b *Pass) forDiscovery() (stored, error) {
	names, err := b.engine.Names()
	if err != nil {
		return stored{}, err
	}
	if len(names) == 0 {
		return stored{}, fs.ErrNotExist
	}
	var want []string
	for _, n := range names {
		if variableName(n) || isAgentID(n) {
			want = append(want, n)
		}
	}
	var st stored
	for _, r := range b.engine.GetMany(ctxBackground, want) {
		if r.Err != nil {
			if errors.Is(r.Err, pass.ErrLocked) {
				return stored{}, errors.New("the GnuPG key is locked (its passphrase is not cached, and amika does not ask here): run `amika store unlock`")
			}
			return stored{}, fmt.Errorf("%s.gpg: %s", r.Name, reason(r.Err))
		}
		if s := fromEntry(r.Entry); forDiscovery(r.Name, s.Meta) {
			st.entries = append(st.entries, entry(s))
		}
	}
	return st, nil
}

func (b *Pass) stored() discovery.StoredSecrets {
	return storedRow(b.engine.SecretsDir(), b.forDiscovery)
}
