package sandbox

import (
	"os/exec"
	"runtime"
	"syscall"
	"unsafe"
)

// A sandbox that shares the host's network shares its abstract Unix sockets too: they live
// in the network namespace, not in the file system, so no mount hides them. X11 listens on
// one (@/tmp/.X11-unix/X0), and so do D-Bus buses started with unix:abstract=. On kernels
// with Landlock ABI 6 (Linux 6.12), amika starts bubblewrap in a Landlock domain scoped for
// abstract sockets and signals: nothing inside can connect to an abstract socket created
// outside, or signal a process outside. No file-system rule is set: the mounts do that.

const (
	sysLandlockCreateRuleset = 444
	sysLandlockRestrictSelf  = 446

	landlockCreateRulesetVersion = 1 << 0
	landlockScopeAbstractUnix    = 1 << 0
	landlockScopeSignal          = 1 << 1
	prSetNoNewPrivs              = 38
)

type landlockRulesetAttr struct {
	handledAccessFS  uint64
	handledAccessNet uint64
	scoped           uint64
}

// landlockABI is the kernel's Landlock ABI version, 0 without Landlock.
func landlockABI() int {
	v, _, e := syscall.Syscall(sysLandlockCreateRuleset, 0, 0, landlockCreateRulesetVersion)
	if e != 0 {
		return 0
	}
	return int(v)
}

// scopeThread puts the calling OS thread in a new Landlock domain scoped for abstract Unix
// sockets and signals, with no_new_privs set as Landlock requires. It reports whether it
// did; the thread must not run anything else afterwards.
func scopeThread() bool {
	attr := landlockRulesetAttr{scoped: landlockScopeAbstractUnix | landlockScopeSignal}
	fd, _, e := syscall.Syscall(sysLandlockCreateRuleset, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr), 0)
	if e != 0 {
		return false
	}
	defer syscall.Close(int(fd))
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0, 0, 0, 0); e != 0 {
		return false
	}
	_, _, e = syscall.Syscall(sysLandlockRestrictSelf, fd, 0, 0)
	return e == 0
}

// startScoped starts cmd from an OS thread of its own, scoped as scopeThread says when scope
// is set and the kernel can, so that cmd and everything it starts stay in that domain while
// amika does not. The thread also waits for cmd, and only then ends (it is never unlocked):
// a child's parent-death signal (bwrap --die-with-parent) follows the thread that started
// it, not the process. wait delivers cmd.Wait's error.
func startScoped(cmd *exec.Cmd, scope bool) (wait <-chan error, scoped bool, err error) {
	type result struct {
		scoped bool
		err    error
	}
	started := make(chan result, 1)
	waited := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		s := scope && landlockABI() >= 6 && scopeThread()
		err := cmd.Start()
		started <- result{s, err}
		if err == nil {
			waited <- cmd.Wait()
		}
	}()
	r := <-started
	return waited, r.scoped, r.err
}
