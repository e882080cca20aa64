package cli

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/report"
	"github.com/amika-dev/amika/store"
	"github.com/amika-dev/amika/store/agent"
)

func newSecretAgentCmd(name string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   name,
		Short: fmt.Sprintf("Store %s credentials (API key or OAuth JSON) and manage them", agent.Title(name)),
	}
	cmd.AddCommand(newAgentPushCmd(name), newAgentListCmd(name), newAgentDeleteCmd(name))
	return cmd
}

type agentPushOptions struct {
	io                          *ioStreams
	agent                       string
	typ, value, fromFile, label string
	yes                         bool
	scope                       scopeFlag
}

func newAgentPushCmd(name string) *cobra.Command {
	opts := &agentPushOptions{agent: name}
	cmd := &cobra.Command{
		Use:   "push [--type oauth|api_key] [--value V] [--from-file F] [--name LABEL]",
		Short: fmt.Sprintf("Store a %s credential, chosen among those found on this machine", agent.Title(name)),
		Long: fmt.Sprintf(`Store a %[1]s credential. With no flags, amika lists the %[1]s credentials on this
machine (its files, $%[2]s, and on macOS the Keychain) and lets you choose.
--type oauth takes the OAuth credential JSON whole (refresh token included), or for
Claude a bare token (what "claude setup-token" prints); without --type, an OAuth JSON or
an sk-ant-oat token is oauth. --type api_key without --value takes $%[2]s.
An OAuth credential keeps its expiry: one already past it is stored with a warning, and
amika hands it out nowhere. The credential is stored as
%[3]s-LABEL (LABEL from --name, default "oauth" or "api-key"): that ID is what
"amika run --%[3]s ID" and "amika run --secret env:VAR=ID" take.
With --yes and several credentials found, the first one listed is stored.`, agent.Title(name), agent.EnvKey(name), name),
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.io = streamsOf(cmd)
			return runAgentPush(opts)
		},
	}
	cmd.Flags().StringVar(&opts.typ, "type", "", "credential type: oauth or api_key")
	cmd.Flags().StringVar(&opts.value, "value", "", "the credential itself (prefer --from-file: argv is visible to other processes)")
	cmd.Flags().StringVar(&opts.fromFile, "from-file", "", "read the credential from this file (an OAuth JSON or a key)")
	cmd.Flags().StringVar(&opts.label, "name", "", "label; the credential is stored as "+name+"-LABEL")
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "store without asking")
	opts.scope.register(cmd, "user")
	return cmd
}

func runAgentPush(opts *agentPushOptions) error {
	t := store.Type(opts.typ)
	if t != "" && t != store.TypeOAuth && t != store.TypeAPIKey {
		return usagef("--type: want oauth or api_key")
	}
	if opts.value != "" && opts.fromFile != "" {
		return usagef("--value and --from-file exclude each other")
	}
	if opts.label != "" {
		if err := store.ValidateName(agent.ID(opts.agent, opts.label)); err != nil {
			return usageError{fmt.Errorf("--name: %v", err)}
		}
	}
	paths, err := discovery.DefaultPaths("")
	if err != nil {
		return err
	}
	chosen, err := opts.candidate(t, paths)
	if err != nil {
		return err
	}
	s, err := chosen.Secret(opts.label)
	if err != nil {
		return err
	}
	st, err := opts.scope.open(opts.io.CanPrompt())
	if err != nil {
		return err
	}
	if err := st.Set(s); err != nil {
		return err
	}
	if w := chosen.ExpiryWarning(time.Now()); w != "" {
		fmt.Fprintf(opts.io.ErrOut, "amika: warning: %s\n", w)
	}
	fmt.Fprintf(opts.io.ErrOut, "amika: stored %s %s from %s as %s in %s\n", agent.Title(opts.agent), chosen.Type, paths.Tilde(chosen.Origin), store.NameText(s.Name), st.Where())
	return nil
}

// candidate is the credential to store: the one given (--value, --from-file), confirmed,
// or one of those found on this machine, chosen.
func (opts *agentPushOptions) candidate(t store.Type, paths discovery.Paths) (agent.Candidate, error) {
	what := "secret " + opts.agent + " push"
	if opts.value != "" || opts.fromFile != "" {
		c, err := agent.Given(opts.agent, t, opts.value, opts.fromFile)
		if err != nil {
			return c, err
		}
		if err := opts.io.MayConfirm(what, opts.yes); err != nil || opts.yes {
			return c, err
		}
		report.Candidate(opts.io.ErrOut, c)
		return c, opts.io.Confirm(what, fmt.Sprintf("Store this %s credential?", agent.Title(opts.agent)))
	}
	found, warns := agent.Find(opts.agent, paths, os.Getenv, t)
	warn(opts.io.ErrOut, warns)
	if len(found) == 0 {
		kind := agent.Title(opts.agent) + " credential"
		if t != "" {
			kind = fmt.Sprintf("%s %s credential", agent.Title(opts.agent), t)
		}
		where := "on this machine"
		if t != store.TypeOAuth {
			where = "on this machine nor in $" + agent.EnvKey(opts.agent)
		}
		return agent.Candidate{}, fmt.Errorf("%s: no %s found %s; give one with --value or --from-file", what, kind, where)
	}
	if opts.yes {
		return found[0], nil
	}
	hint := "pass --yes (takes the first), --type, --value or --from-file"
	if t != "" {
		hint = "pass --yes (takes the first), --value or --from-file"
	}
	if len(found) == 1 && opts.io.CanPrompt() {
		fmt.Fprintf(opts.io.ErrOut, "%s credential found on this machine:\n", agent.Title(opts.agent))
		report.Candidate(opts.io.ErrOut, found[0])
		return found[0], opts.io.Confirm(what, fmt.Sprintf("Store this %s credential?", agent.Title(opts.agent)))
	}
	if opts.io.CanPrompt() {
		fmt.Fprintf(opts.io.ErrOut, "%s credentials found on this machine:\n", agent.Title(opts.agent))
		report.Candidates(opts.io.ErrOut, found, paths)
	}
	i, err := opts.io.Choose(what, len(found), hint)
	if err != nil {
		return agent.Candidate{}, err
	}
	return found[i], nil
}

type agentListOptions struct {
	io     *ioStreams
	agent  string
	output outputFlag
}

func newAgentListCmd(name string) *cobra.Command {
	opts := &agentListOptions{agent: name}
	cmd := &cobra.Command{
		Use:   "list",
		Short: fmt.Sprintf("List stored %s credentials: ID, NAME, TYPE", agent.Title(name)),
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.io = streamsOf(cmd)
			return runAgentList(opts)
		},
	}
	opts.output.register(cmd)
	return cmd
}

func runAgentList(opts *agentListOptions) error {
	return listSecrets(opts.io, opts.output, true, func() ([]store.Secret, []store.Warning, error) {
		st, err := stores.Open()
		if err != nil {
			return nil, nil, err
		}
		return agent.List(st, opts.agent)
	})
}

type agentDeleteOptions struct {
	io    *ioStreams
	agent string
	yes   bool
	id    string
}

func newAgentDeleteCmd(name string) *cobra.Command {
	opts := &agentDeleteOptions{agent: name}
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: fmt.Sprintf("Delete a stored %s credential (by ID or NAME)", agent.Title(name)),
		Args:  wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.id = streamsOf(cmd), args[0]
			return runAgentDelete(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "delete without asking")
	return cmd
}

func runAgentDelete(opts *agentDeleteOptions) error {
	what := "secret " + opts.agent + " delete"
	if err := opts.io.MayConfirm(what, opts.yes); err != nil {
		return err
	}
	st, err := stores.Open()
	if err != nil {
		return err
	}
	s, err := agent.Lookup(st, opts.agent, opts.id)
	if err != nil {
		return err
	}
	where := st.WhereOf([]store.Secret{s})
	if !opts.yes {
		if err := opts.io.Confirm(what, fmt.Sprintf("Delete %s (%s) from %s?", s.Name, s.Type, where)); err != nil {
			return err
		}
	}
	if err := st.Delete(s.Name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	fmt.Fprintf(opts.io.ErrOut, "amika: deleted %s from %s\n", store.NameText(s.Name), where)
	return nil
}
