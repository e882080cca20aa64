// Package pass keeps secrets in a password store: the format of pass(1), which gopass,
// QtPass, browserpass and Android Password Store read too. Each secret is a file
// <store>/<prefix>/NAME.gpg encrypted with the user's gpg to the keys listed in the nearest
// .gpg-id; the store is usually a git repository, one commit per change, shared through its
// remote.
//
// amika never holds a private key: gpg and gpg-agent decrypt. Values reach gpg on standard
// input, never in argv, and never appear in an error.
package pass

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/amika-dev/amika/internal/safefile"
)

// DefaultPrefix is the folder of a password store amika keeps its secrets in.
const DefaultPrefix = "amika"

// maxFile bounds one .gpg file: a value is at most 1 MiB, and its metadata is small.
const maxFile = 4 << 20

// ErrNotFound is a name the store does not hold.
var ErrNotFound = errors.New("not in the password store")

// ErrNoGPGID is a store without a .gpg-id on the way to its secrets: nothing says whom to
// encrypt to.
var ErrNoGPGID = errors.New("no .gpg-id")

// Config says where a password store is and how amika may use it.
type Config struct {
	Dir    string // the password store: $PASSWORD_STORE_DIR, or ~/.password-store
	Prefix string // the folder of amika's secrets in it; DefaultPrefix when empty
	// LockFile serialises amika's writers of this store: a file of the user's own, outside
	// the store (it must not be committed).
	LockFile string
	// Getenv reads GNUPGHOME and pass's own variables (PASSWORD_STORE_KEY,
	// PASSWORD_STORE_GPG_OPTS, PASSWORD_STORE_SIGNING_KEY); nil is os.Getenv.
	Getenv func(string) string
	// Interactive lets gpg-agent ask for a passphrase. Off, a locked key fails at once with
	// ErrLocked: that is how hooks, `credential get` and `run` use a store.
	Interactive bool
	// RequireGit refuses to write to a store that is not a git repository (team stores).
	RequireGit bool
	// AutoSync pulls and pushes after every commit, when the repository has a remote.
	AutoSync bool
	// Timeout bounds one gpg run (default 5s; 5 minutes when Interactive).
	Timeout time.Duration
	// RecipientsChanged is told when the pull a write starts with changed the .gpg-id
	// governing amika's secrets: the write is encrypted to the recipients after. Both lists
	// are as SyncResult.RecipientsBefore and RecipientsAfter give them (fingerprints and
	// key IDs as they are, other lines by their number, never their text).
	RecipientsChanged func(before, after []string)
}

// defaultInteractiveTimeout bounds a gpg run that may wait for the user to type a passphrase.
const defaultInteractiveTimeout = 5 * time.Minute

// Store is one password store.
type Store struct {
	cfg Config
	gpg gpgRunner
	env []string

	mu     sync.Mutex
	sealed map[[32]byte]string // what seal wrote, and to whom (see sealedTo)
}

// New returns the store c describes; it reads nothing yet.
func New(c Config) *Store {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Getenv == nil {
		c.Getenv = os.Getenv
	}
	s := &Store{cfg: c, env: os.Environ()}
	program := "gpg"
	s.gpg = gpgRunner{program: program, opts: strings.Fields(c.Getenv("PASSWORD_STORE_GPG_OPTS")), interactive: c.Interactive, timeout: c.Timeout, name: s.recipientRef}
	if s.gpg.timeout == 0 && c.Interactive {
		s.gpg.timeout = defaultInteractiveTimeout
	}
	if home := c.Getenv("GNUPGHOME"); home != os.Getenv("GNUPGHOME") {
		s.env = setEnv(s.env, "GNUPGHOME", home)
	}
	s.gpg.env = s.env
	return s
}

func setEnv(env []string, name, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	if value == "" {
		return out
	}
	return append(out, name+"="+value)
}

// DefaultDir is the user's password store: $PASSWORD_STORE_DIR, else ~/.password-store.
func DefaultDir(home string, getenv func(string) string) string {
	if d := getenv("PASSWORD_STORE_DIR"); d != "" {
		return d
	}
	return filepath.Join(home, ".password-store")
}

// Dir is the password store's directory.
func (s *Store) Dir() string { return s.cfg.Dir }

// SecretsDir is the folder amika's secrets are in.
func (s *Store) SecretsDir() string { return filepath.Join(s.cfg.Dir, s.cfg.Prefix) }

// Path is the file of secret name.
func (s *Store) Path(name string) string { return filepath.Join(s.SecretsDir(), name+".gpg") }

// rel is path relative to the store, as pass names its entries.
func (s *Store) rel(path string) string {
	if r, err := filepath.Rel(s.cfg.Dir, path); err == nil {
		return r
	}
	return path
}

func (s *Store) fail(path string, err error) error {
	return fmt.Errorf("%s: %w", path, err)
}

// Interactive returns a copy of s that may ask for a passphrase (and waits longer for gpg).
func (s *Store) Interactive() *Store {
	c := s.cfg
	c.Interactive, c.Timeout = true, 0
	return New(c)
}

// Notifying returns a copy of s whose writes tell f when the pull they start with changed
// the recipients (Config.RecipientsChanged).
func (s *Store) Notifying(f func(before, after []string)) *Store {
	c := s.cfg
	c.RecipientsChanged = f
	return New(c)
}

// Names lists the secrets amika keeps in the store: the .gpg files of its folder whose names
// amika accepts, sorted. Other files and folders are left alone.
func (s *Store) Names() ([]string, error) {
	if linked(s.SecretsDir()) {
		return nil, s.fail(s.SecretsDir(), errFolderLink)
	}
	entries, err := os.ReadDir(s.SecretsDir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail(s.SecretsDir(), unwrapPath(err))
	}
	var out []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".gpg")
		if !ok || !e.Type().IsRegular() || !validName(name) {
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

// validName is a secret name: 1–128 characters of A-Za-z0-9_.-
func validName(name string) bool {
	if name == "" || len(name) > 128 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == '.' || c == '-' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readFile reads one .gpg file: a regular file, not a symlink nor in a folder that is one
// (a teammate's commit could point either anywhere), bounded.
func readFile(path string) ([]byte, error) {
	if linked(filepath.Dir(path)) {
		return nil, errFolderLink
	}
	data, err := safefile.ReadFileNoFollow(path, maxFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return data, err
}

// errFolderLink is a folder of the store that is a symlink: a commit can point one at any
// folder of the user's, and amika follows no link inside a store.
var errFolderLink = errors.New("the folder is a symlink; amika follows no link inside a password store")

// linked says whether dir is a symlink.
func linked(dir string) bool {
	fi, err := os.Lstat(dir)
	return err == nil && fi.Mode()&fs.ModeSymlink != 0
}

// Get decrypts secret name.
func (s *Store) Get(ctx context.Context, name string) (Entry, error) {
	if !validName(name) {
		return Entry{}, ErrNotFound
	}
	path := s.Path(name)
	ct, err := readFile(path)
	if err == ErrNotFound {
		return Entry{}, ErrNotFound
	}
	if err != nil {
		return Entry{}, s.fail(path, err)
	}
	pt, _, err := s.gpg.decrypt(ctx, ct)
	if err != nil {
		return Entry{}, s.fail(path, err)
	}
	e, err := Parse(pt)
	if err != nil {
		return Entry{}, s.fail(path, err)
	}
	e.Name = name
	return e, nil
}

// Result is one secret GetMany read, or why it could not.
type Result struct {
	Name  string
	Entry Entry
	Err   error
}

// workers bounds the gpg processes GetMany runs at once.
const workers = 4

// GetMany decrypts the named secrets, a few at a time. A locked key or a gpg that does not
// answer stops the rest at once (they would fail the same way): their results carry the
// same error, without running gpg.
func (s *Store) GetMany(ctx context.Context, names []string) []Result {
	out := make([]Result, len(names))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var stopped error
	next := 0
	var wg sync.WaitGroup
	for w := 0; w < min(workers, len(names)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := stopped
				mu.Unlock()
				if i >= len(names) {
					return
				}
				out[i].Name = names[i]
				if stop != nil {
					out[i].Err = s.fail(s.Path(names[i]), stop)
					continue
				}
				out[i].Entry, out[i].Err = s.Get(ctx, names[i])
				for _, e := range []error{ErrLocked, ErrTimeout} {
					if errors.Is(out[i].Err, e) {
						mu.Lock()
						stopped = e
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg.Wait()
	return out
}
