// Package cli wires amika's commands with cobra. Each command parses its flags and calls one
// package function; behaviour lives in the packages it calls.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/amika-dev/amika/store"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
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
	{"store", newStoreCmd},
	{"sandbox", newSandboxCmd},
}

// NewRoot builds the whole command tree.
func NewRoot() *cobra.Command {
	root := newRoot("")
	root.Version = buildVersion()
	groups(root)
	return root
}

// newRoot builds the root with only the named top-level command, or with all of them when
// only is empty or names none. It leaves Version unset (reading the build information costs
// allocations): only cobra's --version needs it, and Main sets it before handing a run to
// cobra.
func newRoot(only string) *cobra.Command {
	root := &cobra.Command{
		Use:   "amika",
		Short: "Find, store and hand out coding agents' API keys and OAuth tokens",
		Long: `amika finds the API keys and OAuth tokens that coding agents (Claude Code, Codex,
OpenCode, Gemini CLI, Amp) keep on this machine, keeps secrets in the OS keyring, and hands
them to shells, git and processes on demand.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(flagError)
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

// groups makes every command that only groups others (amika, amika secret, …) answer a word
// that names none of them with a usage error. Only cobra's Execute runs a group, so only the
// trees handed to it get this (a leaf run directly never needs it). cobra would print the group's help and
// succeed (so a typo in a script went unnoticed), and at the root quote the word whole,
// which may be a value typed in the wrong place.
func groups(cmd *cobra.Command) {
	if !cmd.HasSubCommands() {
		return
	}
	if cmd.RunE == nil && cmd.Run == nil {
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = runGroup
	}
	for _, c := range cmd.Commands() {
		groups(c)
	}
}

// runGroup shows a group's help, or refuses a word that names none of its commands. The
// word is shown only as a mistyped command: a short lower-case word near one of the
// group's commands (cobra's suggestions), never one that could be a value or a password.
func runGroup(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	word := args[0]
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only in its own lookup
	}
	if s := cmd.SuggestionsFor(word); len(s) > 0 && commandLike(word) {
		alternatives := s[len(s)-1]
		if len(s) > 1 {
			alternatives = strings.Join(s[:len(s)-1], ", ") + " or " + alternatives
		}
		return usagef("unknown command %q for %q; did you mean %s?", word, cmd.CommandPath(), alternatives)
	}
	return usagef("unknown command for %q (an argument of %s; %s --help lists them)", cmd.CommandPath(), store.LengthText(word), cmd.CommandPath())
}

// commandLike says whether word could be a mistyped command: a short lower-case word that
// does not look like a key.
func commandLike(word string) bool {
	if word == "" || len(word) > 24 || store.LooksLikeKey(word) {
		return false
	}
	for i := 0; i < len(word); i++ {
		c := word[i]
		if !(c >= 'a' && c <= 'z' || i > 0 && (c == '-' || c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// Main runs amika with os.Args and returns the exit status.
func Main() int {
	args := os.Args[1:]
	if filepath.Base(os.Args[0]) == "git-credential-amika" {
		// git runs credential.helper=amika as git-credential-amika ACTION.
		args = append([]string{"credential"}, args...)
	}
	return runArgs(args, true)
}

// runArgs runs amika with args. The commands that run before a prompt or inside git
// (credential, init --refresh-id, auth extract) are leaves of the tree, and cobra's Execute
// costs them more than their own work: it builds the help and completion commands and walks
// the tree on every run. So with direct set, a run that names a leaf by its exact name, with
// flags and arguments that parse, calls that leaf's RunE itself; anything else (help,
// completion, a usage error, a name cobra resolves another way) goes to cobra on a fresh
// tree, which prints what it always did.
func runArgs(args []string, direct bool) int {
	only := ""
	if len(args) > 0 {
		only = args[0]
	}
	if direct {
		if cmd, pos := leaf(newRoot(only), args); cmd != nil {
			cmd.SetContext(context.Background())
			return exitStatus(cmd.RunE(cmd, pos))
		}
	}
	root := newRoot(only)
	root.Version = buildVersion()
	// cobra adds its completion command within Execute; added here, it is a group like the
	// others (`amika completion ksh` is a usage error, not its help).
	root.InitDefaultCompletionCmd(args...)
	groups(root)
	root.SetArgs(args)
	return exitStatus(root.Execute())
}

// leaf finds the leaf command args name and prepares it the way cobra's Execute would:
// flags parsed, arguments checked. It returns the command and its positional arguments, or
// nil, having run nothing, when args name no leaf by exact names, when the leaf or a parent
// has run hooks, or when parsing or checking fails: such a run, and its error message, are
// cobra's. (amika registers no cobra.OnInitialize functions, which a direct run would skip.)
func leaf(root *cobra.Command, args []string) (*cobra.Command, []string) {
	cmd := root
	for cmd.HasSubCommands() {
		if len(args) == 0 {
			return nil, nil
		}
		var next *cobra.Command
		for _, c := range cmd.Commands() {
			if c.Name() == args[0] {
				next = c
				break
			}
		}
		if next == nil {
			return nil, nil
		}
		cmd, args = next, args[1:]
	}
	if cmd == root || cmd.RunE == nil || cmd.Deprecated != "" || cmd.DisableFlagParsing || hasHooks(cmd) {
		return nil, nil
	}
	if err := cmd.ParseFlags(args); err != nil {
		return nil, nil
	}
	args = cmd.Flags().Args()
	if cmd.ValidateArgs(args) != nil || cmd.ValidateRequiredFlags() != nil || cmd.ValidateFlagGroups() != nil {
		return nil, nil
	}
	return cmd, args
}

// exitStatus reports err, if any, on stderr and returns the exit status it stands for.
func exitStatus(err error) int {
	if err == nil {
		return 0
	}
	var exit exitError
	if errors.As(err, &exit) {
		return exit.code
	}
	fmt.Fprintf(os.Stderr, "amika: %s\n", err)
	var usage usageError
	if errors.As(err, &usage) {
		return 2
	}
	return 1
}

// hasHooks reports whether cobra would run anything around cmd's RunE.
func hasHooks(cmd *cobra.Command) bool {
	if cmd.PreRun != nil || cmd.PreRunE != nil || cmd.PostRun != nil || cmd.PostRunE != nil {
		return true
	}
	for c := cmd; c != nil; c = c.Parent() {
		if c.PersistentPreRun != nil || c.PersistentPreRunE != nil || c.PersistentPostRun != nil || c.PersistentPostRunE != nil {
			return true
		}
	}
	return false
}

// flagError turns pflag's parse error into a usage error in amika's words. pflag quotes
// the argument it could not take (`invalid argument "sk-…" for "--yes" flag`, `unknown
// shorthand flag: 'x' in -xsk-…`), which may be a value typed in the wrong place, so the
// message names the flag and says what it wants instead.
func flagError(cmd *cobra.Command, err error) error {
	what := commandName(cmd)
	if what != "" {
		what += ": "
	}
	var invalid *pflag.InvalidValueError
	var unknown *pflag.NotExistError
	var syntax *pflag.InvalidSyntaxError
	switch {
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		want := f.Value.Type()
		if want == "bool" {
			want = "true or false"
		} else {
			want = "a value of type " + want
		}
		return usagef("%s--%s: not a value it takes (%s given; it takes %s)", what, f.Name, store.LengthText(invalid.GetValue()), want)
	case errors.As(err, &unknown):
		if short := unknown.GetSpecifiedShortnames(); short != "" {
			name := unknown.GetSpecifiedName()
			if c := name[0]; c < 'A' || c > 'Z' && c < 'a' || c > 'z' {
				return usagef("%sunknown shorthand flag in an argument of %s", what, store.LengthText(short))
			}
			return usagef("%sunknown shorthand flag -%c", what, name[0])
		}
		if name := unknown.GetSpecifiedName(); commandLike(name) {
			return usagef("%sunknown flag: --%s", what, name)
		}
		return usagef("%sunknown flag (an argument of %s)", what, store.LengthText(unknown.GetSpecifiedName()))
	case errors.As(err, &syntax):
		return usagef("%sbad flag syntax (an argument of %s)", what, store.LengthText(syntax.GetSpecifiedFlag()))
	}
	return usageError{fmt.Errorf("%s%w", what, err)}
}

// wrapArgs turns a failed argument check into a usage error in amika's words. cobra's own
// messages quote a surplus argument, which may be a value typed in the wrong place
// (`amika secret list sk-…`), so this one counts the arguments and shows the usage line.
func wrapArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		var own usageError
		if err == nil || errors.As(err, &own) {
			return err // a check of amika's own says what is wrong itself
		}
		given := fmt.Sprintf("%d arguments", len(args))
		switch len(args) {
		case 0:
			given = "no arguments"
		case 1:
			given = "1 argument"
		}
		return usagef("%s: wrong number of arguments (%s given); usage: %s", commandName(cmd), given, cmd.UseLine())
	}
}

// commandName is cmd's path without amika's own name ("secret get"); "" for amika itself.
func commandName(cmd *cobra.Command) string {
	return strings.TrimPrefix(strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()), " ")
}
