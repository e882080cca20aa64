//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package term

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// IsTerminal reports whether r is a terminal amika can ask a question on.
func IsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
	return err == nil
}

// ReadHidden reads one line from the terminal r with echo turned off.
func ReadHidden(r io.Reader) (string, error) {
	f, ok := r.(*os.File)
	if !ok {
		return ReadLine(r)
	}
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err == nil {
		quiet := *old
		quiet.Lflag &^= unix.ECHO
		quiet.Lflag |= unix.ICANON | unix.ECHONL
		if unix.IoctlSetTermios(fd, ioctlSetTermios, &quiet) == nil {
			defer unix.IoctlSetTermios(fd, ioctlSetTermios, old)
		}
	}
	return ReadLine(f)
}

// Name is the path of the terminal r is, for programs that ask on it themselves (gpg's
// pinentry through GPG_TTY); "" when r is no terminal or its path is unknown.
func Name(r io.Reader) string {
	f, ok := r.(*os.File)
	if !ok || !IsTerminal(r) {
		return ""
	}
	tty, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", f.Fd()))
	if err != nil {
		return ""
	}
	return tty
}
