package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/amika-dev/amika/discovery"
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

// Path is keychain.json's location.
func (f *File) Path() string { return f.path }

// record is one entry of keychain.json. Hand-written files may hold a plain string instead;
// both load. Values that are not valid UTF-8 cannot be JSON strings and go base64-encoded.
type record struct {
	Value       *string `json:"value,omitempty"`
	ValueBase64 string  `json:"value_base64,omitempty"`
	Type        Type    `json:"type,omitempty"`
	Provider    string  `json:"provider,omitempty"`
	Created     string  `json:"created,omitempty"`
	Updated     string  `json:"updated,omitempty"`
	Origin      string  `json:"origin,omitempty"`
	Agent       string  `json:"agent,omitempty"`
	Label       string  `json:"label,omitempty"`
}

func (f *File) fail(format string, args ...any) error {
	return fmt.Errorf("keychain file %s: %s", f.path, fmt.Sprintf(format, args...))
}

// load reads keychain.json into raw entries. A missing file is an empty store.
func (f *File) load() (map[string]json.RawMessage, error) {
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]json.RawMessage{}, nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, f.fail("cannot read: %v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]json.RawMessage{}, nil
	}
	if !utf8.Valid(data) {
		return nil, f.fail("cannot parse: invalid UTF-8; fix or move the file, amika will not overwrite it")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, f.fail("cannot parse: malformed JSON at byte %d; fix or move the file, amika will not overwrite it", se.Offset)
		case errors.As(err, &te):
			return nil, f.fail("cannot parse: the top level is not a JSON object; fix or move the file, amika will not overwrite it")
		}
		return nil, f.fail("cannot parse: %v; fix or move the file, amika will not overwrite it", err)
	}
	if m == nil { // the file says null
		return nil, f.fail("cannot parse: the top level is not a JSON object; fix or move the file, amika will not overwrite it")
	}
	return m, nil
}

// decode turns one raw entry into a secret. It fails for entries that are neither a string
// nor an object with a string value.
func decode(name string, raw json.RawMessage) (Secret, error) {
	s := Secret{Name: name}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s.Value); err != nil {
			return s, err
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
		return s, errors.New("object without a \"value\" string")
	}
	s.Type, s.Provider, s.Origin, s.Agent, s.Label = r.Type, r.Provider, r.Origin, r.Agent, r.Label
	s.Created, _ = time.Parse(time.RFC3339, r.Created)
	s.Updated, _ = time.Parse(time.RFC3339, r.Updated)
	return Infer(s), nil
}

func encode(s Secret) (json.RawMessage, error) {
	r := record{Type: s.Type, Provider: s.Provider, Origin: s.Origin, Agent: s.Agent, Label: s.Label}
	if utf8.ValidString(s.Value) {
		v := s.Value
		r.Value = &v
	} else {
		r.ValueBase64 = base64.StdEncoding.EncodeToString([]byte(s.Value))
	}
	if !s.Created.IsZero() {
		r.Created = s.Created.UTC().Format(time.RFC3339)
	}
	if !s.Updated.IsZero() {
		r.Updated = s.Updated.UTC().Format(time.RFC3339)
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
	m, err := f.load()
	if err != nil {
		return Secret{}, err
	}
	raw, ok := m[name]
	if !ok {
		return Secret{}, ErrNotFound
	}
	s, err := decode(name, raw)
	if err != nil {
		return Secret{}, f.fail("entry %q: %v", name, err)
	}
	return s, nil
}

func (f *File) List() ([]Secret, error) {
	m, err := f.load()
	if err != nil {
		return nil, err
	}
	out := make([]Secret, 0, len(m))
	for name, raw := range m {
		s, err := decode(name, raw)
		if err != nil {
			continue // not a secret amika can use; kept untouched on writes
		}
		s.Value = ""
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Values returns every secret's value by name, for discovery.
func (f *File) Values() (map[string]string, error) {
	m, err := f.load()
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for name, raw := range m {
		if s, err := decode(name, raw); err == nil {
			out[name] = s.Value
		}
	}
	return out, nil
}

func (f *File) Set(s Secret) error {
	return f.SetMany([]Secret{s})
}

// SetMany stores several secrets in one write: all or none.
func (f *File) SetMany(secrets []Secret) error {
	for _, s := range secrets {
		if err := Validate(s); err != nil {
			return err
		}
	}
	return f.update(func(m map[string]json.RawMessage) (bool, error) {
		now := f.now()
		for _, s := range secrets {
			var prev *Secret
			if raw, ok := m[s.Name]; ok {
				if p, err := decode(s.Name, raw); err == nil {
					prev = &p
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

const tempPrefix = ".keychain.json.tmp-"

// update runs change on the current entries under the lock and writes the result when
// change reports a modification.
func (f *File) update(change func(map[string]json.RawMessage) (bool, error)) error {
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return f.fail("cannot create the directory: %v", err)
	}
	if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		os.Chmod(dir, 0o700)
	}
	unlock, err := LockFile(f.path + ".lock")
	if err != nil {
		return f.fail("%v", err)
	}
	defer unlock()
	m, err := f.load()
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
	// A keychain.json that is a symlink (a dotfile manager's) stays one: the file it points
	// to is replaced.
	target := f.path
	if resolved, err := filepath.EvalSymlinks(f.path); err == nil {
		target = resolved
	}
	removeStaleTemps(filepath.Dir(target))
	if err := writeAtomic(target, data); err != nil {
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

// removeStaleTemps deletes temp files left by writers killed mid-write. It runs under the
// lock, so no live writer owns one.
func removeStaleTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// writeAtomic replaces path with data: temp file in the same directory, fsync, rename.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	syncDir(dir)
	return nil
}
