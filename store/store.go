// Package store keeps secrets: in the OS keyring, or in a file where no keyring answers.
package store

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/amika-dev/amika/discovery"
)

// ErrNotFound is returned by Get, Value and Delete for a name the store does not hold.
var ErrNotFound = errors.New("secret not found")

// Type says what a secret is.
type Type string

const (
	TypeAPIKey  Type = "api_key"
	TypeOAuth   Type = "oauth"
	TypeGeneric Type = "generic"
)

// Meta is what amika keeps about a secret besides its value. Its JSON form is the one
// keychain.json records, the keyring index and `amika secret list -o json` share.
type Meta struct {
	Type     Type   `json:"type,omitempty"`
	Provider string `json:"provider,omitempty"`
	Created  Time   `json:"created,omitzero"`
	Updated  Time   `json:"updated,omitzero"`
	Origin   string `json:"origin,omitempty"` // where it came from: "argument", a file path, …
	// Agent is "claude" or "codex" for credentials pushed with `amika secret claude|codex`.
	Agent string `json:"agent,omitempty"`
	// Label is the human name given with --name to an agent credential.
	Label string `json:"label,omitempty"`
	// Expires is when an OAuth credential's access token stops working, when known:
	// discovery and amika run hand out no expired token.
	Expires Time `json:"expires,omitzero"`
}

// Time is when a secret was created or updated, to the second. Its JSON form is RFC 3339 in
// UTC ("2025-01-02T03:04:05Z"). Text that does not parse reads as the zero Time (unknown)
// rather than making the whole entry unusable: hand-edited files still load.
type Time struct{ time.Time }

// timeOf is t as metadata keeps it: UTC, to the second.
func timeOf(t time.Time) Time { return Time{t.UTC().Truncate(time.Second)} }

// String is the time in RFC 3339, UTC; "" when unknown.
func (t Time) String() string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.String() + `"`), nil
}

func (t *Time) UnmarshalJSON(data []byte) error {
	*t = Time{}
	if s, ok := strings.CutPrefix(string(data), `"`); ok {
		if parsed, err := time.Parse(time.RFC3339, strings.TrimSuffix(s, `"`)); err == nil {
			*t = Time{parsed}
		}
	}
	return nil
}

// Secret is one stored value with its metadata. List leaves Value empty.
type Secret struct {
	Name  string
	Value string
	Meta
	// Store is the Name of the backend the secret was read from (set by Get and List).
	Store string
}

// Store is where secrets live: one backend (the OS keyring, the file store), or the
// backends a command reads in order (see Opener.Open).
type Store interface {
	// Name is the backend's short name: "keyring" or "file".
	Name() string
	// Where says where the secrets are written, for messages: "the keyring (service amika)",
	// "the file store (~/.local/share/amika/keychain.json)".
	Where() string
	// Get returns a secret with its value and metadata, or ErrNotFound.
	Get(name string) (Secret, error)
	// Value returns a secret's value alone, or ErrNotFound; it may cost less than Get.
	Value(name string) (string, error)
	// Set creates or replaces secrets, keeping Created from those it replaces, in one write
	// where the backend can.
	Set(secrets ...Secret) error
	// Delete removes a secret, or returns ErrNotFound.
	Delete(name string) error
	// List returns every secret's metadata, values left empty, sorted by name, and a warning
	// for each entry that cannot be used.
	List() ([]Secret, []Warning, error)
}

// Warning is an entry a store holds and cannot use: it is skipped, and said so. It names the
// entry only when the name is a valid secret name, and never shows the value.
type Warning struct {
	Where string // the store, as its Where says
	What  string // "entry ODD skipped: not a string nor an object with a \"value\" string"
}

func (w Warning) String() string { return w.Where + ": " + w.What }

// MaxNameLen bounds a secret's name.
const MaxNameLen = 128

// MaxValueLen bounds a secret's value.
const MaxValueLen = 1 << 20

const nameRule = "a name is 1 to 128 characters of A-Z a-z 0-9 _ . -"

// ValidateName checks a secret name: 1–128 characters of A-Za-z0-9_.- . The error never
// quotes an invalid name (it may be a value pasted in the wrong place): it gives its length
// and what is wrong where.
func ValidateName(name string) error {
	if name == "" {
		return errors.New("invalid secret name: empty (" + nameRule + ")")
	}
	for i := 0; i < len(name); i++ {
		if !nameByte(name[i]) {
			return fmt.Errorf("invalid secret name (%s): character %d is %s (%s)",
				LengthText(name), utf8.RuneCountInString(name[:i])+1, charClass(name[i:]), nameRule)
		}
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("invalid secret name (%s): longer than %d characters", LengthText(name), MaxNameLen)
	}
	return nil
}

func nameByte(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// LengthText describes s by its length alone: "12 characters", "1 character".
func LengthText(s string) string {
	if n := utf8.RuneCountInString(s); n != 1 {
		return fmt.Sprintf("%d characters", n)
	}
	return "1 character"
}

// charClass names the character s starts with, one not allowed in a name, without showing
// a letter or digit of what may be a secret: ASCII punctuation is shown, the rest classed.
func charClass(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	switch {
	case r == ' ':
		return "a space"
	case r == '\t':
		return "a tab"
	case r == utf8.RuneError && size <= 1:
		return "a byte that is not UTF-8"
	case r < 0x20 || r == 0x7f:
		return "a control character"
	case r >= 0x80:
		return "a non-ASCII character"
	case r >= '0' && r <= '9':
		return "a digit"
	case r >= 'A' && r <= 'Z':
		return "an upper-case letter"
	case r >= 'a' && r <= 'z':
		return "a lower-case letter"
	}
	return fmt.Sprintf("%q", r)
}

// entryText names a store entry in a message: by its name when that is a valid secret name
// that does not look like a key; otherwise the name might be a secret, and only its length,
// or its mask, is given.
func entryText(name string) string {
	switch {
	case ValidateName(name) != nil:
		return "an entry whose name is not a valid secret name (" + LengthText(name) + ")"
	case LooksLikeKey(name):
		return "an entry whose name looks like a key (" + discovery.Mask(name) + ")"
	}
	return "entry " + name
}

// ValidateValue checks a secret value: any bytes but NUL, not empty, at most 1 MiB. The
// error never holds the value.
func ValidateValue(name, value string) error {
	if value == "" {
		return fmt.Errorf("secret %s: empty value", NameText(name))
	}
	if i := strings.IndexByte(value, 0); i >= 0 {
		return fmt.Errorf("secret %s: value holds a NUL byte at offset %d", NameText(name), i)
	}
	if len(value) > MaxValueLen {
		return fmt.Errorf("secret %s: value larger than 1 MiB", NameText(name))
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
// (ANTHROPIC_API_KEY, GROQ_API_KEY, …) are API keys of their provider; CLAUDE_CODE_OAUTH_TOKEN,
// and a value starting with sk-ant-oat (never an API key), are Anthropic OAuth tokens.
func Infer(s Secret) Secret {
	oauthName := strings.EqualFold(s.Name, discovery.OAuthTokenVar)
	if s.Provider == "" {
		if p, ok := discovery.ProviderForVariable(s.Name); ok {
			s.Provider = p
			if s.Type == "" && !(p == "anthropic" && IsAnthropicOAuth(s.Value)) {
				s.Type = TypeAPIKey
			}
		} else if oauthName {
			s.Provider = "anthropic"
		}
	}
	if s.Type == "" && (oauthName || IsAnthropicOAuth(s.Value) && (s.Provider == "" || s.Provider == "anthropic")) {
		s.Type = TypeOAuth
		if s.Provider == "" {
			s.Provider = "anthropic"
		}
	}
	if s.Type == "" {
		s.Type = TypeGeneric
	}
	return s
}

// IsAnthropicOAuth says whether a value is an Anthropic OAuth token by its prefix
// (sk-ant-oat…): an access token of a Claude login, or a `claude setup-token` token.
func IsAnthropicOAuth(value string) bool {
	return strings.HasPrefix(strings.TrimSpace(value), discovery.AnthropicOAuthPrefix)
}

// IsOAuth says whether a stored secret is an OAuth credential: recorded so, or an Anthropic
// OAuth token by its value, whatever was recorded (older amika stored a bare
// `claude setup-token` token as an API key).
func (s Secret) IsOAuth() bool { return s.Type == TypeOAuth || IsAnthropicOAuth(s.Value) }

// Names are the secrets' names, sorted.
func Names(secrets []Secret) []string {
	out := make([]string, len(secrets))
	for i, s := range secrets {
		out[i] = s.Name
	}
	sort.Strings(out)
	return out
}

// merge carries the creation time over from the secret being replaced and sets times.
func merge(next Secret, prev *Meta, now time.Time) Secret {
	next = Infer(next)
	next.Updated = timeOf(now)
	if prev != nil && !prev.Created.IsZero() {
		next.Created = prev.Created
	} else if next.Created.IsZero() {
		next.Created = next.Updated
	}
	return next
}

func validateAll(secrets []Secret) error {
	for _, s := range secrets {
		if err := Validate(s); err != nil {
			return err
		}
	}
	return nil
}
