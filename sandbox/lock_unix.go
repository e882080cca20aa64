//go:build unix

package sandbox

import (
	"fmt"
	"os"
	"syscall"

	"github.com/amika-dev/amika/internal/safefile"
)

// Every start of a sandbox holds a shared lock on its lock file for as long as CMD runs;
// delete takes it exclusively, without waiting, so it never removes a running sandbox.

// lockShared takes a shared lock on path (created 0600 when missing), waiting for a delete in
// progress. The descriptor is close-on-exec: the sandbox does not inherit it.
func lockShared(path string) (unlock func(), err error) {
	f, err := safefile.OpenPrivate(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %v", path, err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %v", path, err)
	}
	// A delete that held the lock removed the file: this lock guards nothing.
	held, err1 := f.Stat()
	now, err2 := os.Lstat(path)
	if err1 != nil || err2 != nil || !os.SameFile(held, now) {
		f.Close()
		return nil, errDeleted
	}
	return func() { f.Close() }, nil
}

// running reports whether some start holds the lock of the sandbox in dir.
func running(dir string) bool {
	unlock, ok, err := safefile.TryLock(dir + "/" + lockFile)
	if err != nil {
		return false
	}
	if !ok {
		return true
	}
	unlock()
	return false
}
