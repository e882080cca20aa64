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

// ErrUntrusted is returned (wrapped, see UntrustedError) for a path that someone other
// than the effective user and root could change.
var ErrUntrusted = errors.New("not the user's own")

// UntrustedError says which part of a path another user controls, and how.
type UntrustedError struct {
	Path   string // the directory, symlink or file at fault
	Reason string // "belongs to uid 65534, not to uid 0", "is writable by others (mode 0777)"
}

func (e *UntrustedError) Error() string        { return e.Path + " " + e.Reason }
func (e *UntrustedError) Is(target error) bool { return target == ErrUntrusted }

// Trusted checks that nobody but the effective user and root can change what path names:
// every directory on the way to it, as its symlinks resolve, every such symlink, and path
// itself when it exists, belong to the user or to root, and none of the user's is writable
// by other users (by others, or by a group other than the user's own) except a directory
// with the sticky bit, in which no one may rename or remove what is not theirs. What root
// owns is the system's, whatever its mode. An environment
// inherited from another user (XDG_DATA_HOME under `su` without `-`) would otherwise have
// amika read, and hand out, what that user planted.
//
// A path that does not exist, or stops existing part of the way, is trusted as far as it
// goes: whatever amika creates there it creates as the user's own, and checks again. A
// component that cannot be looked at (a directory the user may not search) is left to the
// open that follows, which fails the same way. Failures are *UntrustedError, naming the
// first component at fault.
func Trusted(path string) error {
	if !filepath.IsAbs(path) {
		// Not filepath.Abs: cleaning "link/.." away would not be what the kernel does.
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		path = wd + "/" + path
	}
	me, group := os.Geteuid(), os.Getegid()
	if fi, err := os.Lstat("/"); err == nil {
		if err := trustedInfo("/", fi, me, group); err != nil {
			return err
		}
	}
	_, _, err := Resolve(path, func(at string, fi fs.FileInfo) error { return trustedInfo(at, fi, me, group) })
	var untrusted *UntrustedError
	switch {
	case errors.As(err, &untrusted):
		return err
	case errors.Is(err, errTooManyLinks):
		return &UntrustedError{Path: path, Reason: "has too many levels of symlinks"}
	}
	// Missing, or not ours to look at (a component, or a symlink's target): the open that
	// follows says so.
	return nil
}

// trustedInfo checks one component: its owner, and who may write it.
func trustedInfo(path string, fi fs.FileInfo, me, group int) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := int(st.Uid); uid != me && uid != 0 {
		return &UntrustedError{Path: path, Reason: fmt.Sprintf("belongs to uid %d, not to uid %d", uid, me)}
	}
	mode := fi.Mode()
	if mode&fs.ModeSymlink != 0 {
		return nil // a symlink's own mode means nothing; its owner and directory do
	}
	if st.Uid == 0 {
		// The system's: how root sets up /tmp (a container's without its sticky bit, say)
		// is root's choice. What another user makes in it is theirs, and refused below it.
		return nil
	}
	if mode.IsDir() && mode&fs.ModeSticky != 0 {
		return nil // others may add entries, never rename or remove the user's
	}
	switch perm := mode.Perm(); {
	case perm&0o002 != 0:
		return &UntrustedError{Path: path, Reason: fmt.Sprintf("is writable by others (mode %#o)", perm)}
	case perm&0o020 != 0 && int(st.Gid) != group:
		return &UntrustedError{Path: path, Reason: fmt.Sprintf("is writable by group %d (mode %#o), not the user's own group", st.Gid, perm)}
	}
	return nil
}
