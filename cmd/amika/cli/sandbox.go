package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	amikarun "github.com/amika-dev/amika/run"
	"github.com/amika-dev/amika/sandbox"
)

func sandboxHost() (sandbox.Host, error) {
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
		Stderr:   os.Stderr,
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

func newSandboxCreateCmd() *cobra.Command {
	var (
		o       sandbox.CreateOptions
		secrets []string
		network string
		remote  bool
	)
	cmd := &cobra.Command{
		Use:   "create NAME [--git | --dir DIR] [--secret env:VAR=SECRET]… [--provider P]… [--claude ID] [--network host|none] [--ro PATH]… [--env NAME[=VALUE]]…",
		Short: "Record a sandbox: its workspace, secrets (by reference) and network",
		Long: `Record sandbox NAME. Nothing runs yet; "amika sandbox exec NAME -- CMD" starts CMD in it.

  --git                      a git worktree of the current repository, on branch amika/NAME
                             (created from HEAD, or reused); commits made inside land there
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
			if remote {
				return usagef("sandbox create: --remote: remote sandboxes are not supported; amika's sandboxes run on this machine (drop --remote)")
			}
			o.Name = args[0]
			if err := sandbox.ValidateName(o.Name); err != nil {
				return usageError{fmt.Errorf("sandbox create: %v", err)}
			}
			for _, s := range secrets {
				ref, err := amikarun.ParseSecretRef(s)
				if err != nil {
					return usageError{fmt.Errorf("sandbox create: %v", err)}
				}
				o.Secrets = append(o.Secrets, ref)
			}
			n, err := sandbox.ParseNetwork(network)
			if err != nil {
				return usageError{fmt.Errorf("sandbox create: %v", err)}
			}
			o.Network = n
			if o.Git && o.Dir != "" {
				return usagef("sandbox create: --git and --dir: choose one workspace")
			}
			if o.Cwd, err = os.Getwd(); err != nil {
				return err
			}
			h, err := sandboxHost()
			if err != nil {
				return err
			}
			rec, err := sandbox.Create(h, o)
			if err != nil {
				return fmt.Errorf("sandbox create %s: %w", o.Name, err)
			}
			w := cmd.ErrOrStderr()
			switch {
			case rec.Git != nil:
				fmt.Fprintf(w, "amika: sandbox %s: worktree %s on branch %s\n", rec.Name, rec.Workspace, rec.Git.Branch)
			case rec.Workspace != "":
				fmt.Fprintf(w, "amika: sandbox %s: workspace %s\n", rec.Name, rec.Workspace)
			default:
				fmt.Fprintf(w, "amika: sandbox %s: no workspace (commands start in its home)\n", rec.Name)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Git, "git", false, "a git worktree of the current repository on branch amika/NAME")
	f.StringVar(&o.Dir, "dir", "", "bind `DIR` read-write as the workspace")
	f.StringArrayVar(&secrets, "secret", nil, "inject a stored secret: env:VAR=SECRET or env:SECRET (repeatable)")
	f.StringArrayVar(&o.Providers, "provider", nil, "inject the discovered credential of provider `P` (repeatable)")
	f.StringVar(&o.Claude, "claude", "", "a stored Claude credential by `ID`")
	f.StringVar(&network, "network", "host", "host or none")
	f.StringArrayVar(&o.ReadOnly, "ro", nil, "also bind `PATH` read-only (repeatable)")
	f.StringArrayVar(&o.Env, "env", nil, "also set `NAME[=VALUE]` inside (repeatable; not for secrets)")
	f.BoolVar(&remote, "remote", false, "not supported: sandboxes run on this machine")
	f.MarkHidden("remote")
	return cmd
}

// startSandbox runs argv in sandbox name and turns its exit status into amika's.
func startSandbox(name string, argv []string) error {
	h, err := sandboxHost()
	if err != nil {
		return err
	}
	cwd, err := os.Getwd()
	if err != nil {
		cwd = h.Paths.Home
	}
	status, err := sandbox.Start(h, name, argv, cwd)
	if err != nil {
		return fmt.Errorf("sandbox %s: %w", name, err)
	}
	if status != 0 {
		return exitError{status}
	}
	return nil
}

func newSandboxExecCmd() *cobra.Command {
	cmd := &cobra.Command{
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
			return startSandbox(args[0], args[1:])
		},
	}
	return cmd
}

func newSandboxShellCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "shell NAME",
		Short: "Start your shell ($SHELL) in sandbox NAME",
		Args:  wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			shell := os.Getenv("SHELL")
			if shell == "" {
				shell = "/bin/sh"
			}
			return startSandbox(args[0], []string{shell})
		},
	}
}

type jsonSandbox struct {
	Name      string   `json:"name"`
	Running   bool     `json:"running"`
	Workspace string   `json:"workspace,omitempty"`
	Repo      string   `json:"repo,omitempty"`
	Branch    string   `json:"branch,omitempty"`
	Network   string   `json:"network,omitempty"`
	Secrets   []string `json:"secrets"`
	Providers []string `json:"providers"`
	Claude    string   `json:"claude,omitempty"`
	ReadOnly  []string `json:"ro"`
	Created   string   `json:"created,omitempty"`
}

func newSandboxListCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list [-o json]",
		Short: "List sandboxes (never a secret's value)",
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			h, err := sandboxHost()
			if err != nil {
				return err
			}
			all, err := sandbox.List(h)
			if err != nil {
				return fmt.Errorf("sandbox list: %w", err)
			}
			rows := make([]jsonSandbox, 0, len(all))
			for _, s := range all {
				r := jsonSandbox{Name: s.Name, Running: s.Running, Workspace: s.Workspace, Network: string(s.Network),
					Secrets: []string{}, Providers: append([]string{}, s.Providers...), Claude: s.Claude, ReadOnly: append([]string{}, s.ReadOnly...)}
				if s.Git != nil {
					r.Repo, r.Branch = s.Git.Repo, s.Git.Branch
				}
				for _, x := range s.Secrets {
					r.Secrets = append(r.Secrets, x.Var+"="+x.Secret)
				}
				if !s.Created.IsZero() {
					r.Created = s.Created.UTC().Format(time.RFC3339)
				}
				rows = append(rows, r)
			}
			out := cmd.OutOrStdout()
			if output == "json" {
				return writeJSON(out, rows)
			}
			tw := newTable(out)
			fmt.Fprintln(tw, "NAME\tSTATUS\tWORKSPACE\tBRANCH\tNETWORK\tSECRETS")
			for _, r := range rows {
				status := "stopped"
				if r.Running {
					status = "running"
				}
				if r.Created == "" {
					status = "incomplete"
				}
				inject := append(append([]string{}, r.Secrets...), r.Providers...)
				if r.Claude != "" {
					inject = append(inject, "claude:"+r.Claude)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, status, dash(tildePath(r.Workspace, h.Paths.Home)), dash(r.Branch), dash(r.Network), dash(strings.Join(inject, ",")))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table or json")
	return cmd
}

func newSandboxDeleteCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "delete NAME [--force]",
		Short: "Delete a sandbox: its home and worktree (the branch amika/NAME stays)",
		Long: `Delete sandbox NAME: its home, its record and, for a --git sandbox, its worktree. The
branch amika/NAME stays in your repository with what was committed inside; nothing else of
your repository is touched. A running sandbox is refused; so is a worktree with uncommitted
changes, unless --force.`,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := sandboxHost()
			if err != nil {
				return err
			}
			rec, err := sandbox.Delete(h, args[0], force)
			if err != nil {
				if errors.Is(err, sandbox.ErrNotFound) {
					return fmt.Errorf("sandbox delete: %w", err)
				}
				return fmt.Errorf("sandbox delete %s: %w", args[0], err)
			}
			if rec.Git != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "amika: sandbox %s deleted; branch %s stays in %s\n", args[0], rec.Git.Branch, rec.Git.Repo)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "also delete a worktree that holds uncommitted changes")
	return cmd
}
