package cli

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/inject"
	"github.com/amika-dev/amika/internal/report"
	"github.com/amika-dev/amika/sandbox"
)

// sandboxHost is what the sandbox commands take from this machine; warnings go to errOut.
func sandboxHost(s *ioStreams) (sandbox.Host, error) {
	paths, err := discovery.DefaultPaths("")
	if err != nil {
		return sandbox.Host{}, err
	}
	var df discoveryFlags
	return sandbox.Host{
		Paths:    paths,
		Getenv:   os.Getenv,
		Store:    openStore,
		Discover: df.discover,
		Engine:   sandbox.NewEngine(os.Getenv),
		Stderr:   s.ErrOut,
		Now:      time.Now,
	}, nil
}

func newSandboxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run agents in local sandboxes that hold exactly the secrets they were given",
		Long: `A sandbox runs a command with bubblewrap: a private home of its own, a workspace (a git
worktree on branch amika/NAME, or a directory), the secrets it names, and the system
directories read-only. Your home, $XDG_RUNTIME_DIR (D-Bus, the keyring, ssh-agent) and
other users' files are not there. docs/sandbox.md says what is visible inside, and what
bubblewrap does not protect against.

  amika sandbox create fix-login --git --secret env:ANTHROPIC_API_KEY=my-claude-key
  amika sandbox exec fix-login -- claude
  amika sandbox delete fix-login`,
	}
	cmd.AddCommand(newSandboxCreateCmd(), newSandboxExecCmd(), newSandboxShellCmd(), newSandboxListCmd(), newSandboxDeleteCmd())
	return cmd
}

type sandboxCreateOptions struct {
	io      *ioStreams
	create  sandbox.CreateOptions
	secrets []string
	network string
	remote  bool
}

func newSandboxCreateCmd() *cobra.Command {
	opts := &sandboxCreateOptions{}
	cmd := &cobra.Command{
		Use:   "create NAME [--git | --dir DIR] [--secret env:VAR=SECRET]… [--provider P]… [--claude ID] [--network host|none] [--ro PATH]… [--env NAME[=VALUE]]…",
		Short: "Record a sandbox: its workspace, secrets (by reference) and network",
		Long: `Record sandbox NAME. Nothing runs yet; "amika sandbox exec NAME -- CMD" starts CMD in it.

  --git                      a git worktree of the current repository, on branch amika/NAME
                             (created from HEAD, or reused); commits made inside land there,
                             as you (your git user.name and user.email, read at each start)
  --dir DIR                  DIR, read-write, instead (its .git stays read-only)
  --secret env:VAR=SECRET    the stored secret SECRET as $VAR
  --secret env:SECRET        the stored secret SECRET under its own name
  --provider P               what discovery resolves for P, under P's variables
  --claude ID                a credential stored by "amika secret claude push": an OAuth
                             login is written into the sandbox's home as Claude Code keeps
                             it (and written back when Claude Code refreshes it); an API key
                             goes in as ANTHROPIC_API_KEY
  --network host|none        share the host's network (default), or none at all
  --ro PATH                  also visible inside, read-only (repeatable)
  --env NAME[=VALUE]         also set inside: VALUE, or the host's $NAME at each start (not
                             for secrets: use --secret)

Secrets are recorded by name and resolved from the store at every start, so a rotated secret
reaches the next start; one that does not exist is an error, now and at start.`,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.create.Name = streamsOf(cmd), args[0]
			return runSandboxCreate(opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.create.Git, "git", false, "a git worktree of the current repository on branch amika/NAME")
	f.StringVar(&opts.create.Dir, "dir", "", "bind `DIR` read-write as the workspace")
	f.StringArrayVar(&opts.secrets, "secret", nil, "inject a stored secret: env:VAR=SECRET or env:SECRET (repeatable)")
	f.StringArrayVar(&opts.create.Providers, "provider", nil, "inject the discovered credential of provider `P` (repeatable)")
	f.StringVar(&opts.create.Claude, "claude", "", "a stored Claude credential by `ID`")
	f.StringVar(&opts.network, "network", "host", "host or none")
	f.StringArrayVar(&opts.create.ReadOnly, "ro", nil, "also bind `PATH` read-only (repeatable)")
	f.StringArrayVar(&opts.create.Env, "env", nil, "also set `NAME[=VALUE]` inside (repeatable; not for secrets)")
	f.BoolVar(&opts.remote, "remote", false, "not supported: sandboxes run on this machine")
	f.MarkHidden("remote")
	return cmd
}

func runSandboxCreate(opts *sandboxCreateOptions) error {
	o := opts.create
	if opts.remote {
		return usagef("sandbox create: --remote: remote sandboxes are not supported; amika's sandboxes run on this machine (drop --remote)")
	}
	if err := sandbox.ValidateName(o.Name); err != nil {
		return usageError{fmt.Errorf("sandbox create: %v", err)}
	}
	refs, err := inject.ParseSecretRefs(opts.secrets)
	if err != nil {
		return usageError{fmt.Errorf("sandbox create: %v", err)}
	}
	o.Secrets = refs
	if o.Network, err = sandbox.ParseNetwork(opts.network); err != nil {
		return usageError{fmt.Errorf("sandbox create: %v", err)}
	}
	if o.Git && o.Dir != "" {
		return usagef("sandbox create: --git and --dir: choose one workspace")
	}
	if o.Cwd, err = os.Getwd(); err != nil {
		return err
	}
	h, err := sandboxHost(opts.io)
	if err != nil {
		return err
	}
	rec, err := sandbox.Create(h, o)
	if err != nil {
		return fmt.Errorf("sandbox create %s: %w", o.Name, err)
	}
	w := opts.io.ErrOut
	switch {
	case rec.Git != nil:
		fmt.Fprintf(w, "amika: sandbox %s: worktree %s on branch %s\n", rec.Name, rec.Workspace, rec.Git.Branch)
	case rec.Workspace != "":
		fmt.Fprintf(w, "amika: sandbox %s: workspace %s\n", rec.Name, rec.Workspace)
	default:
		fmt.Fprintf(w, "amika: sandbox %s: no workspace (commands start in its home)\n", rec.Name)
	}
	return nil
}

type sandboxStartOptions struct {
	io   *ioStreams
	verb string // exec or shell, for errors
	name string
	argv []string
}

func newSandboxExecCmd() *cobra.Command {
	opts := &sandboxStartOptions{verb: "exec"}
	return &cobra.Command{
		Use:   "exec NAME -- CMD [ARGS…]",
		Short: "Run CMD in sandbox NAME; its exit status is amika's",
		Long: `Run CMD in sandbox NAME with its secrets resolved from the store now. CMD is looked up
on your PATH; when it is installed outside the system directories (an npm prefix,
~/.local/bin), its installation is made visible inside, read-only. CMD starts in the
current directory when that lies in the workspace, else in the workspace. The sandbox ends
with amika; CMD's exit status is amika's.`,
		Args: wrapArgs(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 1 {
				return usagef("sandbox exec: want NAME -- CMD [ARGS…]")
			}
			opts.io, opts.name, opts.argv = streamsOf(cmd), args[0], args[1:]
			return runSandboxStart(opts)
		},
	}
}

func newSandboxShellCmd() *cobra.Command {
	opts := &sandboxStartOptions{verb: "shell"}
	return &cobra.Command{
		Use:   "shell NAME",
		Short: "Start your shell ($SHELL) in sandbox NAME",
		Args:  wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			shell := os.Getenv("SHELL")
			if shell == "" {
				shell = "/bin/sh"
			}
			opts.io, opts.name, opts.argv = streamsOf(cmd), args[0], []string{shell}
			return runSandboxStart(opts)
		},
	}
}

// runSandboxStart runs the command in the sandbox; its exit status is amika's.
func runSandboxStart(opts *sandboxStartOptions) error {
	h, err := sandboxHost(opts.io)
	if err != nil {
		return err
	}
	cwd, err := os.Getwd()
	if err != nil {
		cwd = h.Paths.Home
	}
	status, err := sandbox.Start(h, opts.name, opts.argv, cwd)
	if errors.Is(err, sandbox.ErrNotFound) {
		return fmt.Errorf("sandbox %s: %w", opts.verb, err) // the error names the sandbox
	}
	if err != nil {
		return fmt.Errorf("sandbox %s %s: %w", opts.verb, opts.name, err)
	}
	if status != 0 {
		return exitError{status}
	}
	return nil
}

type sandboxListOptions struct {
	io     *ioStreams
	output outputFlag
}

func newSandboxListCmd() *cobra.Command {
	opts := &sandboxListOptions{}
	cmd := &cobra.Command{
		Use:   "list [-o json]",
		Short: "List sandboxes (never a secret's value)",
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.io = streamsOf(cmd)
			return runSandboxList(opts)
		},
	}
	opts.output.register(cmd)
	return cmd
}

func runSandboxList(opts *sandboxListOptions) error {
	f, err := opts.output.parse()
	if err != nil {
		return err
	}
	h, err := sandboxHost(opts.io)
	if err != nil {
		return err
	}
	all, err := sandbox.List(h)
	if err != nil {
		return fmt.Errorf("sandbox list: %w", err)
	}
	return report.Sandboxes(opts.io.Out, f, all, h.Paths)
}

type sandboxDeleteOptions struct {
	io    *ioStreams
	name  string
	force bool
}

func newSandboxDeleteCmd() *cobra.Command {
	opts := &sandboxDeleteOptions{}
	cmd := &cobra.Command{
		Use:   "delete NAME [--force]",
		Short: "Delete a sandbox: its home and worktree (the branch amika/NAME stays)",
		Long: `Delete sandbox NAME: its home, its record and, for a --git sandbox, its worktree. The
branch amika/NAME stays in your repository with what was committed inside; nothing else of
your repository is touched. A running sandbox is refused; so is a worktree with uncommitted
changes, unless --force.`,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.name = streamsOf(cmd), args[0]
			return runSandboxDelete(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.force, "force", false, "also delete a worktree that holds uncommitted changes")
	return cmd
}

func runSandboxDelete(opts *sandboxDeleteOptions) error {
	h, err := sandboxHost(opts.io)
	if err != nil {
		return err
	}
	rec, err := sandbox.Delete(h, opts.name, opts.force)
	if errors.Is(err, sandbox.ErrNotFound) {
		return fmt.Errorf("sandbox delete: %w", err)
	}
	if err != nil {
		return fmt.Errorf("sandbox delete %s: %w", opts.name, err)
	}
	if rec.Git != nil {
		fmt.Fprintf(opts.io.ErrOut, "amika: sandbox %s deleted; branch %s stays in %s\n", opts.name, rec.Git.Branch, rec.Git.Repo)
	}
	return nil
}
