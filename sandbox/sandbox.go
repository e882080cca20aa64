// Package sandbox runs a command in a local sandbox that holds exactly what it was given: a
// private home of its own, the workspace it was created with, the secrets it names, and the
// system directories read-only. The user's home, runtime directory (D-Bus, keyring,
// ssh-agent) and other users' files are not there.
//
// A sandbox is a record under amika's data directory; each start resolves its secrets from
// the store again, builds the list of what is visible inside (layout.go, the one place that
// says so), and hands it to an Engine (bubblewrap on Linux).
package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/inject"
	"github.com/amika-dev/amika/internal/safefile"
	"github.com/amika-dev/amika/store"
)

// Network says whether a sandbox shares the host's network.
type Network string

const (
	// NetworkHost shares the host's network: agents need their API.
	NetworkHost Network = "host"
	// NetworkNone gives the sandbox a network of its own with only a loopback device.
	NetworkNone Network = "none"
)

// ParseNetwork reads --network.
func ParseNetwork(s string) (Network, error) {
	switch Network(s) {
	case NetworkHost, NetworkNone:
		return Network(s), nil
	}
	return "", errors.New("--network: want host or none")
}

// SecretRef is one recorded --secret: the stored secret Secret, as the variable Var.
type SecretRef struct {
	Var    string `json:"var"`
	Secret string `json:"secret"`
}

// GitInfo is a --git sandbox's worktree and where it came from.
type GitInfo struct {
	Repo      string `json:"repo"`       // the user's repository: its top level
	CommonDir string `json:"common_dir"` // the repository's git directory
	Branch    string `json:"branch"`     // amika/NAME
	Worktree  string `json:"worktree"`   // the worktree, which is the workspace
}

// Record is what a sandbox keeps between starts: its settings and secrets by reference,
// never a secret's value.
type Record struct {
	Name      string      `json:"name"`
	Created   time.Time   `json:"created"`
	Workspace string      `json:"workspace,omitempty"`
	Git       *GitInfo    `json:"git,omitempty"`
	Secrets   []SecretRef `json:"secrets,omitempty"`
	Providers []string    `json:"providers,omitempty"`
	Claude    string      `json:"claude,omitempty"` // a stored Claude credential's ID
	Network   Network     `json:"network"`
	ReadOnly  []string    `json:"ro,omitempty"`
	// Env holds --env: NAME (the host's value at each start) or NAME=VALUE.
	Env []string `json:"env,omitempty"`
}

// Host is what the sandbox commands take from the machine they run on: paths, the
// environment, the store and discovery (opened only when a sandbox names what needs them),
// the engine, and where warnings go.
type Host struct {
	Paths    discovery.Paths
	Getenv   func(string) string
	Store    func() (store.Store, error)
	Discover func() (discovery.Result, error)
	Engine   Engine
	Stderr   io.Writer
	Now      func() time.Time
}

// Root is the directory that holds every sandbox: <data dir>/amika/sandboxes.
func Root(p discovery.Paths) string {
	return filepath.Join(p.DataDir, "amika", "sandboxes")
}

// files of one sandbox, under Root/NAME
const (
	recordFile = "sandbox.json"
	lockFile   = "lock"
	homeDir    = "home"
	claudeSum  = "claude.sum" // the Claude credential last written into the home
)

// maxRecord bounds a sandbox record.
const maxRecord = 1 << 20

// ErrNotFound is returned (wrapped) for a sandbox that does not exist.
var ErrNotFound = errors.New("no such sandbox")

// ValidateName checks a sandbox name: 1 to 64 characters of A-Z a-z 0-9 _ . -, starting
// with a letter or digit. The name becomes a directory and the branch amika/NAME.
func ValidateName(name string) error {
	const rule = "1 to 64 characters of A-Z a-z 0-9 _ . -, starting with a letter or digit"
	if name == "" || len(name) > 64 {
		return errors.New(store.DescribeInvalid("sandbox name", name, nameByte, rule))
	}
	for i := 0; i < len(name); i++ {
		if !nameByte(i, name[i]) {
			return errors.New(store.DescribeInvalid("sandbox name", name, nameByte, rule))
		}
	}
	if name[len(name)-1] == '.' || filepath.Ext(name) == ".lock" {
		return errors.New("invalid sandbox name: it cannot end in . or .lock (it names a git branch)")
	}
	if strings.Contains(name, "..") {
		return errors.New("invalid sandbox name: .. is not allowed (it names a git branch)")
	}
	return nil
}

// nameByte says whether c may stand at index i of a sandbox name.
func nameByte(i int, c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	case c == '_' || c == '.' || c == '-':
		return i > 0
	}
	return false
}

func dirOf(h Host, name string) string { return filepath.Join(Root(h.Paths), name) }

// checkRoot refuses a sandboxes directory another user could change (safefile.Trusted): a
// data dir inherited from another user (su without -) would otherwise have amika start
// records that user planted, with the user's secrets, and write a Claude login into a home
// that user can read.
func checkRoot(h Host) error {
	if err := safefile.Trusted(Root(h.Paths)); err != nil {
		return fmt.Errorf("%s: not used: %w (amika uses only files of its own that no other user can change)", Root(h.Paths), err)
	}
	return nil
}

// Load reads the record of sandbox name.
func Load(h Host, name string) (Record, error) {
	if err := ValidateName(name); err != nil {
		return Record{}, err
	}
	if err := checkRoot(h); err != nil {
		return Record{}, err
	}
	return load(h, name)
}

// load reads the record of sandbox name, a valid name under a root checkRoot passed.
func load(h Host, name string) (Record, error) {
	path := filepath.Join(dirOf(h, name), recordFile)
	data, err := safefile.ReadFileNoFollow(path, maxRecord)
	if errors.Is(err, fs.ErrNotExist) {
		return Record{}, fmt.Errorf("%w %s (amika sandbox list shows them)", ErrNotFound, name)
	}
	if err != nil {
		return Record{}, fmt.Errorf("%s: %v", path, err)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, fmt.Errorf("%s: not a sandbox record: %v", path, jsonReason(err))
	}
	if r.Name != name {
		return Record{}, fmt.Errorf("%s: the record is of another sandbox, not %s", path, name)
	}
	return r, nil
}

// jsonReason says what is wrong with a JSON document without quoting it.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %s has the wrong type", typ.Field)
	}
	return "invalid JSON"
}

func writeRecord(dir string, r Record) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return safefile.WriteFileAtomic(filepath.Join(dir, recordFile), append(data, '\n'), 0o600)
}

// Status is one sandbox in a listing.
type Status struct {
	Record
	Running bool `json:"running"`
}

// List returns every sandbox, sorted by name. A directory without a readable record (a
// creation that was interrupted) is listed by name alone, so that delete can clear it.
func List(h Host) ([]Status, error) {
	if err := checkRoot(h); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(Root(h.Paths))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Status
	for _, e := range entries {
		if !e.IsDir() || ValidateName(e.Name()) != nil {
			continue
		}
		r, err := load(h, e.Name())
		if err != nil {
			r = Record{Name: e.Name()}
		}
		out = append(out, Status{Record: r, Running: running(dirOf(h, e.Name()))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// secretRefs converts the recorded references to run's.
func secretRefs(in []SecretRef) []inject.SecretRef {
	out := make([]inject.SecretRef, len(in))
	for i, s := range in {
		out[i] = inject.SecretRef{Var: s.Var, Secret: s.Secret}
	}
	return out
}

func warnAll(w io.Writer, warnings []discovery.Warning) {
	if w == nil {
		return
	}
	for _, x := range warnings {
		fmt.Fprintf(w, "amika: warning: %s\n", x)
	}
}
