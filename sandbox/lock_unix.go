//go:build unix

package sandbox

import (
	"errors"

	"github.com/amika-dev/amika/internal/safefile"
)

// Every start of a sandbox holds a shared lock on its lock file for as long as CMD runs;
// delete takes it exclusively, without waiting, so it never removes a running sandbox.

// lockShared takes a shared lock on path (created 0600 when missing), waiting for a delete in
// progress. The descriptor is close-on-exec: the sandbox does not inherit it.
func lockShared(path string) (unlock func(), err error) {
	unlock, err = safefile.LockShared(path)
	if errors.Is(err, safefile.ErrLockRemoved) {
		return nil, errDeleted // a delete that held the lock removed the file
	}
	return unlock, err
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
