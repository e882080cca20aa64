package discovery

import (
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strings"
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
	CodexHome   string // $CODEX_HOME or H/.codex
}

// ResolvePaths computes Paths for homedir (empty: $HOME, then the OS user's home) with
// getenv supplying the environment.
func ResolvePaths(homedir string, getenv func(string) string) (Paths, error) {
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
	}
	if d := getenv("CLAUDE_CONFIG_DIR"); d != "" {
		p.ClaudeDir, p.ClaudeState = d, d
	}
	if d := getenv("CODEX_HOME"); d != "" {
		p.CodexHome = d
	}
	return p, nil
}

// DefaultPaths resolves Paths from the process environment.
func DefaultPaths(homedir string) (Paths, error) {
	return ResolvePaths(homedir, os.Getenv)
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
