package sandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/amika-dev/amika/internal/safefile"
	"github.com/amika-dev/amika/store"
	"github.com/amika-dev/amika/store/agent"
)

// A sandbox created with --claude ID and a stored Claude OAuth login gets that login as
// Claude Code keeps it: ~/.claude/.credentials.json (0600) in the sandbox's home, with
// hasCompletedOnboarding in ~/.claude.json so that Claude Code starts without its first-run
// screens (theme, login). Claude Code refreshes the access token itself, and the refresh
// token rotates with it: the provider revokes the old one. So after CMD exits, a login that
// changed inside is written back to the store, and every other copy of that login (the
// machine it was pushed from, other sandboxes) holds a revoked refresh token from then on.

// claudeKey is the object Claude Code keeps its login in.
const claudeKey = "claudeAiOauth"

// maxClaudeFile bounds Claude Code's files read here (its .claude.json keeps project state).
const maxClaudeFile = 40 << 20

// where Claude Code keeps its login and its state, in the home
var (
	claudeCredentials = filepath.Join(".claude", ".credentials.json")
	claudeState       = ".claude.json"
)

// loginOf reads the Claude Code login out of a credential JSON: the claudeAiOauth object, or
// the object itself when it is the inner one. It returns the login in a canonical form (keys
// sorted, numbers verbatim), so that two spellings of the same login compare equal.
func loginOf(value []byte) (string, error) {
	top, err := decodeObject(value)
	if err != nil {
		return "", err
	}
	inner := top
	if raw, ok := top[claudeKey]; ok {
		if inner, err = decodeObject(raw); err != nil {
			return "", fmt.Errorf("%s: %v", claudeKey, err)
		}
	}
	canon, err := json.Marshal(inner)
	if err != nil {
		return "", err
	}
	if _, err := agent.AccessToken("claude", string(canon)); err != nil {
		return "", err
	}
	return string(canon), nil
}

// refreshable reports whether login (canonical, from loginOf) is one Claude Code keeps in
// its credentials file and refreshes: a refresh token and an expiry. A long-lived token
// (claude setup-token) has neither, and Claude Code takes it only from
// CLAUDE_CODE_OAUTH_TOKEN.
func refreshable(login string) bool {
	if login == "" {
		return false
	}
	var l struct {
		RefreshToken string       `json:"refreshToken"`
		ExpiresAt    *json.Number `json:"expiresAt"`
	}
	dec := json.NewDecoder(strings.NewReader(login))
	dec.UseNumber()
	if dec.Decode(&l) != nil {
		return false
	}
	return strings.TrimSpace(l.RefreshToken) != "" && l.ExpiresAt != nil
}

// decodeObject decodes a JSON object keeping numbers as they are written.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil || v == nil {
		return nil, errors.New("not a JSON object")
	}
	out := make(map[string]json.RawMessage, len(v))
	for k, x := range v {
		raw, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		out[k] = raw
	}
	return out, nil
}

func sum(login string) string {
	s := sha256.Sum256([]byte(login))
	return hex.EncodeToString(s[:])
}

// withLogin returns the credential JSON doc (an object, or nothing) with its claudeAiOauth
// replaced by login and every other key kept.
func withLogin(doc []byte, login string) ([]byte, error) {
	obj := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(doc)) > 0 {
		var err error
		if obj, err = decodeObject(doc); err != nil {
			return nil, err
		}
	}
	obj[claudeKey] = json.RawMessage(login)
	return json.Marshal(obj)
}

// claudeLogin is a stored Claude OAuth credential being handed to one start of a sandbox.
type claudeLogin struct {
	st      store.Store
	secret  store.Secret // as stored
	login   string       // its login, canonical
	home    *homeFiles   // the sandbox's home
	sumPath string       // where the last login written into the home is remembered
	written string       // the login written at this start
}

// prepareClaude writes the stored login into the sandbox's home. A login that Claude Code
// refreshed in a start amika did not see end (amika killed) is first written back, when the
// store still holds the login that start was given.
func prepareClaude(c *claudeLogin) (warn string, err error) {
	lastData, _ := safefile.ReadFileNoFollow(c.sumPath, 128)
	last := string(lastData)
	inHome, doc, _ := c.readHome()
	refreshed := inHome != "" && last != "" && sum(inHome) != last // by Claude Code, since amika wrote it
	switch {
	case refreshed && inHome != c.login && sum(c.login) == last:
		if err := c.store(inHome); err != nil {
			return "", err
		}
		c.login = inHome
	case refreshed && inHome != c.login:
		warn = fmt.Sprintf("Claude credential %s changed in the store: it replaces the login Claude Code refreshed in this sandbox", c.secret.Name)
	}
	c.written = c.login
	if inHome != c.login {
		data, err := withLogin(doc, c.login)
		if err != nil {
			return "", fmt.Errorf("%s: %v", c.home.where(claudeCredentials), err)
		}
		if err := c.home.write(claudeCredentials, data); err != nil {
			return "", err
		}
	}
	if err := safefile.WriteFileAtomic(c.sumPath, []byte(sum(c.login)), 0o600); err != nil {
		return "", err
	}
	return warn, markOnboarded(c.home)
}

// readHome reads the login in the sandbox's home: "" when there is none it can use.
func (c *claudeLogin) readHome() (login string, doc []byte, err error) {
	doc, err = c.home.read(claudeCredentials, maxClaudeFile)
	if err != nil {
		return "", nil, err
	}
	login, err = loginOf(doc)
	if err != nil {
		return "", nil, err // a file Claude Code would not read either: replaced, never merged
	}
	return login, doc, nil
}

// syncBack writes a login Claude Code changed inside back to the store, unless the stored one
// changed meanwhile (then the store wins, with a warning).
func syncBack(c *claudeLogin) (warn string, err error) {
	inHome, _, _ := c.readHome()
	if inHome == "" || inHome == c.written {
		return "", nil
	}
	now, err := c.st.Get(c.secret.Name)
	if err != nil {
		return "", fmt.Errorf("Claude credential %s: the login Claude Code refreshed is not stored: %v", c.secret.Name, err)
	}
	if cur, err := loginOf([]byte(now.Value)); err != nil || cur != c.written {
		return fmt.Sprintf("Claude credential %s changed in the store while the sandbox ran: the login Claude Code refreshed inside is not stored", c.secret.Name), nil
	}
	c.secret = now
	if err := c.store(inHome); err != nil {
		return "", err
	}
	return "", safefile.WriteFileAtomic(c.sumPath, []byte(sum(inHome)), 0o600)
}

// store replaces the login in the stored credential, keeping its other keys and metadata,
// and its shape: a credential stored as the inner object stays one.
func (c *claudeLogin) store(login string) error {
	value := []byte(login)
	if top, err := decodeObject([]byte(c.secret.Value)); err == nil && top[claudeKey] != nil {
		if value, err = withLogin([]byte(c.secret.Value), login); err != nil {
			return fmt.Errorf("Claude credential %s: %v", c.secret.Name, err)
		}
	}
	next := c.secret
	next.Value = string(value)
	if err := c.st.Set(next); err != nil {
		return fmt.Errorf("Claude credential %s: the login Claude Code refreshed is not stored: %v", c.secret.Name, err)
	}
	c.secret = next
	return nil
}

// markOnboarded sets hasCompletedOnboarding in the sandbox's ~/.claude.json, keeping what
// Claude Code keeps there. A file that is not a JSON object is left alone.
func markOnboarded(home *homeFiles) error {
	data, err := home.read(claudeState, maxClaudeFile)
	obj := map[string]json.RawMessage{}
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil // not a file Claude Code reads: left as it is
	default:
		if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
			return nil
		}
		if string(obj["hasCompletedOnboarding"]) == "true" {
			return nil
		}
	}
	obj["hasCompletedOnboarding"] = json.RawMessage("true")
	out, err := json.MarshalIndent(obj, "", "  ")
	if err != nil {
		return err
	}
	return home.write(claudeState, out)
}
