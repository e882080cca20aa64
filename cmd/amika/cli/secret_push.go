package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
	"github.com/amika-dev/amika/store"
)

func newSecretPushCmd() *cobra.Command {
	var (
		fromEnv  []string
		fromFile string
		stdins   []string
		yes      bool
		typ      string
		provider string
	)
	var scope scopeFlag
	cmd := &cobra.Command{
		Use:   "push [NAME=VALUE…] [--from-env=A,B] [--from-file=.env] [--stdin NAME]",
		Short: "Store secrets (shows them masked and asks first; --yes skips)",
		Long: `Store secrets. Sources, later ones winning for the same name:
--from-file (an env file: NAME=VALUE lines, Docker's rules), NAME=VALUE arguments,
--from-env (values taken from amika's environment), --stdin NAME (the value read from
standard input, so it is not in argv or shell history; one trailing newline is dropped).

On a terminal amika shows the names with masked values and asks before writing; --yes
skips the question. Without a terminal and without --yes it refuses (exit status 2).

  amika secret push --from-env=ANTHROPIC_API_KEY --yes
  printf %s "$KEY" | amika secret push --stdin GROQ_API_KEY --yes
  amika secret push --from-file=.env`,
		Args: wrapArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			t := store.Type(typ)
			switch t {
			case "", store.TypeAPIKey, store.TypeOAuth, store.TypeGeneric:
			default:
				return usagef("--type %q: want api_key, oauth or generic", typ)
			}
			if len(stdins) > 1 {
				return usageError{store.OneStdin(stdins)}
			}
			stdin := strings.Join(stdins, "")
			if len(args) == 0 && len(fromEnv) == 0 && fromFile == "" && stdin == "" {
				return usagef("secret push: nothing to push: give NAME=VALUE, --from-env, --from-file or --stdin")
			}
			in := cmd.InOrStdin()
			tty := isTerminal(in)
			if !yes && !tty {
				return usagef("secret push: standard input is not a terminal, so amika cannot ask for confirmation; pass --yes")
			}
			var fileP, argP, envP, stdinP []store.Pair
			if fromFile != "" {
				var err error
				if fileP, err = store.ReadEnvFile(fromFile); err != nil {
					return err
				}
			}
			for i, a := range args {
				p, err := store.ParseAssignment(a)
				if err != nil {
					return usageError{fmt.Errorf("argument %d: %v", i+1, err)}
				}
				argP = append(argP, p)
			}
			for _, name := range fromEnv {
				name = strings.TrimSpace(name)
				if err := store.ValidateName(name); err != nil {
					return usageError{fmt.Errorf("--from-env: %v", err)}
				}
				v, ok := os.LookupEnv(name)
				if !ok || v == "" {
					return fmt.Errorf("--from-env %s: not set in the environment", name)
				}
				if err := store.ValidateValue(name, v); err != nil {
					return err
				}
				envP = append(envP, store.Pair{Name: name, Value: v, Origin: "$" + name})
			}
			if stdin != "" {
				if err := store.ValidateName(stdin); err != nil {
					return usageError{fmt.Errorf("--stdin: %v", err)}
				}
				v, err := readStdinValue(cmd, stdin, tty)
				if err != nil {
					return err
				}
				if err := store.ValidateValue(stdin, v); err != nil {
					return err
				}
				stdinP = append(stdinP, store.Pair{Name: stdin, Value: v, Origin: "stdin"})
			}
			if _, _, err := scope.parse(); err != nil {
				return err
			}
			pairs := store.Merge(fileP, argP, envP, stdinP)
			secrets := make([]store.Secret, 0, len(pairs))
			rows := make([][3]string, 0, len(pairs))
			for _, p := range pairs {
				s := store.Secret{Name: p.Name, Value: p.Value, Meta: store.Meta{Type: t, Provider: discovery.Canonical(provider), Origin: p.Origin}}
				secrets = append(secrets, s)
				rows = append(rows, [3]string{p.Name, discovery.Mask(p.Value), p.Origin})
			}
			if len(secrets) == 0 {
				return fmt.Errorf("env file %s: no NAME=VALUE line; nothing stored", fromFile)
			}
			st, err := scope.open(tty)
			if err != nil {
				return err
			}
			if !yes {
				maskedTable(cmd.ErrOrStderr(), rows)
				q := fmt.Sprintf("Store %s in %s?", plural(len(secrets), "secret", "secrets"), st.Where())
				if err := confirm(cmd, "secret push", q); err != nil {
					return err
				}
			}
			if err := st.Set(secrets...); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "amika: stored %s in %s\n", strings.Join(sortedNames(secrets), ", "), st.Where())
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&fromEnv, "from-env", nil, "store these environment variables (comma-separated names)")
	cmd.Flags().StringVar(&fromFile, "from-file", "", "store every NAME=VALUE line of this env file")
	cmd.Flags().StringArrayVar(&stdins, "stdin", nil, "store standard input as the secret `NAME` (once)")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "store without asking")
	cmd.Flags().StringVar(&typ, "type", "", "type of the secrets: api_key, oauth or generic (default: api_key for NAME_API_KEY names, else generic)")
	cmd.Flags().StringVar(&provider, "provider", "", "provider of the secrets (default: from NAME_API_KEY names)")
	scope.register(cmd, "user")
	return cmd
}

// readStdinValue reads --stdin's value: on a terminal, one line with echo off; otherwise all
// of standard input minus one trailing newline.
func readStdinValue(cmd *cobra.Command, name string, tty bool) (string, error) {
	in := cmd.InOrStdin()
	if tty {
		fmt.Fprintf(cmd.ErrOrStderr(), "Value for %s: ", name)
		v, err := readHidden(in)
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("--stdin %s: %v", name, err)
		}
		return v, nil
	}
	data, err := safefile.ReadAll(in, store.MaxValueLen+2, 0) // a value and its newline
	if errors.Is(err, safefile.ErrTooLarge) {
		return "", fmt.Errorf("--stdin %s: value larger than 1 MiB", name)
	}
	if err != nil {
		return "", fmt.Errorf("--stdin %s: %v", name, err)
	}
	v := strings.TrimSuffix(string(data), "\n")
	return strings.TrimSuffix(v, "\r"), nil
}

func newSecretExtractCmd() *cobra.Command {
	var (
		df   discoveryFlags
		push bool
		only []string
		yes  bool
	)
	var scope scopeFlag
	cmd := &cobra.Command{
		Use:   "extract [--push] [--only=A,B]",
		Short: "Show what discovery finds, masked; --push stores it",
		Long: `Show the credentials discovery resolves (one per provider, values masked). With --push,
store each under the variable its kind is handed out as (ANTHROPIC_API_KEY, OPENAI_API_KEY,
GROQ_API_KEY, …; an Anthropic OAuth token as CLAUDE_CODE_OAUTH_TOKEN), with its type and
expiry. An agent's own login (Claude Code's .credentials.json, a Codex or OpenCode login) is
not copied: the agent refreshes it, a copy would expire. --only keeps the named providers
or variables.`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			team, _, err := scope.parse()
			if err != nil {
				return err
			}
			if push && !yes && !isTerminal(cmd.InOrStdin()) {
				return usagef("secret extract --push: standard input is not a terminal, so amika cannot ask for confirmation; pass --yes")
			}
			res, err := df.discover()
			if err != nil {
				return err
			}
			warn(cmd.ErrOrStderr(), res.Warnings)
			keep := map[string]bool{}
			for _, o := range only {
				o = strings.TrimSpace(o)
				if p, ok := discovery.ProviderForVariable(o); ok {
					keep[p] = true
				} else {
					keep[discovery.Canonical(o)] = true
				}
			}
			home, _ := discovery.DefaultPaths(df.homedir)
			var secrets []store.Secret
			var notes []string
			tw := newTable(cmd.OutOrStdout())
			fmt.Fprintln(tw, "NAME\tPROVIDER\tKIND\tVALUE\tSOURCE")
			for _, c := range res.Credentials {
				if len(keep) > 0 && !keep[c.Provider] {
					continue
				}
				s, why := store.FromDiscovered(c)
				from := c.Source + " " + tildePath(c.File, home.Home)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", dash(s.Name), c.Provider, c.Kind, discovery.Mask(c.Value), from)
				if c.Source == "amika_keychain" && !team || c.Source == "amika_team" && team {
					continue // already stored
				}
				if why != "" {
					notes = append(notes, fmt.Sprintf("amika: %s from %s not stored: %s", c.Provider, from, why))
					continue
				}
				if store.ValidateName(s.Name) != nil || store.ValidateValue(s.Name, s.Value) != nil {
					continue
				}
				secrets = append(secrets, s)
			}
			tw.Flush()
			if !push {
				return nil
			}
			for _, n := range notes {
				fmt.Fprintln(cmd.ErrOrStderr(), n)
			}
			if len(secrets) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "amika: nothing new to store")
				return nil
			}
			st, err := scope.open(isTerminal(cmd.InOrStdin()))
			if err != nil {
				return err
			}
			if !yes {
				q := fmt.Sprintf("Store %s (%s) in %s?", plural(len(secrets), "secret", "secrets"), strings.Join(sortedNames(secrets), ", "), st.Where())
				if err := confirm(cmd, "secret extract --push", q); err != nil {
					return err
				}
			}
			if err := st.Set(secrets...); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "amika: stored %s in %s\n", strings.Join(sortedNames(secrets), ", "), st.Where())
			return nil
		},
	}
	df.register(cmd)
	cmd.Flags().BoolVar(&push, "push", false, "store what is found")
	cmd.Flags().StringSliceVar(&only, "only", nil, "keep only these providers or variables (comma-separated)")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "with --push: store without asking")
	scope.register(cmd, "user")
	return cmd
}
