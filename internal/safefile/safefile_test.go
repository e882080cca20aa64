//go:build unix

package safefile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test when f has not returned after d: a read that blocks is the bug.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatal("blocked")
	}
}

func TestReadRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		fifo:        "not a regular file (a FIFO)",
		"/dev/zero": "not a regular file (a device)",
		link:        "not a regular file (a device)",
		dir:         "not a regular file (a directory)",
	} {
		within(t, 2*time.Second, func() {
			_, err := ReadFile(path, 1<<20)
			if err == nil || err.Error() != want || !errors.Is(err, ErrNotRegular) {
				t.Errorf("ReadFile(%s) = %v, want %q", path, err, want)
			}
			var r Reader
			_, _, err = r.Read(path, 1<<20)
			if err == nil || err.Error() != want {
				t.Errorf("Reader.Read(%s) = %v, want %q", path, err, want)
			}
		})
	}
}

func TestReadMissingIsErrNotExist(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "nope"), filepath.Join(dir, "a", "b")} {
		if _, err := ReadFile(p, 10); err != fs.ErrNotExist {
			t.Errorf("ReadFile(%s) = %v, want fs.ErrNotExist itself", p, err)
		}
	}
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("x"), 0o600)
	if _, err := ReadFile(filepath.Join(file, "below"), 10); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file on the way: %v", err)
	}
}

func TestReadLimit(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	data := bytes.Repeat([]byte("a"), 300<<10) // mapped by Reader
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFile(p, int64(len(data))); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("at the limit: %d bytes, %v", len(got), err)
	}
	_, err := ReadFile(p, 256<<10)
	if !errors.Is(err, ErrTooLarge) || err.Error() != "larger than 256 KiB" {
		t.Fatalf("past the limit: %v", err)
	}
	var r Reader
	got, release, err := r.Read(p, 1<<20)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Reader: %d bytes, %v", len(got), err)
	}
	if release != nil {
		release()
	}
	if _, _, err := r.Read(p, 1<<10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Reader past the limit: %v", err)
	}
}

func TestReadAllBoundsAStream(t *testing.T) {
	f, err := os.Open("/dev/zero")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	within(t, 5*time.Second, func() {
		if _, err := ReadAll(f, 1<<20, 0); !errors.Is(err, ErrTooLarge) {
			t.Errorf("ReadAll(/dev/zero) = %v, want ErrTooLarge", err)
		}
	})
	got, err := ReadAll(strings.NewReader("hello"), 5, 0)
	if err != nil || string(got) != "hello" {
		t.Fatalf("ReadAll at the limit: %q, %v", got, err)
	}
	if _, err := ReadAll(strings.NewReader("hello!"), 5, 100); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadAll one past the limit: %v", err)
	}
}

func TestNoFollow(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("secret"), 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(target, link)
	if got, err := ReadFile(link, 100); err != nil || string(got) != "secret" {
		t.Fatalf("ReadFile follows links: %q %v", got, err)
	}
	if _, err := ReadFileNoFollow(link, 100); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("ReadFileNoFollow(link) = %v", err)
	}
	if _, err := OpenPrivate(link, os.O_WRONLY|os.O_CREATE, 0o600); err == nil {
		t.Fatal("OpenPrivate followed a symlink")
	}
	dangling := filepath.Join(dir, "dangling")
	os.Symlink(filepath.Join(dir, "created-through-link"), dangling)
	if _, err := CreateExcl(dangling, 0o600); err == nil {
		t.Fatal("CreateExcl through a dangling symlink")
	}
	if err := Touch(dangling); err == nil {
		t.Fatal("Touch of a symlink succeeded")
	}
	if _, err := os.Lstat(filepath.Join(dir, "created-through-link")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a file was created through a symlink")
	}
	if _, err := Lock(link); err == nil {
		t.Fatal("Lock through a symlink")
	}
	fifo := filepath.Join(dir, "fifo")
	syscall.Mkfifo(fifo, 0o600)
	within(t, 2*time.Second, func() {
		if _, err := OpenPrivate(fifo, os.O_WRONLY|os.O_CREATE, 0o600); err == nil {
			t.Error("OpenPrivate opened a FIFO")
		}
	})
}

func TestTouch(t *testing.T) {
	p := filepath.Join(t.TempDir(), "stamp")
	if err := Touch(p); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("created %v %v", fi.Mode(), err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(p, old, old)
	if err := Touch(p); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); time.Since(fi.ModTime()) > time.Minute {
		t.Fatalf("not touched: %v", fi.ModTime())
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := WriteFileAtomic(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("two"), 0o640); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if string(got) != "two" || fi.Mode().Perm() != 0o640 {
		t.Fatalf("got %q mode %v", got, fi.Mode())
	}
	// a symlink at the path is replaced, its target untouched
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("keep"), 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(target, link)
	if err := WriteFileAtomic(link, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "keep" {
		t.Fatalf("wrote through the link: %q", got)
	}
	if fi, _ := os.Lstat(link); !fi.Mode().IsRegular() {
		t.Fatal("the link was not replaced")
	}
	os.WriteFile(filepath.Join(dir, tempPrefix+"dead"), nil, 0o600)
	RemoveTemps(dir)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			t.Fatalf("temp file left: %s", e.Name())
		}
	}
}

func TestPrivateDir(t *testing.T) {
	base := t.TempDir()
	d := filepath.Join(base, "a", "b")
	if err := PrivateDir(d); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(d); fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v", fi.Mode())
	}
	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	if err := PrivateDir(open); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(open); fi.Mode().Perm() != 0o700 {
		t.Fatalf("an open directory of the user's stays open: %v", fi.Mode())
	}
	link := filepath.Join(base, "link")
	os.Symlink(d, link)
	if err := PrivateDir(link); !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("symlink: %v", err)
	}
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)
	if err := PrivateDir(file); !errors.Is(err, ErrNotPrivate) {
		t.Fatalf("file: %v", err)
	}
	if os.Geteuid() == 0 {
		foreign := filepath.Join(base, "foreign")
		os.Mkdir(foreign, 0o700)
		os.Chown(foreign, 65534, 65534)
		if err := PrivateDir(foreign); !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "uid 65534") {
			t.Fatalf("another user's directory: %v", err)
		}
	}
}

func TestTryLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	unlock, err := Lock(p)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file description: a second open conflicts even in
	// the same process.
	if _, ok, err := TryLock(p); ok || err != nil {
		t.Fatalf("TryLock while locked: ok=%v err=%v", ok, err)
	}
	unlock()
	u2, ok, err := TryLock(p)
	if !ok || err != nil {
		t.Fatalf("TryLock when free: ok=%v err=%v", ok, err)
	}
	u2()
}

func TestLockShared(t *testing.T) {
	p := filepath.Join(t.TempDir(), "lock")
	u1, err := LockShared(p)
	if err != nil {
		t.Fatal(err)
	}
	u2, err := LockShared(p)
	if err != nil {
		t.Fatalf("a second shared lock: %v", err)
	}
	if _, ok, err := TryLock(p); ok || err != nil {
		t.Fatalf("TryLock while shared locks are held: ok=%v err=%v", ok, err)
	}
	u1()
	u2()

	if runtime.GOOS != "linux" {
		return // the rest watches /proc/self/fd
	}
	unlock, err := Lock(p)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		u, err := LockShared(p)
		if u != nil {
			u()
		}
		got <- err
	}()
	// Once LockShared has the file open, the holder of the exclusive lock removes it.
	for opened := false; !opened; {
		fds, _ := os.ReadDir("/proc/self/fd")
		n := 0
		for _, fd := range fds {
			if l, _ := os.Readlink("/proc/self/fd/" + fd.Name()); l == p {
				n++
			}
		}
		opened = n == 2
		runtime.Gosched()
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	unlock()
	if err := <-got; !errors.Is(err, ErrLockRemoved) {
		t.Fatalf("LockShared on a lock file removed while it waited: %v, want ErrLockRemoved", err)
	}
}

func TestReadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("A=1\n"), 0o600)
	if got, err := ReadInput(file, 10); err != nil || string(got) != "A=1\n" {
		t.Fatalf("regular file: %q, %v", got, err)
	}
	if _, err := ReadInput(file, 3); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("regular file past the limit: %v", err)
	}
	// A pipe, as bash's <(…) hands one over: /dev/fd/N.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() { w.Write([]byte("B=2\n")); w.Close() }()
	within(t, 5*time.Second, func() {
		got, err := ReadInput(fmt.Sprintf("/dev/fd/%d", r.Fd()), 10)
		if err != nil || string(got) != "B=2\n" {
			t.Errorf("pipe: %q, %v", got, err)
		}
	})
	// A FIFO nobody writes to reads as empty instead of blocking the open.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	within(t, 5*time.Second, func() {
		if got, err := ReadInput(fifo, 10); err != nil || len(got) != 0 {
			t.Errorf("FIFO without a writer: %q, %v", got, err)
		}
	})
	for path, want := range map[string]string{
		"/dev/zero": "not a regular file nor a pipe (a device)",
		dir:         "not a regular file nor a pipe (a directory)",
	} {
		within(t, 5*time.Second, func() {
			if _, err := ReadInput(path, 1<<20); err == nil || err.Error() != want || !errors.Is(err, ErrNotRegular) {
				t.Errorf("ReadInput(%s) = %v, want %q", path, err, want)
			}
		})
	}
}

func TestLockPrivateMakesItsDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "amika")
	unlock, err := LockPrivate(filepath.Join(dir, "x.lock"))
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if fi, err := os.Lstat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("lock directory: %v, %v", fi, err)
	}
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(dir, link)
	if _, err := LockPrivate(filepath.Join(link, "x.lock")); !errors.Is(err, ErrNotPrivate) {
		t.Fatalf("a symlinked directory: %v", err)
	}
}
