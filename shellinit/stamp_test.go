package shellinit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amika-dev/amika/discovery"
)

func stampSession(t *testing.T, runtime string) Session {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	p, err := discovery.ResolvePaths(home, func(k string) string {
		if k == "XDG_RUNTIME_DIR" {
			return runtime
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return Session{Paths: p}
}

// The runtime directory is used when it is the user's and closed to others; anything else
// sends the stamps to the cache directory, with one warning per shell.
func TestStampPlaces(t *testing.T) {
	base := t.TempDir()
	runtime := filepath.Join(base, "run")
	os.Mkdir(runtime, 0o700)

	s := stampSession(t, runtime)
	path, _, warns, err := s.stamp("abc", 0, 1)
	if err != nil || len(warns) != 0 || filepath.Dir(path) != filepath.Join(runtime, "amika") {
		t.Fatalf("own runtime dir: %s %v %v", path, warns, err)
	}

	victim := filepath.Join(base, "victim")
	os.Mkdir(victim, 0o700)
	old := time.Now().Add(-30 * 24 * time.Hour)
	os.WriteFile(filepath.Join(victim, "hook-dead-0.stamp"), nil, 0o600)
	os.Chtimes(filepath.Join(victim, "hook-dead-0.stamp"), old, old)
	for _, tt := range []struct {
		name, runtime, reason string
	}{
		{"a symlinked runtime dir", "link", "it is a symlink"},
		{"a runtime dir others can write", "open", "lets others replace what is in it"},
		{"a symlink at runtime/amika", "planted", "run/amika: not a private directory: it is a symlink"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(base, tt.runtime)
			switch tt.runtime {
			case "link":
				os.Symlink(victim, dir)
			case "open":
				os.Mkdir(dir, 0o700)
				os.Chmod(dir, 0o777)
			case "planted":
				dir = runtime
				os.RemoveAll(filepath.Join(runtime, "amika"))
				os.Symlink(victim, filepath.Join(runtime, "amika"))
			}
			s := stampSession(t, dir)
			cache := filepath.Join(s.Paths.CacheDir, "amika", "hooks")
			path, _, warns, err := s.stamp("abc", 0, 1)
			if err != nil || filepath.Dir(path) != cache {
				t.Fatalf("stamp %s, %v; want it in %s", path, err, cache)
			}
			if len(warns) != 1 || !strings.Contains(warns[0].String(), tt.reason) || !strings.HasSuffix(warns[0].Reason, "; kept in "+cache+" instead") {
				t.Fatalf("warnings %v", warns)
			}
			// the next refresh of the same shell (the other slot) is quiet
			if _, _, warns, _ := s.stamp("abc", 1, 0); len(warns) != 0 {
				t.Fatalf("second refresh warned again: %v", warns)
			}
			entries, _ := os.ReadDir(victim)
			if len(entries) != 1 || entries[0].Name() != "hook-dead-0.stamp" {
				t.Fatalf("the link's target changed: %v", entries)
			}
		})
	}

	// nowhere private: no stamp, and a refresh without a file test
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)
	s = stampSession(t, file)
	os.MkdirAll(filepath.Dir(s.Paths.CacheDir), 0o700)
	os.WriteFile(s.Paths.CacheDir, nil, 0o600) // the cache "dir" is a file
	path, _, warns, err = s.stamp("abc", 0, 1)
	if err != nil || path != "" || len(warns) != 1 || !strings.Contains(warns[0].Reason, "without a private place") {
		t.Fatalf("no place: %q %v %v", path, warns, err)
	}
	r := NewRefresh(Bash, nil, env(nil), []string{file}, "", 0, time.Time{})
	if got := r.unchanged(posix{}); got != "-n 1" {
		t.Fatalf("test without a stamp: %s", got)
	}
}
