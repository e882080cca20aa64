//go:build !windows

package inject

import (
	"fmt"
	"os/exec"
	"syscall"
)

// Exec replaces amika with argv[0], found on PATH, with env as its environment. The command
// keeps amika's process id, so signals sent to amika reach it, and its exit status is the
// one amika's parent sees. Exec returns only on failure.
func Exec(argv []string, env []string) error {
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return fmt.Errorf("%s: %v", argv[0], unwrapExec(err))
	}
	err = syscall.Exec(path, argv, env)
	return fmt.Errorf("%s: %v", argv[0], err)
}

func unwrapExec(err error) error {
	if e, ok := err.(*exec.Error); ok {
		return e.Err
	}
	return err
}
