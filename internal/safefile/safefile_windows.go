package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/windows"
)

const noFollow = 0

var ErrNotPrivate = errors.New("not a private directory")

func mapFile(*os.File, int64) ([]byte, func(), error) { return nil, nil, errors.New("no mmap") }

// PrivateDir creates dir when missing; Windows directories in the user's profile are
// already the user's.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return unwrap(err)
	}
	if fi, err := os.Lstat(dir); err != nil {
		return unwrap(err)
	} else if !fi.IsDir() {
		return fmt.Errorf("%w: it is %s", ErrNotPrivate, FileType(fi.Mode()))
	}
	return nil
}

// OwnDir checks that dir is a directory, not a symlink.
func OwnDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return unwrap(err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: it is %s", ErrNotPrivate, FileType(fi.Mode()))
	}
	return nil
}

func OwnedByMe(fs.FileInfo) bool { return true }

func OpenPrivate(path string, flag int, perm fs.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, notRegular(fi.Mode())
	}
	f, err := os.OpenFile(path, flag, perm)
	if err != nil {
		return nil, describeOpenError(err)
	}
	return f, nil
}

func CreateExcl(path string, perm fs.FileMode) (*os.File, error) {
	return OpenPrivate(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
}

func Lock(path string) (func(), error) {
	unlock, _, err := lock(path, windows.LOCKFILE_EXCLUSIVE_LOCK)
	return unlock, err
}

func TryLock(path string) (func(), bool, error) {
	return lock(path, windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY)
}

func lock(path string, flags uint32) (func(), bool, error) {
	f, err := OpenPrivate(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %v", path, err)
	}
	ol := new(windows.Overlapped)
	if err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, ol); err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock %s: %v", path, err)
	}
	return func() {
		windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
		f.Close()
	}, true, nil
}

// ErrUntrusted is never returned on Windows: a profile's directories are the user's.
var ErrUntrusted = errors.New("not the user's own")

// Trusted has nothing to check on Windows.
func Trusted(string) error { return nil }
