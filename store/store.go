// Package store keeps secrets: in the OS keyring, or in a file where no keyring answers.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
)

// ErrNotFound is returned by Get and Delete for a name the store does not hold.
var ErrNotFound = errors.New("secret not found")

// Type says what a secret is.
type Type string

const (
	TypeAPIKey  Type = "api_key"
	TypeOAuth   Type = "oauth"
	TypeGeneric Type = "generic"
)

// Secret is one stored value with its metadata. List leaves Value empty.
type Secret struct {
	Name     string    `json:"name"`
	Value    string    `json:"value,omitempty"`
	Type     Type      `json:"type"`
	Provider string    `json:"provider,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Origin   string    `json:"origin,omitempty"` // where it came from: "push", a file path, …
	// Agent is "claude" or "codex" for credentials pushed with `amika secret claude|codex`.
	Agent string `json:"agent,omitempty"`
	// Label is the human name given with --name to an agent credential.
	Label string `json:"label,omitempty"`
}

// Store is a backend: the OS keyring or the file store.
type Store interface {
	// Name is "keyring" or "file".
	Name() string
	Get(name string) (Secret, error)
	// Set creates or replaces a secret; Created is kept from an existing one.
	Set(s Secret) error
	Delete(name string) error
	// List returns every secret's metadata, sorted by name, without values.
	List() ([]Secret, error)
}

// MaxNameLen bounds a secret's name.
const MaxNameLen = 128

// ValidateName checks a secret name: 1–128 characters of A-Za-z0-9_.-
func ValidateName(name string) error {
	if name == "" {
		return errors.New("invalid secret name \"\": a name is 1 to 128 characters of A-Z a-z 0-9 _ . -")
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("invalid secret name %q…: longer than %d characters", name[:16], MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '_' || c == '.' || c == '-' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			continue
		}
		return fmt.Errorf("invalid secret name %q: %q is not allowed (use A-Z a-z 0-9 _ . -)", name, c)
	}
	return nil
}

// ValidateValue checks a secret value: any bytes but NUL, not empty. The error never holds
// the value.
func ValidateValue(name, value string) error {
	if value == "" {
		return fmt.Errorf("secret %s: empty value", name)
	}
	if i := strings.IndexByte(value, 0); i >= 0 {
		return fmt.Errorf("secret %s: value holds a NUL byte at offset %d", name, i)
	}
	return nil
}

// Validate checks a secret before it is stored.
func Validate(s Secret) error {
	if err := ValidateName(s.Name); err != nil {
		return err
	}
	return ValidateValue(s.Name, s.Value)
}

// Infer fills in type and provider for a secret pushed by name alone: provider-style names
// (ANTHROPIC_API_KEY, GROQ_API_KEY, …) are API keys of their provider.
func Infer(s Secret) Secret {
	if s.Provider == "" {
		if p, ok := discovery.ProviderForVariable(s.Name); ok {
			s.Provider = p
			if s.Type == "" {
				s.Type = TypeAPIKey
			}
		}
	}
	if s.Type == "" {
		s.Type = TypeGeneric
	}
	return s
}

// StampPath is touched after every successful write to the store, whichever backend, so
// shell hooks can notice store changes with a cheap mtime test.
func StampPath(p discovery.Paths) string {
	return filepath.Join(p.StateDir, "amika", "store.stamp")
}

// touchStamp records a store write. A failure here does not undo the write; it is reported
// so the caller can warn.
func touchStamp(p discovery.Paths) error {
	path := StampPath(p)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("store stamp: %v", err)
	}
	now := time.Now()
	if err := os.Chtimes(path, now, now); err == nil {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store stamp: %v", err)
	}
	f.Close()
	return os.Chtimes(path, now, now)
}

// merge carries the creation time over from the secret being replaced and sets times.
func merge(next Secret, prev *Secret, now time.Time) Secret {
	next = Infer(next)
	next.Updated = now.UTC().Truncate(time.Second)
	if prev != nil && !prev.Created.IsZero() {
		next.Created = prev.Created
	} else if next.Created.IsZero() {
		next.Created = next.Updated
	}
	return next
}

// SetMany stores several secrets: in one write where the backend can, else one by one.
func SetMany(s Store, secrets []Secret) error {
	if m, ok := s.(interface{ SetMany([]Secret) error }); ok {
		return m.SetMany(secrets)
	}
	for _, x := range secrets {
		if err := s.Set(x); err != nil {
			return err
		}
	}
	return nil
}

// Values reads all values by name from any backend, for discovery.
func Values(s Store, keep func(string) bool) (map[string]string, error) {
	switch b := s.(type) {
	case *Keyring:
		return b.Values(keep)
	case *File:
		all, err := b.Values()
		if err != nil || keep == nil {
			return all, err
		}
		for n := range all {
			if !keep(n) {
				delete(all, n)
			}
		}
		return all, nil
	}
	list, err := s.List()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, x := range list {
		if keep != nil && !keep(x.Name) {
			continue
		}
		if v, err := s.Get(x.Name); err == nil {
			out[x.Name] = v.Value
		}
	}
	return out, nil
}
