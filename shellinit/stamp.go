package shellinit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
)

// NewHookID returns a fresh id for one shell's stamp file. It is random, not the shell's
// pid: two live shells must never share a stamp, and pids come back.
func NewHookID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ValidHookID reports whether id can name a stamp file.
func ValidHookID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// StampDir is where hooks keep one stamp file per shell: $XDG_RUNTIME_DIR/amika when set and
// absolute (a tmpfs cleared at logout), else <cache dir>/amika/hooks.
func StampDir(p discovery.Paths, getenv func(string) string) string {
	if d := getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "amika")
	}
	return filepath.Join(p.CacheDir, "amika", "hooks")
}

func stampPath(dir, id string, slot int) string {
	return filepath.Join(dir, fmt.Sprintf("hook-%s-%d.stamp", id, slot))
}

// staleStamp is how long a stamp may go unrefreshed before another shell removes it. A
// shell whose stamp was removed refreshes once at its next prompt and writes a new one.
const staleStamp = 7 * 24 * time.Hour

// TouchStamp writes the stamp file of hook id in dir, in the slot the shell is not using,
// and returns its path and modification time. It is written before discovery reads
// anything, with the kernel's clock (the one every other file's mtime comes from): a source
// written afterwards has an mtime no older than it. The shell keeps comparing with the old
// slot until it has applied this refresh, so a refresh cut short hides no change.
func TouchStamp(dir, id string, slot int) (string, time.Time, error) {
	if !ValidHookID(id) {
		return "", time.Time{}, fmt.Errorf("hook id %q: want 1 to 64 hex digits", id)
	}
	path := stampPath(dir, id, slot)
	_, statErr := os.Stat(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", time.Time{}, fmt.Errorf("hook stamp: %v", err)
	}
	if err := touchNow(path); err != nil {
		return "", time.Time{}, fmt.Errorf("hook stamp: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("hook stamp: %v", err)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		removeStaleStamps(dir, fi.ModTime())
	}
	return path, fi.ModTime(), nil
}

func removeStaleStamps(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "hook-") || !strings.HasSuffix(e.Name(), ".stamp") {
			continue
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > staleStamp {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
