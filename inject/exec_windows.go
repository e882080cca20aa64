package inject

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
)

// ExitStatus is the command's exit status, for amika to exit with.
type ExitStatus int

func (e ExitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// ExitCode is the status to exit with.
func (e ExitStatus) ExitCode() int { return int(e) }

// Exec runs argv as a child (Windows has no exec), forwards interrupts to it, and returns
// its exit status as an ExitStatus.
func Exec(argv []string, env []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %v", argv[0], err)
	}
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, os.Interrupt)
	go func() {
		for s := range sig {
			cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	signal.Stop(sig)
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return ExitStatus(exit.ExitCode())
	}
	if err != nil {
		return err
	}
	return ExitStatus(0)
}
