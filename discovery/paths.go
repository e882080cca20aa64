package discovery

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Paths holds every directory discovery reads from. It is computed once from the home
// directory and the environment, so tests and callers can set each one.
type Paths struct {
	Home      string // H: --homedir, else $HOME, else the OS user's home
	CacheDir  string // $XDG_CACHE_HOME or H/.cache
	DataDir   string // $XDG_DATA_HOME or H/.local/share
	StateDir  string // $XDG_STATE_HOME or H/.local/state
	ClaudeDir string // $CLAUDE_CONFIG_DIR or H/.claude
	// ClaudeState is where Claude Code keeps .claude.json: $CLAUDE_CONFIG_DIR or H.
	ClaudeState string
	// ClaudeSecureDir is where Claude Code keeps .credentials.json:
	// $CLAUDE_SECURESTORAGE_CONFIG_DIR when set (set and empty: H/.claude), else ClaudeDir.
	ClaudeSecureDir string
	// ClaudeKeychain is Claude Code's OAuth item in the macOS Keychain; zero elsewhere.
	ClaudeKeychain KeyringItem
	CodexHome      string // $CODEX_HOME or H/.codex
	GeminiDir      string // ($GEMINI_CLI_HOME or H)/.gemini
	// RuntimeDir is $XDG_RUNTIME_DIR when absolute, else empty. It may be another user's
	// (su without - keeps it): amika checks it before making anything in it.
	RuntimeDir string
}

// ResolvePaths computes Paths for homedir (empty: $HOME, then the OS user's home) with
// getenv supplying the environment (a variable set to "" counts as unset).
func ResolvePaths(homedir string, getenv func(string) string) (Paths, error) {
	return resolvePaths(homedir, func(k string) (string, bool) {
		v := getenv(k)
		return v, v != ""
	}, runtime.GOOS)
}

// DefaultPaths resolves Paths from the process environment.
func DefaultPaths(homedir string) (Paths, error) {
	return resolvePaths(homedir, os.LookupEnv, runtime.GOOS)
}

func resolvePaths(homedir string, lookup func(string) (string, bool), goos string) (Paths, error) {
	getenv := func(k string) string { v, _ := lookup(k); return v }
	h := homedir
	if h == "" {
		h = getenv("HOME")
	}
	if h == "" {
		u, err := user.Current()
		if err != nil || u.HomeDir == "" {
			return Paths{}, errors.New("cannot determine the home directory: set HOME or pass --homedir")
		}
		h = u.HomeDir
	}
	p := Paths{
		Home:        h,
		CacheDir:    xdg(getenv, "XDG_CACHE_HOME", filepath.Join(h, ".cache")),
		DataDir:     xdg(getenv, "XDG_DATA_HOME", filepath.Join(h, ".local", "share")),
		StateDir:    xdg(getenv, "XDG_STATE_HOME", filepath.Join(h, ".local", "state")),
		ClaudeDir:   filepath.Join(h, ".claude"),
		ClaudeState: h,
		CodexHome:   filepath.Join(h, ".codex"),
		GeminiDir:   filepath.Join(h, ".gemini"),
		RuntimeDir:  xdg(getenv, "XDG_RUNTIME_DIR", ""),
	}
	if d := getenv("CLAUDE_CONFIG_DIR"); d != "" {
		p.ClaudeDir, p.ClaudeState = d, d
	}
	p.ClaudeSecureDir = p.ClaudeDir
	if d, set := lookup("CLAUDE_SECURESTORAGE_CONFIG_DIR"); set {
		p.ClaudeSecureDir = d
		if d == "" {
			p.ClaudeSecureDir = filepath.Join(h, ".claude")
		}
	}
	if d := getenv("CODEX_HOME"); d != "" {
		p.CodexHome = d
	}
	if d := getenv("GEMINI_CLI_HOME"); d != "" {
		p.GeminiDir = filepath.Join(d, ".gemini")
	}
	if goos == "darwin" {
		p.ClaudeKeychain = ClaudeKeychainItem(lookup, h, loginName)
	}
	return p, nil
}

// HostIdentity is this machine's host name and this user's name: what Gemini CLI derives
// its file key from (Options.Identity).
func HostIdentity() (host, user string, err error) {
	if host, err = os.Hostname(); err != nil {
		return "", "", err
	}
	if user, err = loginName(); err != nil {
		return "", "", err
	}
	return host, user, nil
}

func loginName() (string, error) {
	u, err := user.Current()
	if err != nil {
		return "", err
	}
	return u.Username, nil
}

// ClaudeKeychainItem derives the Keychain item Claude Code keeps its OAuth login in, as
// Claude Code does: service "Claude Code-credentials", followed by "-" and the first 8 hex
// digits of the SHA-256 of the configuration directory (Unicode NFC) when
// CLAUDE_SECURESTORAGE_CONFIG_DIR is set and not empty (that directory), or else when
// CLAUDE_CONFIG_DIR is set and not empty (that one); account $USER, else the login name,
// else, or when it holds anything but letters, digits, `.`, `_` and `-`,
// "claude-code-user".
func ClaudeKeychainItem(lookup func(string) (string, bool), home string, login func() (string, error)) KeyringItem {
	const service = "Claude Code-credentials"
	item := KeyringItem{Service: service, Account: "claude-code-user"}
	secure, secureSet := lookup("CLAUDE_SECURESTORAGE_CONFIG_DIR")
	config, _ := lookup("CLAUDE_CONFIG_DIR")
	dir, hashed := config, config != ""
	if secureSet {
		dir, hashed = secure, secure != ""
	}
	if hashed {
		if !isASCII(dir) {
			dir = norm.NFC.String(dir)
		}
		sum := sha256.Sum256([]byte(dir))
		item.Service += "-" + hex.EncodeToString(sum[:])[:8]
	}
	name, _ := lookup("USER")
	if name == "" {
		var err error
		if name, err = login(); err != nil {
			name = ""
		}
	}
	if name != "" && accountName(name) {
		item.Account = name
	}
	return item
}

// accountName reports whether s matches ^[a-zA-Z0-9._-]+$.
func accountName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return s != ""
}

func xdg(getenv func(string) string, name, fallback string) string {
	if v := getenv(name); v != "" && filepath.IsAbs(v) {
		return v
	}
	return fallback
}

// KeychainFile is the file store's path, which is also the amika_keychain source.
func (p Paths) KeychainFile() string {
	return filepath.Join(p.DataDir, "amika", "keychain.json")
}

// amika's own files, besides the store's keychain.json, all in one place.

// StoreStamp is touched after every write to amika's store, whichever backend, so shell
// hooks notice store changes with one mtime test.
func (p Paths) StoreStamp() string {
	return filepath.Join(p.StateDir, "amika", "store.stamp")
}

// HookStamps lists where shell hooks may keep one stamp file per shell, best first:
// <runtime dir>/amika (a tmpfs of the user's, cleared at logout), then <cache dir>/amika/hooks.
func (p Paths) HookStamps() []string {
	fallback := filepath.Join(p.CacheDir, "amika", "hooks")
	if p.RuntimeDir == "" {
		return []string{fallback}
	}
	return []string{filepath.Join(p.RuntimeDir, "amika"), fallback}
}

// KeyringLock serializes writers of the keyring store's index.
func (p Paths) KeyringLock() string {
	return filepath.Join(p.StateDir, "amika", "keyring.lock")
}

// GitLock serializes the credential helper's read-modify-writes of git records.
func (p Paths) GitLock() string {
	return filepath.Join(p.DataDir, "amika", "git-credential.lock")
}

// Tilde shortens path for messages: ~/… when it lies under the home directory.
func (p Paths) Tilde(path string) string {
	if p.Home == "" || p.Home == "/" {
		return path
	}
	if rel, err := filepath.Rel(p.Home, path); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return filepath.Join("~", rel)
	}
	return path
}
