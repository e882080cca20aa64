//go:build unix

package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

const noFollow = syscall.O_NOFOLLOW

// mapFile maps size bytes of f read-only; release unmaps them.
func mapFile(f *os.File, size int64) (data []byte, release func(), err error) {
	m, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, err
	}
	return m, func() { syscall.Munmap(m) }, nil
}

// ErrNotPrivate is returned (wrapped) for a directory amika may not keep its files in: not
// owned by this user, open to others, or a symlink.
var ErrNotPrivate = errors.New("not a private directory")

// PrivateDir makes sure dir is a directory of this user's (the effective uid), not a
// symlink, and closed to everyone else: it is created with mode 0700 when missing (parents
// as needed), and an existing one of the user's that is open to others is closed (0700).
// The directories leading to it must be Trusted: a private directory inside one that
// another user may rename is not private. Anything else (another user's directory, or one
// on the way, a symlink, a file) is ErrNotPrivate: the caller falls back to another place,
// or fails, and never writes there.
func PrivateDir(dir string) error {
	parent := filepath.Dir(dir)
	if err := Trusted(parent); err != nil {
		return fmt.Errorf("%w: %w", ErrNotPrivate, err)
	}
	if err := privateDir(dir); err != nil {
		return err
	}
	// Again once it exists: a directory on the way may have been made by someone else
	// between the check and the creation.
	if err := Trusted(parent); err != nil {
		return fmt.Errorf("%w: %w", ErrNotPrivate, err)
	}
	return nil
}

func privateDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(dir), 0o700); err == nil {
			err = os.Mkdir(dir, 0o700)
		}
	}
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return unwrap(err)
	}
	fi, err := myDir(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("%w: mode %#o, and it cannot be closed: %v", ErrNotPrivate, fi.Mode().Perm(), unwrap(err))
		}
	}
	return nil
}

// myDir is dir's Lstat when dir is a directory of the effective user's, not a symlink;
// anything else is ErrNotPrivate.
func myDir(dir string) (fs.FileInfo, error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, unwrap(err)
	}
	switch st := fi.Sys().(*syscall.Stat_t); {
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%w: it is a symlink", ErrNotPrivate)
	case !fi.IsDir():
		return nil, fmt.Errorf("%w: it is %s", ErrNotPrivate, FileType(fi.Mode()))
	case int(st.Uid) != os.Geteuid():
		return nil, fmt.Errorf("%w: it belongs to uid %d, not to uid %d", ErrNotPrivate, st.Uid, os.Geteuid())
	}
	return fi, nil
}

// OwnedByMe reports whether fi (from Lstat or Stat) belongs to the effective user.
func OwnedByMe(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// OpenPrivate opens (creating when missing, mode perm) a file amika keeps for itself. The
// last component is never followed if it is a symlink, and only a regular file is accepted,
// so a link or FIFO planted in its place is an error rather than a write elsewhere.
func OpenPrivate(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_NOCTTY|syscall.O_CLOEXEC, perm)
	if errors.Is(err, syscall.ELOOP) {
		return nil, notRegular(fs.ModeSymlink)
	}
	if err != nil {
		return nil, describeOpenError(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot stat: %v", unwrap(err))
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(fi.Mode())
	}
	// Back to blocking for the callers' reads and writes (a regular file never blocks).
	syscall.SetNonblock(int(f.Fd()), false)
	return f, nil
}

// CreateExcl creates path, which must not exist, mode perm, without following a symlink.
func CreateExcl(path string, perm fs.FileMode) (*os.File, error) {
	return OpenPrivate(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
}

// Lock takes an exclusive lock on path (a file amika keeps for itself, created 0600 when
// missing) and returns the function that releases it. The lock goes with the process: a
// writer killed mid-write releases it.
func Lock(path string) (unlock func(), err error) {
	f, err := lockFile(path, syscall.LOCK_EX)
	if err != nil {
		return nil, err
	}
	return unlocker(f), nil
}

// TryLock is Lock without waiting: ok is false when another process holds the lock.
func TryLock(path string) (unlock func(), ok bool, err error) {
	f, err := lockFile(path, syscall.LOCK_EX|syscall.LOCK_NB)
	if f == nil {
		return nil, false, err
	}
	return unlocker(f), true, nil
}

// ErrLockRemoved is LockShared's error for a lock file removed while it waited.
var ErrLockRemoved = errors.New("the lock file was removed")

// LockShared takes a shared lock on path, as Lock takes an exclusive one: any number of
// holders at once, while Lock waits for them all and they for it. The holder of the
// exclusive lock may remove the file (it guarded something being deleted): a shared lock
// then won on the removed file guards nothing, and is ErrLockRemoved.
func LockShared(path string) (unlock func(), err error) {
	f, err := lockFile(path, syscall.LOCK_SH)
	if err != nil {
		return nil, err
	}
	held, err1 := f.Stat()
	now, err2 := os.Lstat(path)
	if err1 != nil || err2 != nil || !os.SameFile(held, now) {
		f.Close()
		return nil, ErrLockRemoved
	}
	return unlocker(f), nil
}

// lockFile opens path (created 0600 when missing) and locks it (flock how). With LOCK_NB,
// f is nil, and so is err, when another process holds the lock.
func lockFile(path string, how int) (f *os.File, err error) {
	f, err = OpenPrivate(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %v", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if how&syscall.LOCK_NB != 0 && err == syscall.EWOULDBLOCK {
			return nil, nil
		}
		return nil, fmt.Errorf("lock %s: %v", path, err)
	}
	return f, nil
}

// unlocker is the function that releases f's lock.
func unlocker(f *os.File) func() {
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}
}

// OwnDir checks, changing nothing, that dir is a directory of this user's (the effective
// uid), not a symlink, in which no other user can add, rename or remove entries: not
// writable by group or others, unless sticky. That is a directory amika may make its own
// private directory in (say $XDG_RUNTIME_DIR, which is not amika's to create or chmod).
// Anything else is ErrNotPrivate.
func OwnDir(dir string) error {
	fi, err := myDir(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return fmt.Errorf("%w: mode %#o lets others replace what is in it", ErrNotPrivate, fi.Mode().Perm())
	}
	return nil
}
