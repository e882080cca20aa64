package safefile

import (
	"os"

	"golang.org/x/sys/unix"
)

// Touch sets path's times to the kernel's now (one utimensat, cheaper than a write, which
// journals data), creating an empty file first when there is none. A symlink at path is
// neither followed nor touched: it is an error.
func Touch(path string) error {
	now := []unix.Timespec{{Nsec: unix.UTIME_NOW}, {Nsec: unix.UTIME_NOW}}
	err := unix.UtimesNanoAt(unix.AT_FDCWD, path, now, unix.AT_SYMLINK_NOFOLLOW)
	if err == unix.ENOENT {
		f, cerr := OpenPrivate(path, os.O_WRONLY|os.O_CREATE, 0o600)
		if cerr != nil {
			return cerr
		}
		f.Close()
		err = unix.UtimesNanoAt(unix.AT_FDCWD, path, now, unix.AT_SYMLINK_NOFOLLOW)
	}
	if err != nil {
		return err
	}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return notRegular(fi.Mode())
	}
	return nil
}
