//go:build linux

package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// Per-thread ids (raw syscalls; Go's syscall.Seteuid changes every thread).
func setEuid(uid int) error {
	_, _, e := syscall.RawSyscall(syscall.SYS_SETRESUID, ^uintptr(0), uintptr(uid), ^uintptr(0))
	if e != 0 {
		return e
	}
	return nil
}

func setEgid(gid int) error {
	_, _, e := syscall.RawSyscall(syscall.SYS_SETRESGID, ^uintptr(0), uintptr(gid), ^uintptr(0))
	if e != 0 {
		return e
	}
	return nil
}

func asRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs root to make files of another uid (CI runs as root)")
		}
		t.Skip("needs root to make files of another uid")
	}
}

// asUser runs f with the effective uid and gid of another user: Trusted's rules for the
// user's own files differ from those for root's. The thread stays locked to those ids.
func asUser(t *testing.T, uid, gid int, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		if err := setEgid(gid); err != nil {
			t.Errorf("setegid: %v", err)
			return
		}
		if err := setEuid(uid); err != nil {
			t.Errorf("seteuid: %v", err)
			return
		}
		f()
	}()
	<-done
}

func wantUntrusted(t *testing.T, what, path, at, reason string) {
	t.Helper()
	err := Trusted(path)
	var ue *UntrustedError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUntrusted) {
		t.Fatalf("%s: Trusted(%s) = %v, want untrusted", what, path, err)
	}
	if ue.Path != at || !strings.Contains(ue.Reason, reason) {
		t.Fatalf("%s: %q, want %s %s…", what, err, at, reason)
	}
}

func wantTrusted(t *testing.T, what, path string) {
	t.Helper()
	if err := Trusted(path); err != nil {
		t.Fatalf("%s: Trusted(%s) = %v", what, path, err)
	}
}

// A path is the user's when nobody else can change what it names; an environment inherited
// from another user (XDG_DATA_HOME=/tmp/alice/share) is not.
func TestTrusted(t *testing.T) {
	asRoot(t)
	base := t.TempDir()
	os.Chmod(base, 0o755)
	os.Chmod(filepath.Dir(base), 0o755)
	mine := filepath.Join(base, "mine")
	os.MkdirAll(filepath.Join(mine, "amika"), 0o700)
	os.WriteFile(filepath.Join(mine, "amika", "keychain.json"), nil, 0o600)
	wantTrusted(t, "the user's own file", filepath.Join(mine, "amika", "keychain.json"))
	wantTrusted(t, "a missing file in the user's directory", filepath.Join(mine, "amika", "missing", "x"))
	wantTrusted(t, "a relative path", ".")

	// another user's directory anywhere on the way, even with the user's own inside it
	alice := filepath.Join(base, "alice")
	os.MkdirAll(filepath.Join(alice, "share", "amika"), 0o755)
	os.WriteFile(filepath.Join(alice, "share", "amika", "keychain.json"), nil, 0o600)
	os.Chown(filepath.Join(alice, "share"), 65534, 65534)
	wantUntrusted(t, "another user's directory on the way", filepath.Join(alice, "share", "amika", "keychain.json"),
		filepath.Join(alice, "share"), "belongs to uid 65534, not to uid 0")
	wantUntrusted(t, "a missing file in another user's directory", filepath.Join(alice, "share", "missing"),
		filepath.Join(alice, "share"), "uid 65534")
	os.Chown(filepath.Join(alice, "share"), 0, 0)
	os.Chown(filepath.Join(alice, "share", "amika", "keychain.json"), 65534, 65534)
	wantUntrusted(t, "another user's file", filepath.Join(alice, "share", "amika", "keychain.json"),
		filepath.Join(alice, "share", "amika", "keychain.json"), "uid 65534")

	// directories others may write: only the sticky bit makes them safe to pass through.
	// Root's are the system's, whatever their mode; the user is uid 65534 here.
	open := filepath.Join(base, "open")
	os.MkdirAll(filepath.Join(open, "sub"), 0o700)
	os.Chmod(open, 0o777)
	wantTrusted(t, "root's directory anyone may write (a /tmp without its sticky bit)", filepath.Join(open, "sub"))
	os.Chown(filepath.Join(open, "sub"), 65534, 65534)
	wantUntrusted(t, "another user's entry in root's open directory", filepath.Join(open, "sub", "x"), filepath.Join(open, "sub"), "uid 65534")
	os.Chown(filepath.Join(open, "sub"), 0, 0)
	loose := filepath.Join(base, "loose.json")
	os.WriteFile(loose, nil, 0o600)
	os.Chmod(loose, 0o666)
	wantTrusted(t, "root's file anyone may write", loose)
	ownGroup, otherGroup := filepath.Join(base, "group"), filepath.Join(base, "other-group")
	for dir, gid := range map[string]int{ownGroup: 65534, otherGroup: 0} {
		os.Mkdir(dir, 0o700)
		os.Chmod(dir, 0o770)
		os.Chown(dir, 65534, gid)
	}
	os.Chown(open, 65534, 65534)
	os.Chown(loose, 65534, 65534)
	asUser(t, 65534, 65534, func() {
		wantUntrusted(t, "the user's directory anyone may write", filepath.Join(open, "sub"), open, "writable by others (mode 0777)")
		os.Chmod(open, 0o777|os.ModeSticky)
		wantTrusted(t, "the user's sticky directory, like /tmp", filepath.Join(open, "sub"))
		wantTrusted(t, "a directory writable by the user's own group", filepath.Join(ownGroup, "x"))
		wantUntrusted(t, "a directory writable by another group", filepath.Join(otherGroup, "x"), otherGroup, "writable by group 0")
		wantUntrusted(t, "the user's file anyone may write", loose, loose, "writable by others")
	})
	os.Chown(open, 0, 0)

	// symlinks: followed, and each one must be the user's (or root's) itself
	os.Symlink(filepath.Join(alice, "share"), filepath.Join(mine, "to-alice"))
	os.Chown(filepath.Join(alice, "share"), 65534, 65534)
	wantUntrusted(t, "a symlink of the user's to another user's directory", filepath.Join(mine, "to-alice", "amika"),
		filepath.Join(alice, "share"), "uid 65534")
	os.Symlink(mine, filepath.Join(open, "planted"))
	os.Lchown(filepath.Join(open, "planted"), 65534, 65534)
	wantUntrusted(t, "another user's symlink (in a sticky directory) to the user's directory", filepath.Join(open, "planted", "amika"),
		filepath.Join(open, "planted"), "uid 65534")
	os.Symlink(filepath.Join(mine, "amika"), filepath.Join(mine, "link"))
	wantTrusted(t, "a symlink of the user's to the user's directory", filepath.Join(mine, "link", "keychain.json"))
	os.Symlink("amika/keychain.json", filepath.Join(mine, "rel"))
	wantTrusted(t, "a relative symlink", filepath.Join(mine, "rel"))
	// ".." after a symlink is the target's parent, as the kernel takes it
	os.MkdirAll(filepath.Join(mine, "deep", "er"), 0o700)
	os.Symlink(filepath.Join(alice, "share", "amika"), filepath.Join(mine, "deep", "up"))
	wantUntrusted(t, "\"..\" after a symlink", filepath.Join(mine, "deep", "up")+"/../x", filepath.Join(alice, "share"), "uid 65534")
	os.Symlink("loop", filepath.Join(mine, "loop"))
	wantUntrusted(t, "a symlink loop", filepath.Join(mine, "loop"), filepath.Join(mine, "loop"), "too many levels")
}

// A private directory is not private inside one another user may rename.
func TestPrivateDirChecksTheWayThere(t *testing.T) {
	asRoot(t)
	base := t.TempDir()
	alice := filepath.Join(base, "alice")
	os.Mkdir(alice, 0o755)
	os.Chown(alice, 65534, 65534)
	dir := filepath.Join(alice, "share", "amika")
	err := PrivateDir(dir)
	if !errors.Is(err, ErrNotPrivate) || !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), alice+" belongs to uid 65534") {
		t.Fatalf("PrivateDir under another user's directory: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(alice, "share")); err == nil {
		t.Fatal("PrivateDir created a directory inside another user's")
	}
	// the user's own directory, already there, inside another user's
	os.MkdirAll(dir, 0o700)
	if err := PrivateDir(dir); !errors.Is(err, ErrNotPrivate) {
		t.Fatalf("the user's directory inside another user's: %v", err)
	}
	if _, err := LockPrivate(filepath.Join(dir, "x.lock")); !errors.Is(err, ErrNotPrivate) {
		t.Fatalf("LockPrivate: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "x.lock")); err == nil {
		t.Fatal("LockPrivate created its file")
	}
}
