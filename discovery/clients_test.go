package discovery

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestClaudeKeychainItem derives the Keychain item as Claude Code 2.1.197 does (its bundled
// code: the service is "Claude Code-credentials", suffixed with 8 hex digits of the
// SHA-256 of the config directory when one is set; the account is $USER, else the login
// name, else claude-code-user). The Keychain itself is macOS only.
func TestClaudeKeychainItem(t *testing.T) {
	login := func() (string, error) { return "loginname", nil }
	for _, c := range []struct {
		env     map[string]string
		service string
		account string
	}{
		{map[string]string{"USER": "alice"}, "Claude Code-credentials", "alice"},
		{map[string]string{"USER": "alice", "CLAUDE_CONFIG_DIR": "/Users/alice/.claude-work"}, "Claude Code-credentials-" + sha8("/Users/alice/.claude-work"), "alice"},
		// CLAUDE_SECURESTORAGE_CONFIG_DIR names the directory instead; set and empty: no suffix
		{map[string]string{"USER": "alice", "CLAUDE_CONFIG_DIR": "/a", "CLAUDE_SECURESTORAGE_CONFIG_DIR": "/b"}, "Claude Code-credentials-" + sha8("/b"), "alice"},
		{map[string]string{"USER": "alice", "CLAUDE_CONFIG_DIR": "/a", "CLAUDE_SECURESTORAGE_CONFIG_DIR": ""}, "Claude Code-credentials", "alice"},
		// an empty CLAUDE_CONFIG_DIR is no directory
		{map[string]string{"USER": "alice", "CLAUDE_CONFIG_DIR": ""}, "Claude Code-credentials", "alice"},
		// no USER: the login name; a name Claude Code will not use: claude-code-user
		{map[string]string{}, "Claude Code-credentials", "loginname"},
		{map[string]string{"USER": "al ice"}, "Claude Code-credentials", "claude-code-user"},
		{map[string]string{"USER": "ålice"}, "Claude Code-credentials", "claude-code-user"},
		// decomposed and composed é name the same directory (NFC)
		{map[string]string{"USER": "a", "CLAUDE_CONFIG_DIR": "/Users/e\u0301"}, "Claude Code-credentials-" + sha8("/Users/\u00e9"), "a"},
	} {
		lookup := func(k string) (string, bool) { v, ok := c.env[k]; return v, ok }
		got := ClaudeKeychainItem(lookup, "/Users/alice", login)
		if got.Service != c.service || got.Account != c.account {
			t.Errorf("%v: got %+v, want %s/%s", c.env, got, c.service, c.account)
		}
	}
	failing := func() (string, error) { return "", os.ErrNotExist }
	if got := ClaudeKeychainItem(func(string) (string, bool) { return "", false }, "/h", failing); got.Account != "claude-code-user" {
		t.Errorf("no user at all: %+v", got)
	}
	p, _ := resolvePaths("/h", func(k string) (string, bool) { return map[string]string{"USER": "u"}[k], k == "USER" }, "darwin")
	if p.ClaudeKeychain.Service != "Claude Code-credentials" || p.ClaudeKeychain.Account != "u" {
		t.Errorf("darwin paths: %+v", p.ClaudeKeychain)
	}
	p, _ = resolvePaths("/h", func(k string) (string, bool) { return "", false }, "linux")
	if p.ClaudeKeychain != (KeyringItem{}) {
		t.Errorf("linux paths have a Keychain item: %+v", p.ClaudeKeychain)
	}
}

func sha8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}

// TestCodexKeyringAccount: codex-cli 0.171.0, logged in with cli_auth_credentials_store
// "keyring" and CODEX_HOME /tmp/tmp.eDYZvbLU8j/.codex, stored its item under the account
// cli|2ab55c19d59ef6bf (seen with secret-tool search).
func TestCodexKeyringAccount(t *testing.T) {
	if got := CodexKeyringAccount("/tmp/tmp.eDYZvbLU8j/.codex"); got != "cli|2ab55c19d59ef6bf" {
		t.Errorf("account %q", got)
	}
	// a symlinked home is hashed by its real path
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if CodexKeyringAccount(filepath.Join(dir, "link")) != CodexKeyringAccount(real) {
		t.Error("a symlink and its target give different accounts")
	}
}

// TestGeminiEncryptedFile reads testdata/gemini-credentials.json, written by Gemini CLI
// 0.61.0's own code (saveApiKey with GEMINI_FORCE_FILE_STORAGE=true, its os.hostname()
// and os.userInfo() answering fixture-host and fixture-user).
func TestGeminiEncryptedFile(t *testing.T) {
	data, err := os.ReadFile("testdata/gemini-credentials.json")
	if err != nil {
		t.Fatal(err)
	}
	p := fixtureHome(t, map[string]string{".gemini/gemini-credentials.json": string(data)})
	id := func(host, user string) func() (string, string, error) {
		return func() (string, string, error) { return host, user, nil }
	}
	res := Discover(Options{Paths: p, Now: time.Now(), Identity: id("fixture-host", "fixture-user")})
	if len(res.Credentials) != 1 || res.Credentials[0].Provider != "gemini" || res.Credentials[0].Value != "AIzaSyFixture-gemini-api-key-0123456789" ||
		res.Credentials[0].Kind != KindAPIKey || res.Credentials[0].LeftToAgent || len(res.Warnings) != 0 {
		t.Fatalf("%+v %v", res.Credentials, res.Warnings)
	}
	res = Discover(Options{Paths: p, Now: time.Now(), Identity: id("other-host", "fixture-user")})
	if len(res.Credentials) != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Reason, "cannot decrypt") {
		t.Fatalf("another host: %+v %v", res.Credentials, res.Warnings)
	}
}

// TestKeyringRows: items are read through Options.Keyring; without a reader their rows say
// why; a foreign --homedir or AMIKA_STORE=file never reaches the keyring.
func TestKeyringRows(t *testing.T) {
	p := fixtureHome(t, nil)
	reads := 0
	k := &Keyring{Label: "keyring", Read: func(item KeyringItem) (string, bool, error) {
		reads++
		switch {
		case item.Service == CodexKeyringService && item.Account == CodexKeyringAccount(p.CodexHome):
			return `{"auth_mode":"apikey","OPENAI_API_KEY":"sk-proj-from-codex-keyring"}`, true, nil
		case item == geminiKeyringItem:
			return `{"serverName":"default-api-key","token":{"accessToken":"AIza-from-keyring","tokenType":"ApiKey"},"updatedAt":1}`, true, nil
		}
		return "", false, nil
	}, Watch: []string{"/data/keyrings"}}
	res := Discover(Options{Paths: p, Now: time.Now(), Keyring: k})
	if len(res.Watch) != 1 || res.Watch[0] != "/data/keyrings" {
		t.Errorf("a keyring that was read is not watched: %v", res.Watch)
	}
	got := map[string]string{}
	for _, c := range res.Credentials {
		got[c.Provider] = c.Value + " " + c.File
	}
	if got["openai"] != "sk-proj-from-codex-keyring keyring:Codex Auth/"+CodexKeyringAccount(p.CodexHome) ||
		got["gemini"] != "AIza-from-keyring keyring:gemini-cli-api-key/default-api-key" || len(res.Warnings) != 0 {
		t.Fatalf("%v %v", got, res.Warnings)
	}
	res = Discover(Options{Paths: p, Now: time.Now(), Keyring: &Keyring{Label: "keyring", Unavailable: "no keyring here", Watch: []string{"/data/keyrings"}}})
	if len(res.Watch) != 0 {
		t.Errorf("a keyring that was not read is watched: %v", res.Watch)
	}
	n := 0
	for _, f := range res.Files {
		if strings.HasPrefix(f.Path, "keyring:") {
			n++
			if f.State != StateNotRead || f.Reason != "no keyring here" {
				t.Errorf("%+v", f)
			}
		}
	}
	if n != 2 || len(res.Credentials) != 0 {
		t.Errorf("%d keyring rows, %v", n, res.Credentials)
	}
}
