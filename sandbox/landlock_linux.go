package sandbox

import (
	"errors"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Abstract Unix sockets (an X server's @/tmp/.X11-unix/X0, a D-Bus bus started with
// unix:abstract=…) belong to the network namespace, not the file system: a sandbox that
// shares the network reaches them, whatever it sees of the files. Landlock (Linux 6.12,
// ABI 6) scopes them: a process confined this way connects only to abstract sockets its
// own domain created, and signals only processes of its domain.

const (
	landlockCreateRulesetVersion = 1 << 0
	landlockScopeAbstractUnix    = 1 << 0
	landlockScopeSignal          = 1 << 1
)

var landlockABI = sync.OnceValue(func() int {
	abi, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, landlockCreateRulesetVersion)
	if errno != 0 {
		return 0
	}
	return int(abi)
})

// scopesSockets says whether this kernel keeps a sandbox from the abstract sockets outside.
func scopesSockets() bool { return landlockABI() >= 6 }

// scopeThread confines the calling OS thread, and every process it starts from now on, to
// its own abstract sockets and processes. The caller locks its goroutine to the thread and
// never unlocks it, so the thread ends with the goroutine. no_new_privs, which Landlock
// requires, is set on the thread too.
func scopeThread() error {
	if !scopesSockets() {
		return errors.New("Landlock cannot scope abstract sockets on this kernel")
	}
	attr := struct{ fs, net, scoped uint64 }{scoped: landlockScopeAbstractUnix | landlockScopeSignal}
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr), 0)
	if errno != 0 {
		return errno
	}
	defer unix.Close(int(fd))
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	if _, _, errno := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, fd, 0, 0); errno != 0 {
		return errno
	}
	return nil
}
