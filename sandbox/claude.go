package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/amika-dev/amika/internal/safefile"
	"github.com/amika-dev/amika/store"
	"github.com/amika-dev/amika/store/agent"
)

// Claude Code keeps its OAuth login in ~/.claude/.credentials.json and reads it at every
// start, refreshing the access token when it expires (the refresh token rotates: the old one
// stops working). A sandbox started with --claude gets the stored login written there, and
// ~/.claude.json marked as past the first-run screens, so `claude` starts logged in.

const maxClaudeFile = 1 << 20

// claudeLogin is a stored Claude OAuth credential as written into a sandbox's home.
type claudeLogin struct {
	secret  store.Secret // as read from the store
	written []byte       // what was written to .credentials.json
}

// claudeFile is a stored credential as Claude Code's .credentials.json holds it:
// {"claudeAiOauth":{…}}; a value stored as the inner object alone is wrapped.
func claudeFile(value string) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(value), &top); err != nil || top == nil {
		return nil, errors.New("not an OAuth credential JSON object")
	}
	if _, ok := top["claudeAiOauth"]; !ok {
		top = map[string]json.RawMessage{"claudeAiOauth": json.RawMessage(value)}
	}
	out, err := json.Marshal(top)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// writeClaudeLogin writes the credential into home: .claude/.credentials.json (0600), and
// .claude.json with the first-run screens done when there is none yet.
func writeClaudeLogin(home string, s store.Secret) (*claudeLogin, error) {
	data, err := claudeFile(s.Value)
	if err != nil {
		return nil, fmt.Errorf("claude credential %s: %v", s.Name, err)
	}
	dir := filepath.Join(home, ".claude")
	// The home is the sandbox's to write: .claude may have become a symlink to anywhere, or
	// a file. Either is removed (the link, not what it points to) and the directory made.
	if fi, err := os.Lstat(dir); err == nil && !fi.IsDir() {
		os.Remove(dir)
	}
	if err := safefile.PrivateDir(dir); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if err := safefile.WriteFileAtomic(filepath.Join(dir, ".credentials.json"), data, 0o600); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Join(dir, ".credentials.json"), err)
	}
	state := filepath.Join(home, ".claude.json")
	if _, err := os.Lstat(state); errors.Is(err, fs.ErrNotExist) {
		// Claude Code writes the rest of it; without this it shows its first-run screens.
		if err := safefile.WriteFileAtomic(state, []byte(`{"hasCompletedOnboarding":true}`+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("%s: %v", state, err)
		}
	}
	return &claudeLogin{secret: s, written: data}, nil
}

// oauthFields are what a refresh changes.
type oauthFields struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	ExpiresAt    int64  `json:"expiresAt"`
}

func parseLogin(data []byte) (oauthFields, error) {
	var top struct {
		Claude *oauthFields `json:"claudeAiOauth"`
	}
	if err := json.Unmarshal(data, &top); err != nil || top.Claude == nil {
		var inner oauthFields
		if err2 := json.Unmarshal(data, &inner); err2 != nil || inner.AccessToken == "" {
			return oauthFields{}, errors.New("not a Claude OAuth credential")
		}
		return inner, nil
	}
	if top.Claude.AccessToken == "" {
		return oauthFields{}, errors.New("no accessToken")
	}
	return *top.Claude, nil
}

// writeBack stores the login Claude Code left in the sandbox's home when it differs from the
// one written at the start (Claude refreshed it), unless the stored one changed meanwhile to
// a login that expires later (another sandbox, or a push, got there first). It returns what
// it did, for a message, or "" when there was nothing to do.
func (l *claudeLogin) writeBack(home string, st store.Store) (string, error) {
	dir := filepath.Join(home, ".claude")
	if err := safefile.PrivateDir(dir); err != nil {
		return "", fmt.Errorf("%s: %w", dir, err)
	}
	path := filepath.Join(dir, ".credentials.json")
	data, err := safefile.ReadFileNoFollow(path, maxClaudeFile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil // logged out inside: the stored login stays as it is
	}
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	if bytes.Equal(data, l.written) {
		return "", nil
	}
	now, err := parseLogin(data)
	if err != nil {
		return "", fmt.Errorf("%s: %v: the stored login was left as it is", path, err)
	}
	before, _ := parseLogin(l.written)
	if now == before {
		return "", nil
	}
	if _, err := agent.AccessToken("claude", string(data)); err != nil {
		return "", fmt.Errorf("%s: %v: the stored login was left as it is", path, err)
	}
	current, err := st.Get(l.secret.Name)
	if err != nil {
		return "", fmt.Errorf("claude credential %s: %v", l.secret.Name, err)
	}
	if current.Value != l.secret.Value {
		if stored, err := parseLogin([]byte(current.Value)); err == nil && stored.ExpiresAt >= now.ExpiresAt {
			return "", nil
		}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	updated := current
	updated.Value = compact.String()
	target := st
	if b, ok := st.(interface{ Backend(string) store.Store }); ok && current.Store != "" {
		if s := b.Backend(current.Store); s != nil {
			target = s
		}
	}
	if err := target.Set(updated); err != nil {
		return "", fmt.Errorf("claude credential %s: %v", l.secret.Name, err)
	}
	l.secret, l.written = updated, data
	return "Claude Code refreshed its login: claude credential " + l.secret.Name + " updated in " + target.Where(), nil
}
