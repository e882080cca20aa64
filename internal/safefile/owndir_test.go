//go:build unix

package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOwnDir(t *testing.T) {
	base := t.TempDir()
	mine := filepath.Join(base, "mine")
	os.Mkdir(mine, 0o755)
	if err := OwnDir(mine); err != nil {
		t.Fatalf("a directory of the user's, writable only by the user: %v", err)
	}
	sticky := filepath.Join(base, "sticky")
	os.Mkdir(sticky, 0o700)
	os.Chmod(sticky, 0o777|os.ModeSticky)
	if err := OwnDir(sticky); err != nil {
		t.Fatalf("a sticky directory (others cannot rename what is not theirs): %v", err)
	}
	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o777)
	if err := OwnDir(open); !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "0777") {
		t.Fatalf("a directory others can write: %v", err)
	}
	if fi, _ := os.Stat(open); fi.Mode().Perm() != 0o777 {
		t.Fatalf("OwnDir changed the mode: %v", fi.Mode())
	}
	link := filepath.Join(base, "link")
	os.Symlink(mine, link)
	if err := OwnDir(link); !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("a symlink: %v", err)
	}
	if err := OwnDir(filepath.Join(base, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(base, "missing")); err == nil {
		t.Fatal("OwnDir created the directory")
	}
	if os.Geteuid() == 0 {
		foreign := filepath.Join(base, "foreign")
		os.Mkdir(foreign, 0o700)
		os.Chown(foreign, 65534, 65534)
		if err := OwnDir(foreign); !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "uid 65534") {
			t.Fatalf("another user's directory: %v", err)
		}
	}
}
