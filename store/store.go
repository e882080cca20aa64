// Package store keeps secrets: in the OS keyring, or in a file where no keyring answers.
package store

import (
	"errors"
	"time"
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
