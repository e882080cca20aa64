package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
	"github.com/amika-dev/amika/store"
	"github.com/amika-dev/amika/store/agent"
)

var agentTitle = map[string]string{"claude": "Claude", "codex": "Codex"}

func newSecretAgentCmd(name string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   name,
		Short: fmt.Sprintf("Store %s credentials (API key or OAuth JSON) and manage them", agentTitle[name]),
	}
	cmd.AddCommand(newAgentPushCmd(name), newAgentListCmd(name), newAgentDeleteCmd(name))
	return cmd
}

func newAgentPushCmd(name string) *cobra.Command {
	var (
		typ, value, fromFile, label string
		yes                         bool
	)
	var scope scopeFlag
	title := agentTitle[name]
	cmd := &cobra.Command{
		Use:   "push [--type oauth|api_key] [--value V] [--from-file F] [--name LABEL]",
		Short: fmt.Sprintf("Store a %s credential, chosen among those found on this machine", title),
		Long: fmt.Sprintf(`Store a %[1]s credential. With no flags, amika lists the %[1]s credentials on this
machine (its files, $%[2]s, and on macOS the Keychain) and lets you choose.
--type oauth takes the OAuth credential JSON whole (refresh token included), or for
Claude a bare token (what "claude setup-token" prints); without --type, an OAuth JSON or
an sk-ant-oat token is oauth. --type api_key without --value takes $%[2]s.
An OAuth credential keeps its expiry: one already past it is stored with a warning, and
amika hands it out nowhere. The credential is stored as
%[3]s-LABEL (LABEL from --name, default "oauth" or "api-key"): that ID is what
"amika run --%[3]s ID" and "amika run --secret env:VAR=ID" take.
With --yes and several credentials found, the first one listed is stored.`, title, agent.EnvKey(name), name),
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			t := store.Type(typ)
			if t != "" && t != store.TypeOAuth && t != store.TypeAPIKey {
				return usagef("--type %q: want oauth or api_key", typ)
			}
			if value != "" && fromFile != "" {
				return usagef("--value and --from-file exclude each other")
			}
			if label != "" {
				if err := store.ValidateName(agent.ID(name, label)); err != nil {
					return usageError{fmt.Errorf("--name: %v", err)}
				}
			}
			in := cmd.InOrStdin()
			tty := isTerminal(in)
			var chosen agent.Candidate
			switch {
			case value != "" || fromFile != "":
				v, origin := value, "--value"
				if fromFile != "" {
					data, err := safefile.ReadInput(fromFile, store.MaxValueLen)
					if errors.Is(err, fs.ErrNotExist) {
						return fmt.Errorf("%s: no such file or directory", fromFile)
					}
					if err != nil {
						return fmt.Errorf("%s: %v", fromFile, err)
					}
					v, origin = string(data), fromFile
				}
				if t == "" {
					t = agent.InferType(name, v)
				}
				c, err := agent.FromValue(name, t, v, origin)
				if err != nil {
					return err
				}
				chosen = c
				if !yes && !tty {
					return usagef("secret %s push: standard input is not a terminal, so amika cannot ask for confirmation; pass --yes", name)
				}
				if !yes {
					if err := confirmCandidate(cmd, name, chosen); err != nil {
						return err
					}
				}
			default:
				paths, err := discovery.DefaultPaths("")
				if err != nil {
					return err
				}
				var found []agent.Candidate
				if t == store.TypeAPIKey {
					if v := strings.TrimSpace(os.Getenv(agent.EnvKey(name))); v != "" {
						c, err := agent.FromValue(name, t, v, "$"+agent.EnvKey(name))
						if err != nil {
							return err
						}
						found = []agent.Candidate{c}
					}
				}
				if len(found) == 0 {
					var warns []discovery.Warning
					found, warns = agent.Find(name, paths, os.Getenv, t)
					warn(cmd.ErrOrStderr(), warns)
				}
				if len(found) == 0 {
					what := title + " credential"
					if t != "" {
						what = fmt.Sprintf("%s %s credential", title, t)
					}
					return fmt.Errorf("secret %s push: no %s found on this machine; give one with --value or --from-file", name, what)
				}
				chosen, err = choose(cmd, name, found, yes, tty)
				if err != nil {
					return err
				}
			}
			if err := store.ValidateValue(name, chosen.Value); err != nil {
				return err
			}
			if label == "" {
				label = agent.DefaultLabel(chosen.Type)
			}
			st, err := scope.open(tty)
			if err != nil {
				return err
			}
			s := chosen.Secret(label)
			if err := st.Set(s); err != nil {
				return err
			}
			if w := chosen.ExpiryWarning(time.Now()); w != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "amika: warning: %s\n", w)
			}
			p, _ := discovery.DefaultPaths("")
			fmt.Fprintf(cmd.ErrOrStderr(), "amika: stored %s %s from %s as %s in %s\n", title, chosen.Type, tildePath(chosen.Origin, p.Home), s.Name, st.Where())
			return nil
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", "credential type: oauth or api_key")
	cmd.Flags().StringVar(&value, "value", "", "the credential itself (prefer --from-file: argv is visible to other processes)")
	cmd.Flags().StringVar(&fromFile, "from-file", "", "read the credential from this file (an OAuth JSON or a key)")
	cmd.Flags().StringVar(&label, "name", "", "label; the credential is stored as "+name+"-LABEL")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "store without asking")
	scope.register(cmd, "user")
	return cmd
}

func confirmCandidate(cmd *cobra.Command, name string, c agent.Candidate) error {
	tw := newTable(cmd.ErrOrStderr())
	fmt.Fprintln(tw, "TYPE\tVALUE\tFROM")
	fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Type, c.Masked(), c.Origin)
	tw.Flush()
	return confirm(cmd, "secret "+name+" push", fmt.Sprintf("Store this %s credential?", agentTitle[name]))
}

// choose picks one of several candidates: on a terminal by number, with --yes the first.
func choose(cmd *cobra.Command, name string, found []agent.Candidate, yes, tty bool) (agent.Candidate, error) {
	if yes {
		return found[0], nil
	}
	if !tty {
		return agent.Candidate{}, usagef("secret %s push: found %d credential(s), and standard input is not a terminal to choose on; pass --yes (takes the first), --type, --value or --from-file", name, len(found))
	}
	if len(found) == 1 {
		fmt.Fprintf(cmd.ErrOrStderr(), "%s credential found on this machine:\n", agentTitle[name])
		return found[0], confirmCandidate(cmd, name, found[0])
	}
	w := cmd.ErrOrStderr()
	fmt.Fprintf(w, "%s credentials found on this machine:\n", agentTitle[name])
	p, _ := discovery.DefaultPaths("")
	tw := newTable(w)
	fmt.Fprintln(tw, "#\tTYPE\tVALUE\tFROM")
	for i, c := range found {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", i+1, c.Type, c.Masked(), tildePath(c.Origin, p.Home))
	}
	tw.Flush()
	fmt.Fprintf(w, "Store which one? [1-%d, empty to cancel] ", len(found))
	answer, _ := readLine(cmd.InOrStdin())
	answer = strings.TrimSpace(answer)
	n, err := strconv.Atoi(answer)
	if answer == "" {
		return agent.Candidate{}, fmt.Errorf("secret %s push: cancelled; nothing stored", name)
	}
	if err != nil || n < 1 || n > len(found) {
		return agent.Candidate{}, usagef("secret %s push: the answer is not a number from 1 to %d; nothing stored", name, len(found))
	}
	return found[n-1], nil
}

func newAgentListCmd(name string) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: fmt.Sprintf("List stored %s credentials: ID, NAME, TYPE", agentTitle[name]),
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			st, err := stores.Open()
			if err != nil {
				return err
			}
			list, warns, err := agent.List(st, name)
			if err != nil {
				return err
			}
			warnStore(cmd.ErrOrStderr(), warns)
			if output == "json" {
				return writeSecretsJSON(cmd.OutOrStdout(), list)
			}
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "ID\tNAME\tTYPE\tUPDATED\tSTORE")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, dash(s.Label), s.Type, dash(s.Updated.String()), s.Store)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func newAgentDeleteCmd(name string) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete ID",
		Short: fmt.Sprintf("Delete a stored %s credential (by ID or NAME)", agentTitle[name]),
		Args:  wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes && !isTerminal(cmd.InOrStdin()) {
				return confirm(cmd, "secret "+name+" delete", "")
			}
			st, err := stores.Open()
			if err != nil {
				return err
			}
			s, err := agent.Lookup(st, name, args[0])
			if err != nil {
				return err
			}
			where := placesOf(st, []store.Secret{s})
			if !yes {
				if err := confirm(cmd, "secret "+name+" delete", fmt.Sprintf("Delete %s (%s) from %s?", s.Name, s.Type, where)); err != nil {
					return err
				}
			}
			if err := st.Delete(s.Name); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "amika: deleted %s from %s\n", s.Name, where)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return cmd
}
