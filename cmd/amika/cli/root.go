// Package cli wires amika's commands with cobra. Each command parses its flags and calls one
// package function; behaviour lives in the packages it calls.
package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at link time (-ldflags "-X …/cli.version=v1.2.3"); otherwise it comes from
// the module's build information.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "devel"
}

// usageError marks a mistake in the command line: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitError carries an exit status without a message (already reported, or none needed).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// topLevel lists amika's commands. Building a command costs allocations, and a process
// that runs before every prompt pays for each one, so a run builds only the command it was
// asked for (see Main).
var topLevel = []struct {
	name  string
	build func() *cobra.Command
}{
	{"auth", newAuthCmd},
	{"credential", newCredentialCmd},
	{"secret", newSecretCmd},
	{"run", newRunCmd},
	{"init", newInitCmd},
	{"direnv", newDirenvCmd},
	{"sandbox", newSandboxCmd},
}

// NewRoot builds the whole command tree.
func NewRoot() *cobra.Command { return newRoot("") }

// newRoot builds the root with only the named top-level command, or with all of them when
// only is empty or names none.
func newRoot(only string) *cobra.Command {
	root := &cobra.Command{
		Use:   "amika",
		Short: "Find, store and hand out coding agents' API keys and OAuth tokens",
		Long: `amika finds the API keys and OAuth tokens that coding agents (Claude Code, Codex,
OpenCode, Amp) keep on this machine, keeps secrets in the OS keyring, and hands them to
shells, git and processes on demand.`,
		Version:       buildVersion(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	for _, c := range topLevel {
		if c.name == only {
			root.AddCommand(c.build())
			return root
		}
	}
	for _, c := range topLevel {
		root.AddCommand(c.build())
	}
	return root
}

// Main runs amika with os.Args and returns the exit status.
func Main() int {
	if filepath.Base(os.Args[0]) == "git-credential-amika" {
		// git runs credential.helper=amika as git-credential-amika ACTION.
		return run(newRoot("credential"), append([]string{"credential"}, os.Args[1:]...))
	}
	args := os.Args[1:]
	only := ""
	if len(args) > 0 {
		only = args[0]
	}
	return run(newRoot(only), args)
}

func run(root *cobra.Command, args []string) int {
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var exit exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	fmt.Fprintf(os.Stderr, "amika: %s\n", err)
	var usage usageError
	if errors.As(err, &usage) || strings.HasPrefix(err.Error(), "unknown command") {
		return 2
	}
	return 1
}

// exactArgs and friends make cobra's argument checks usage errors.
func wrapArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}
