package sandbox

import (
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// closeInherited marks every descriptor from 3 up close-on-exec, so that none amika was
// started with (a directory, a socket of its parent's) reaches the sandbox: a directory
// descriptor would open the whole file system to it. amika's own are close-on-exec already;
// the engine passes what it means to pass explicitly.
func closeInherited() {
	if unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
