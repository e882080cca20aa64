package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	amikarun "github.com/amika-dev/amika/run"
	"github.com/amika-dev/amika/sandbox"
)

func newSandboxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run an agent in a sandbox on this machine that holds exactly the secrets it was given",
		Long: `A sandbox (bubblewrap) sees the system's programs read-only, its workspace read-write,
a home of its own and the secrets it was created with; not your home, your other
credentials, your keyring, ssh-agent or D-Bus. docs/sandbox.md describes what is visible.`,
	}
	cmd.AddCommand(newSandboxCreateCmd(), newSandboxExecCmd(), newSandboxShellCmd(), newSandboxListCmd(), newSandboxDeleteCmd())
	return cmd
}

func sandboxManager() (*sandbox.Manager, error) {
	paths, err := discovery.DefaultPaths("")
	if err != nil {
		return nil, err
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	var df discoveryFlags
	return &sandbox.Manager{
		Root:     sandbox.Root(paths.DataDir),
		Home:     paths.Home,
		Engine:   &sandbox.Bubblewrap{},
		Environ:  os.Environ(),
		Cwd:      cwd,
		Store:    openStore,
		Discover: df.discover,
		Warn:     func(s string) { fmt.Fprintf(os.Stderr, "amika: warning: %s\n", s) },
		Note:     func(s string) { fmt.Fprintf(os.Stderr, "amika: %s\n", s) },
	}, nil
}

func newSandboxCreateCmd() *cobra.Command {
	var (
		opt     sandbox.CreateOptions
		secrets []string
		remote  bool
	)
	cmd := &cobra.Command{
		Use:   "create NAME [--git | --dir DIR] [--secret env:VAR=SECRET]… [--provider P]… [--claude ID] [--network host|none] [--ro PATH]… [--env NAME[=VALUE]]…",
		Short: "Record a sandbox: its workspace and the secrets it gets at each start",
		Long: `Record a sandbox. Secrets are recorded by name and read from the store at each start, so
a rotated secret reaches the next start; one that does not exist is an error naming it.

  --git                      a worktree of the current repository on branch amika/NAME
  --dir DIR                  DIR, read-write, instead
  --secret env:VAR=SECRET    the stored secret SECRET as $VAR (env:SECRET: its own name)
  --provider P               what discovery resolves for P, under P's variables
  --claude ID                a Claude credential stored by "amika secret claude push": an
                             OAuth login becomes Claude Code's own login in the sandbox's home
  --network none             no network but the sandbox's own loopback (default: host)
  --ro PATH                  PATH, read-only, at the same path
  --env NAME=VALUE, --env NAME
                             a plain variable (not a secret), or amika's $NAME at each start

  amika sandbox create work --git --secret env:ANTHROPIC_API_KEY=my-claude-key
  amika sandbox create work --git --claude oauth
  amika sandbox exec work -- claude`,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if remote {
				return usagef("--remote: remote sandboxes are not supported: amika runs sandboxes on this machine, with bubblewrap (drop --remote)")
			}
			for _, s := range secrets {
				ref, err := amikarun.ParseSecretRef(s)
				if err != nil {
					return usageError{err}
				}
				opt.Secrets = append(opt.Secrets, ref)
			}
			if opt.Git && opt.Dir != "" {
				return usagef("--git and --dir: a sandbox has one workspace")
			}
			if opt.Network != "host" && opt.Network != "none" {
				return usagef("--network %q: want host or none", opt.Network)
			}
			opt.Name = args[0]
			m, err := sandboxManager()
			if err != nil {
				return err
			}
			c, err := m.Create(opt)
			if err != nil {
				return err
			}
			r := c.Record
			msg := "sandbox " + r.Name + " created"
			switch {
			case r.Git != nil && c.ReusedBranch:
				msg += ": worktree " + r.Workspace + " continues the existing branch " + r.Git.Branch
			case r.Git != nil:
				msg += ": worktree " + r.Workspace + " on the new branch " + r.Git.Branch
			case r.Workspace != "":
				msg += ": workspace " + r.Workspace
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "amika: %s\n", msg)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opt.Git, "git", false, "a worktree of the current repository on branch amika/NAME")
	f.StringVar(&opt.Dir, "dir", "", "bind `DIR` read-write as the workspace")
	f.StringArrayVar(&secrets, "secret", nil, "a stored secret: env:VAR=SECRET or env:SECRET (repeatable)")
	f.StringArrayVar(&opt.Providers, "provider", nil, "the discovered credential of provider `P` (repeatable)")
	f.StringVar(&opt.Claude, "claude", "", "a stored Claude credential by `ID`")
	f.StringVar(&opt.Network, "network", "host", "host, or none")
	f.StringArrayVar(&opt.ReadOnly, "ro", nil, "bind `PATH` read-only (repeatable)")
	f.StringArrayVar(&opt.Env, "env", nil, "a plain variable: NAME=VALUE, or NAME for amika's own at each start (repeatable)")
	f.BoolVar(&remote, "remote", false, "not supported: sandboxes run on this machine")
	f.MarkHidden("remote")
	return cmd
}

// commandStatus turns a command's exit status into amika's.
func commandStatus(status int, err error) error {
	if err != nil {
		return err
	}
	if status != 0 {
		return exitError{status}
	}
	return nil
}

func newSandboxExecCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exec NAME -- CMD [ARGS…]",
		Short: "Run CMD inside a sandbox; its exit status is amika's",
		Long: `Run CMD inside sandbox NAME, with the sandbox's secrets read from the store now. CMD is
looked up on your PATH; installed outside the system directories (an npm prefix,
~/.local/bin), its installation is bound read-only so it runs inside. CMD's exit status is
amika's; the sandbox ends with amika.`,
		Args: wrapArgs(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if at := cmd.ArgsLenAtDash(); at != 1 {
				return usagef("want: amika sandbox exec NAME -- CMD [ARGS…]")
			}
			m, err := sandboxManager()
			if err != nil {
				return err
			}
			return commandStatus(m.Exec(args[0], args[1:], sandbox.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
		},
	}
	return cmd
}

func newSandboxShellCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "shell NAME",
		Short: "Start your shell ($SHELL, else /bin/sh) inside a sandbox",
		Args:  wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := sandboxManager()
			if err != nil {
				return err
			}
			sh := os.Getenv("SHELL")
			if sh == "" {
				sh = "/bin/sh"
			}
			return commandStatus(m.Exec(args[0], []string{sh}, sandbox.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
		},
	}
}

func newSandboxListCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List sandboxes: NAME, WORKSPACE, SECRETS, NETWORK, RUNNING",
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			m, err := sandboxManager()
			if err != nil {
				return err
			}
			list, err := m.List()
			if err != nil {
				return err
			}
			if output == "json" {
				if list == nil {
					list = []sandbox.Info{}
				}
				return writeJSON(cmd.OutOrStdout(), list)
			}
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "NAME\tWORKSPACE\tSECRETS\tNETWORK\tRUNNING")
			for _, s := range list {
				var refs []string
				for _, r := range s.Secrets {
					refs = append(refs, r.Var+"="+r.Secret)
				}
				for _, p := range s.Providers {
					refs = append(refs, "provider "+p)
				}
				if s.Claude != "" {
					refs = append(refs, "claude "+s.Claude)
				}
				ws := s.Workspace
				if s.Git != nil {
					ws += " (" + s.Git.Branch + ")"
				}
				running := "no"
				if s.Running {
					running = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, dash(ws), dash(strings.Join(refs, ", ")), s.Network, running)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func newSandboxDeleteCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a sandbox: its home and worktree (its branch amika/NAME stays)",
		Long: `Delete sandbox NAME: its home, its record and, for --git, its worktree. The branch
amika/NAME stays in the repository with every commit made inside; nothing else of the
repository is touched. Refuses while the sandbox runs, and while its worktree holds changes
not committed (--force deletes them).`,
		Args: wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := sandboxManager()
			if err != nil {
				return err
			}
			r, err := m.Delete(args[0], force)
			if err != nil {
				return err
			}
			msg := "sandbox " + args[0] + " deleted"
			if r != nil && r.Git != nil {
				msg += "; branch " + r.Git.Branch + " stays in " + r.Git.Repo
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "amika: %s\n", msg)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "also delete changes not committed in the worktree")
	return cmd
}
