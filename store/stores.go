package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/amika-dev/amika/discovery"
)

// backend is one place secrets are kept, which discovery can read as one row of the
// amika_keychain source.
type backend interface {
	Store
	// stored is the backend as one row of discovery's amika_keychain source.
	stored() discovery.StoredSecrets
}

// Stores is the store commands use: the backends the user's secrets may be in, in order.
// A read takes a name from the first backend that holds it; writes go to the first backend;
// a delete removes the name from every backend that holds it, so nothing it hid comes back.
//
// With the keyring chosen, the file store follows it when keychain.json exists (a push made
// while the keyring did not answer, or with AMIKA_STORE=file once): its secrets stay
// visible, and the keyring wins a name both hold.
type Stores struct{ backends []backend }

// Name is the name of the backend writes go to.
func (s *Stores) Name() string { return s.backends[0].Name() }

// Where says where writes go.
func (s *Stores) Where() string { return s.backends[0].Where() }

// Backend returns the backend of that Name (a Secret's Store), or nil.
func (s *Stores) Backend(name string) Store {
	for _, b := range s.backends {
		if b.Name() == name {
			return b
		}
	}
	return nil
}

// NotFound is the error for names none of the backends holds.
func (s *Stores) NotFound(names ...string) error {
	word := "secret"
	if len(names) > 1 {
		word = "secrets"
	}
	where := make([]string, len(s.backends))
	for i, b := range s.backends {
		where[i] = b.Where()
	}
	return &notFoundError{fmt.Sprintf("%s not found in %s: %s (amika secret list shows what is stored)", word, strings.Join(where, " or "), NamesText(names))}
}

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string        { return e.msg }
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

func (s *Stores) Get(name string) (Secret, error) {
	for _, b := range s.backends {
		sec, err := b.Get(name)
		if !errors.Is(err, ErrNotFound) {
			return sec, err
		}
	}
	return Secret{}, s.NotFound(name)
}

func (s *Stores) Value(name string) (string, error) {
	for _, b := range s.backends {
		v, err := b.Value(name)
		if !errors.Is(err, ErrNotFound) {
			return v, err
		}
	}
	return "", s.NotFound(name)
}

func (s *Stores) Set(secrets ...Secret) error { return s.backends[0].Set(secrets...) }

func (s *Stores) Delete(name string) error {
	found := false
	for _, b := range s.backends {
		err := b.Delete(name)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		found = true
	}
	if !found {
		return s.NotFound(name)
	}
	return nil
}

// List lists every backend's secrets, sorted by name; a name held by several backends is
// listed once for each, in backend order (the first is the one reads return).
func (s *Stores) List() ([]Secret, []Warning, error) {
	var all []Secret
	var warns []Warning
	for _, b := range s.backends {
		list, w, err := b.List()
		if err != nil {
			return nil, nil, err
		}
		all = append(all, list...)
		warns = append(warns, w...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, warns, nil
}

// Opener opens the store AMIKA_STORE selects, deciding between keyring and file once per
// process: the keyring probe costs a D-Bus round trip, or up to probeTimeout when the bus
// does not answer.
type Opener struct {
	// Getenv reads the environment; os.Getenv when nil.
	Getenv func(string) string
	// Warn tells the user something, as one line without the "amika: warning: " prefix:
	// that auto fell back to the file store, and why, or that the session bus is another
	// user's (at most once), and that a write to a team store pulled a change of whom its
	// secrets are encrypted to (RecipientsWarning, once per such write).
	Warn func(string)

	once   sync.Once
	paths  discovery.Paths
	choice Choice
	err    error
	warned sync.Once
	// file is keychain.json as Open gives it, so its warning comes once whatever reads it.
	file        *File
	teamsWarned sync.Once
}

func (o *Opener) getenv(name string) string {
	if o.Getenv == nil {
		return os.Getenv(name)
	}
	return o.Getenv(name)
}

// Choice is the backend AMIKA_STORE selects and why, decided on the first call, and the
// user's own paths (where the store lives, whatever --homedir says).
func (o *Opener) Choice() (Choice, discovery.Paths, error) {
	o.once.Do(func() {
		o.paths, o.err = discovery.ResolvePaths("", o.getenv)
		if o.err == nil {
			o.file = NewFile(o.paths)
			o.file.warn = o.Warn
			o.choice, o.err = choose(o.getenv)
		}
	})
	return o.choice, o.paths, o.err
}

func (o *Opener) warn(msg string) {
	if o.Warn != nil {
		o.warned.Do(func() { o.Warn(msg) })
	}
}

// Open returns the store commands read and write. When auto falls back to the file store,
// Warn says so, with the reason.
func (o *Opener) Open() (*Stores, error) {
	c, p, err := o.Choice()
	if err != nil {
		return nil, err
	}
	if c.FellBack {
		why := strings.TrimPrefix(c.Reason, "AMIKA_STORE=auto: ")
		o.warn(fmt.Sprintf("%s; using the file store %s (set AMIKA_STORE=file to choose it and silence this)", why, p.Tilde(p.KeychainFile())))
	}
	return o.open(c, p), nil
}

func (o *Opener) open(c Choice, p discovery.Paths) *Stores {
	file := o.file
	var s *Stores
	switch c.Backend {
	case "keyring":
		s = &Stores{[]backend{NewKeyring(p)}}
	case "pass":
		s = &Stores{[]backend{NewPass(p, os.Getenv, PersonalPassDir(p, os.Getenv), PassOptions{})}}
	default:
		return &Stores{[]backend{file}}
	}
	if _, err := os.Lstat(file.Path()); err == nil {
		s.backends = append(s.backends, file)
	}
	return s
}

// Status is the choice and the backends Open would read, writes going to the first; it
// warns of nothing, the choice's reason being what it reports.
func (o *Opener) Status() (Choice, []Store, error) {
	c, p, err := o.Choice()
	if err != nil {
		return c, nil, err
	}
	var out []Store
	for _, b := range o.open(c, p).backends {
		out = append(out, b)
	}
	return c, out, nil
}

// storedSources are the amika_keychain source as discovery reads it for paths p: the keyring
// first when it is the chosen backend, then keychain.json, each one row. For another home
// than the user's (--homedir), only that home's keychain.json: the keyring belongs to the
// session, not to that directory, and --homedir is how CI gets results from fixtures
// alone. Only provider-style names (NAME_API_KEY, …) and agents' OAuth credentials are
// read.
func (o *Opener) storedSources(p discovery.Paths) []discovery.StoredSecrets {
	file := NewFile(p).stored()
	if own, err := discovery.ResolvePaths("", o.getenv); err == nil && filepath.Clean(own.Home) != filepath.Clean(p.Home) {
		return []discovery.StoredSecrets{file} // decided without probing the keyring
	}
	c, own, err := o.Choice()
	if err != nil {
		return []discovery.StoredSecrets{{Label: "keyring:" + Service, Read: func() (discovery.Stored, error) {
			return discovery.Stored{}, err
		}}, file}
	}
	if c.Foreign {
		o.warn(strings.TrimPrefix(c.Reason, "AMIKA_STORE=auto: "))
	}
	if c.Backend == "pass" {
		return []discovery.StoredSecrets{NewPass(own, o.getenv, PersonalPassDir(own, o.getenv), PassOptions{}).stored(), file}
	}
	if c.Backend != "keyring" {
		return []discovery.StoredSecrets{file}
	}
	return []discovery.StoredSecrets{NewKeyring(own).stored(), file}
}

// stored is what a backend gives discovery: the secrets it takes, with their metadata.
type stored struct {
	entries  []discovery.StoredEntry
	warnings []Warning
}

// variableName says whether discovery reads a secret by its name: ANTHROPIC_API_KEY,
// GROQ_API_KEY, …, CLAUDE_CODE_OAUTH_TOKEN.
func variableName(name string) bool {
	_, ok := discovery.ProviderForVariable(name)
	return ok || strings.EqualFold(name, discovery.OAuthTokenVar)
}

// forDiscovery says whether discovery takes a secret: one under a variable-style name, or
// an agent's credential (`amika secret claude|codex push`), whichever its type.
func forDiscovery(name string, m Meta) bool { return variableName(name) || m.Agent != "" }

// entry is a secret as discovery takes it: its value and what its metadata says of it.
func entry(s Secret) discovery.StoredEntry {
	e := discovery.StoredEntry{Name: s.Name, Value: s.Value, Agent: s.Agent, Expires: s.Expires.Time}
	switch s.Type {
	case TypeAPIKey:
		e.Kind = discovery.KindAPIKey
	case TypeOAuth:
		e.Kind = discovery.KindOAuth
	}
	return e
}

// storedRow turns a backend's secrets into a discovery row. A value that is not UTF-8 text
// cannot be a provider's key, nor go through every output format: it is skipped, and said
// so, rather than vanish.
func storedRow(label string, read func() (stored, error)) discovery.StoredSecrets {
	return discovery.StoredSecrets{Label: label, Read: func() (discovery.Stored, error) {
		st, err := read()
		var out discovery.Stored
		for _, w := range st.warnings {
			out.Problems = append(out.Problems, w.What)
		}
		for _, e := range st.entries {
			if !utf8.ValidString(e.Value) {
				out.Problems = append(out.Problems, entryText(e.Name)+" skipped: the value is not UTF-8 text")
				continue
			}
			out.Entries = append(out.Entries, e)
		}
		var se *storeError
		if errors.As(err, &se) {
			err = reasonError{se}
		}
		return out, err
	}}
}

// reasonError is a storeError as discovery shows it: the reason alone, its warning naming
// the place already.
type reasonError struct{ e *storeError }

func (r reasonError) Error() string { return r.e.reason }
func (r reasonError) Unwrap() error { return r.e.cause }

// Find returns the secrets named, from the backends that list them or, for a name no
// backend lists (stored by another tool, say), from a plain read. Names none holds are
// one NotFound error.
func (s *Stores) Find(names ...string) ([]Secret, error) {
	list, _, err := s.List()
	if err != nil {
		return nil, err
	}
	var found []Secret
	var missing []string
	for _, n := range names {
		held := false
		for _, x := range list {
			if x.Name == n {
				found, held = append(found, x), true
			}
		}
		if !held {
			if x, err := s.Get(n); err == nil {
				found, held = append(found, x), true
			}
		}
		if !held {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, s.NotFound(missing...)
	}
	return found, nil
}

// WhereOf says where secrets live: the backends holding them, in store order, or where
// writes go when none does.
func (s *Stores) WhereOf(secrets []Secret) string {
	var places []string
	seen := map[string]bool{}
	for _, x := range secrets {
		if b := s.Backend(x.Store); b != nil && !seen[x.Store] {
			seen[x.Store] = true
			places = append(places, b.Where())
		}
	}
	if len(places) == 0 {
		return s.Where()
	}
	return strings.Join(places, " and ")
}
