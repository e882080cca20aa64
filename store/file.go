package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
)

// File keeps secrets in <data dir>/amika/keychain.json: a JSON object of name → record,
// mode 0600 in a 0700 directory. Every write holds an exclusive lock on keychain.json.lock,
// rereads the file, and replaces it atomically (temp file, fsync, rename), so concurrent
// writers never lose each other's secrets and a writer killed mid-write leaves the previous
// file whole. A file that cannot be parsed is never overwritten.
type File struct {
	path  string
	paths discovery.Paths
	now   func() time.Time
}

// NewFile returns the file store for paths.
func NewFile(p discovery.Paths) *File {
	return &File{path: p.KeychainFile(), paths: p, now: time.Now}
}

func (f *File) Name() string { return "file" }

func (f *File) Where() string { return "the file store (" + f.paths.Tilde(f.path) + ")" }

// Path is keychain.json's location.
func (f *File) Path() string { return f.path }

// maxFileSize bounds keychain.json: reading it never costs more, and a write that would grow
// it past this fails.
const maxFileSize = 16 << 20

// record is one entry of keychain.json. Hand-written files may hold a plain string instead;
// both load. Values that are not valid UTF-8 cannot be JSON strings and go base64-encoded.
type record struct {
	Value       *string `json:"value,omitempty"`
	ValueBase64 string  `json:"value_base64,omitempty"`
	Meta
}

// storeError is a store that cannot be used: where names it ("keychain file PATH",
// "keyring"), reason says why; discovery, whose warnings name the place already, shows
// the reason alone.
type storeError struct{ where, what, reason, hint string }

func (e *storeError) Error() string { return e.where + ": " + e.what + e.reason + e.hint }

func (f *File) fail(format string, args ...any) error {
	return &storeError{where: "keychain file " + f.path, reason: fmt.Sprintf(format, args...)}
}

// unparsable is a keychain.json that does not parse, which no write may replace.
func (f *File) unparsable(err error) error {
	return &storeError{"keychain file " + f.path, "cannot parse: ", err.Error(), "; fix or move the file, amika will not overwrite it"}
}

// load reads keychain.json's entries. A missing file is fs.ErrNotExist.
func (f *File) load() (map[string]json.RawMessage, error) {
	data, err := safefile.ReadFile(f.path, maxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fs.ErrNotExist
	}
	if err != nil {
		return nil, f.fail("%v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	m, err := parseEntries(data)
	if err != nil {
		return nil, f.unparsable(err)
	}
	return m, nil
}

// loadOrEmpty is load with a missing file read as an empty store.
func (f *File) loadOrEmpty() (map[string]json.RawMessage, error) {
	m, err := f.load()
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]json.RawMessage{}, nil
	}
	return m, err
}

// parseEntries splits a JSON object into its members. A name given twice is an error: which
// of the two a user meant is not for amika to guess, and a rewrite would drop one. Errors
// give positions and entry names, never the text around them.
func parseEntries(data []byte) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	dup, twice := "", false
	err := discovery.ScanObject(data, func(name string, raw []byte) bool {
		if _, seen := m[name]; seen {
			dup, twice = name, true
			return false
		}
		m[name] = raw
		return true
	})
	if err != nil {
		return nil, err
	}
	if twice {
		return nil, fmt.Errorf("%s appears twice", entryText(dup))
	}
	return m, nil
}

// decode turns one raw entry into a secret. It fails for entries that are neither a string
// nor an object with a string value; the error never quotes the entry.
func decode(name string, raw json.RawMessage) (Secret, error) {
	s := Secret{Name: name, Store: "file"}
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s.Value); err != nil {
			return s, errors.New("not a valid JSON string")
		}
		return Infer(s), nil
	}
	var r record
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &r) != nil {
		return s, errors.New("not a string nor an object with a \"value\" string")
	}
	switch {
	case r.Value != nil:
		s.Value = *r.Value
	case r.ValueBase64 != "":
		b, err := base64.StdEncoding.DecodeString(r.ValueBase64)
		if err != nil {
			return s, errors.New("value_base64 is not valid base64")
		}
		s.Value = string(b)
	default:
		return s, errors.New("an object without a \"value\" string")
	}
	s.Meta = r.Meta
	return Infer(s), nil
}

func encode(s Secret) (json.RawMessage, error) {
	r := record{Meta: s.Meta}
	if utf8.ValidString(s.Value) {
		r.Value = &s.Value
	} else {
		r.ValueBase64 = base64.StdEncoding.EncodeToString([]byte(s.Value))
	}
	return marshal(r)
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func (f *File) Get(name string) (Secret, error) {
	m, err := f.loadOrEmpty()
	if err != nil {
		return Secret{}, err
	}
	raw, ok := m[name]
	if !ok {
		return Secret{}, ErrNotFound
	}
	s, err := decode(name, raw)
	if err != nil {
		return Secret{}, f.fail("%s: %v", entryText(name), err)
	}
	return s, nil
}

func (f *File) Value(name string) (string, error) {
	s, err := f.Get(name)
	return s.Value, err
}

// List lists the entries amika can use. An entry it cannot decode, or whose name is not a
// valid secret name, is left out with a warning; it stays in the file untouched.
func (f *File) List() ([]Secret, []Warning, error) {
	m, err := f.loadOrEmpty()
	if err != nil {
		return nil, nil, err
	}
	out := make([]Secret, 0, len(m))
	var warns []Warning
	for _, name := range sortedKeys(m) {
		if ValidateName(name) != nil {
			warns = append(warns, f.warning("%s is not listed", entryText(name)))
			continue
		}
		s, err := decode(name, m[name])
		if err != nil {
			warns = append(warns, f.warning("%s skipped: %v", entryText(name), err))
			continue
		}
		s.Value = ""
		out = append(out, s)
	}
	return out, warns, nil
}

func (f *File) warning(format string, args ...any) Warning {
	return Warning{Where: f.Where(), What: fmt.Sprintf(format, args...)}
}

// forDiscovery reads what discovery takes from the file; a missing file is fs.ErrNotExist.
func (f *File) forDiscovery() (stored, error) {
	m, err := f.load()
	if err != nil {
		return stored{}, err
	}
	var st stored
	for _, name := range sortedKeys(m) {
		variable := variableName(name)
		if !variable && (len(m[name]) == 0 || m[name][0] != '{') {
			continue
		}
		s, err := decode(name, m[name])
		switch {
		case err != nil && variable:
			st.warnings = append(st.warnings, f.warning("%s skipped: %v", entryText(name), err))
		case err != nil:
		case forDiscovery(name, s.Meta):
			st.entries = append(st.entries, entry(s))
		}
	}
	return st, nil
}

func (f *File) stored() discovery.StoredSecrets {
	return storedRow(f.path, f.forDiscovery)
}

func sortedKeys(m map[string]json.RawMessage) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Set stores secrets in one write: all or none.
func (f *File) Set(secrets ...Secret) error {
	if err := validateAll(secrets); err != nil {
		return err
	}
	return f.update(func(m map[string]json.RawMessage) (bool, error) {
		now := f.now()
		for _, s := range secrets {
			var prev *Meta
			if raw, ok := m[s.Name]; ok {
				if p, err := decode(s.Name, raw); err == nil {
					prev = &p.Meta
				}
			}
			raw, err := encode(merge(s, prev, now))
			if err != nil {
				return false, err
			}
			m[s.Name] = raw
		}
		return true, nil
	})
}

func (f *File) Delete(name string) error {
	return f.update(func(m map[string]json.RawMessage) (bool, error) {
		if _, ok := m[name]; !ok {
			return false, ErrNotFound
		}
		delete(m, name)
		return true, nil
	})
}

// update runs change on the current entries under the lock and writes the result when
// change reports a modification.
func (f *File) update(change func(map[string]json.RawMessage) (bool, error)) error {
	if err := safefile.PrivateDir(filepath.Dir(f.path)); err != nil {
		return f.fail("cannot use its directory: %v", err)
	}
	unlock, err := safefile.Lock(f.path + ".lock")
	if err != nil {
		return f.fail("%v", err)
	}
	defer unlock()
	m, err := f.loadOrEmpty()
	if err != nil {
		return err
	}
	changed, err := change(m)
	if err != nil || !changed {
		return err
	}
	data, err := marshalIndented(m)
	if err != nil {
		return f.fail("cannot encode: %v", err)
	}
	if len(data) > maxFileSize {
		return f.fail("the write would make it larger than %d MiB; nothing written", maxFileSize>>20)
	}
	// A keychain.json that is a symlink (a dotfile manager's) stays one: the file it points
	// to is replaced.
	target := f.path
	if resolved, err := filepath.EvalSymlinks(f.path); err == nil {
		target = resolved
	}
	safefile.RemoveTemps(filepath.Dir(target))
	if err := safefile.WriteFileAtomic(target, data, 0o600); err != nil {
		return f.fail("cannot write: %v", err)
	}
	touchStamp(f.paths)
	return nil
}

func marshalIndented(m map[string]json.RawMessage) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// touchStamp records a store write for the shell hooks. A failure here does not undo the
// write, and the hooks still notice keychain.json itself change.
func touchStamp(p discovery.Paths) error {
	path := p.StoreStamp()
	if err := safefile.PrivateDir(filepath.Dir(path)); err != nil {
		return err
	}
	return safefile.Touch(path)
}
