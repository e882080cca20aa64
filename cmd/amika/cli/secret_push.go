package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/report"
	"github.com/amika-dev/amika/internal/safefile"
	"github.com/amika-dev/amika/store"
)

type secretPushOptions struct {
	io       *ioStreams
	fromEnv  []string
	fromFile string
	stdin    string
	// stdins are the --stdin flags given: one at most.
	stdins   []string
	yes      bool
	typ      string
	provider string
	scope    scopeFlag
	args     []string // NAME=VALUE
	// lookupEnv reads --from-env's variables.
	lookupEnv func(string) (string, bool)
}

func newSecretPushCmd() *cobra.Command {
	opts := &secretPushOptions{lookupEnv: os.LookupEnv}
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
			opts.io, opts.args = streamsOf(cmd), args
			return runSecretPush(opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.fromEnv, "from-env", nil, "store these environment variables (comma-separated names)")
	cmd.Flags().StringVar(&opts.fromFile, "from-file", "", "store every NAME=VALUE line of this env file")
	cmd.Flags().StringArrayVar(&opts.stdins, "stdin", nil, "store standard input as the secret `NAME` (once)")
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "store without asking")
	cmd.Flags().StringVar(&opts.typ, "type", "", "type of the secrets: api_key, oauth or generic (default: api_key for NAME_API_KEY names, else generic)")
	cmd.Flags().StringVar(&opts.provider, "provider", "", "provider of the secrets (default: from NAME_API_KEY names)")
	opts.scope.register(cmd, "user")
	return cmd
}

func runSecretPush(opts *secretPushOptions) error {
	t := store.Type(opts.typ)
	switch t {
	case "", store.TypeAPIKey, store.TypeOAuth, store.TypeGeneric:
	default:
		return usagef("--type: want api_key, oauth or generic")
	}
	if len(opts.stdins) > 1 {
		return usageError{store.OneStdin(opts.stdins)}
	}
	if len(opts.stdins) == 1 {
		opts.stdin = opts.stdins[0]
	}
	if len(opts.args) == 0 && len(opts.fromEnv) == 0 && opts.fromFile == "" && opts.stdin == "" {
		return usagef("secret push: nothing to push: give NAME=VALUE, --from-env, --from-file or --stdin")
	}
	const what = "secret push"
	if err := opts.io.MayConfirm(what, opts.yes); err != nil {
		return err
	}
	pairs, err := opts.pairs()
	if err != nil {
		return err
	}
	if _, err := opts.scope.parse(); err != nil {
		return err
	}
	secrets := make([]store.Secret, 0, len(pairs))
	for _, p := range pairs {
		secrets = append(secrets, store.Secret{Name: p.Name, Value: p.Value, Meta: store.Meta{Type: t, Provider: discovery.Canonical(opts.provider), Origin: p.Origin}})
	}
	if len(secrets) == 0 {
		return fmt.Errorf("env file %s: no NAME=VALUE line; nothing stored", opts.fromFile)
	}
	st, err := opts.scope.open(opts.io.CanPrompt())
	if err != nil {
		return err
	}
	if !opts.yes {
		report.Pending(opts.io.ErrOut, secrets)
		q := fmt.Sprintf("Store %s in %s?", report.Plural(len(secrets), "secret", "secrets"), st.Where())
		if err := opts.io.Confirm(what, q); err != nil {
			return err
		}
	}
	return storeSecrets(opts.io, st, secrets)
}

// pairs reads the secrets to push from their sources, in the order later ones win.
func (opts *secretPushOptions) pairs() ([]store.Pair, error) {
	var fileP, argP, envP, stdinP []store.Pair
	if opts.fromFile != "" {
		var err error
		if fileP, err = store.ReadEnvFile(opts.fromFile); err != nil {
			return nil, err
		}
	}
	for i, a := range opts.args {
		p, err := store.ParseAssignment(a)
		if err != nil {
			return nil, usageError{fmt.Errorf("argument %d: %v", i+1, err)}
		}
		argP = append(argP, p)
	}
	for _, name := range opts.fromEnv {
		name = strings.TrimSpace(name)
		if err := store.ValidateName(name); err != nil {
			return nil, usageError{fmt.Errorf("--from-env: %v", err)}
		}
		v, ok := opts.lookupEnv(name)
		if !ok || v == "" {
			return nil, fmt.Errorf("--from-env %s: not set in the environment", store.NameText(name))
		}
		if err := store.ValidateValue(name, v); err != nil {
			return nil, err
		}
		envP = append(envP, store.Pair{Name: name, Value: v, Origin: "$" + name})
	}
	if opts.stdin != "" {
		if err := store.ValidateName(opts.stdin); err != nil {
			return nil, usageError{fmt.Errorf("--stdin: %v", err)}
		}
		v, err := opts.readStdin()
		if err != nil {
			return nil, err
		}
		if err := store.ValidateValue(opts.stdin, v); err != nil {
			return nil, err
		}
		stdinP = append(stdinP, store.Pair{Name: opts.stdin, Value: v, Origin: "stdin"})
	}
	return store.Merge(fileP, argP, envP, stdinP), nil
}

// readStdin reads --stdin's value: on a terminal, one line with echo off; otherwise all of
// standard input minus one trailing newline.
func (opts *secretPushOptions) readStdin() (string, error) {
	name := opts.stdin
	if opts.io.CanPrompt() {
		v, err := opts.io.ReadSecret(fmt.Sprintf("Value for %s: ", name))
		if err != nil {
			return "", fmt.Errorf("--stdin %s: %v", name, err)
		}
		return v, nil
	}
	data, err := safefile.ReadAll(opts.io.In, store.MaxValueLen+2, 0) // a value and its newline
	if errors.Is(err, safefile.ErrTooLarge) {
		return "", fmt.Errorf("--stdin %s: value larger than 1 MiB", name)
	}
	if err != nil {
		return "", fmt.Errorf("--stdin %s: %v", name, err)
	}
	v := strings.TrimSuffix(string(data), "\n")
	return strings.TrimSuffix(v, "\r"), nil
}

// storeSecrets writes secrets to st and says so.
func storeSecrets(s *ioStreams, st store.Store, secrets []store.Secret) error {
	if err := st.Set(secrets...); err != nil {
		return err
	}
	fmt.Fprintf(s.ErrOut, "amika: stored %s in %s\n", store.NamesText(store.Names(secrets)), st.Where())
	return nil
}

type secretExtractOptions struct {
	io    *ioStreams
	df    discoveryFlags
	push  bool
	only  []string
	yes   bool
	scope scopeFlag
}

func newSecretExtractCmd() *cobra.Command {
	opts := &secretExtractOptions{}
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
			opts.io = streamsOf(cmd)
			return runSecretExtract(opts)
		},
	}
	opts.df.register(cmd)
	cmd.Flags().BoolVar(&opts.push, "push", false, "store what is found")
	cmd.Flags().StringSliceVar(&opts.only, "only", nil, "keep only these providers or variables (comma-separated)")
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "with --push: store without asking")
	opts.scope.register(cmd, "user")
	return cmd
}

func runSecretExtract(opts *secretExtractOptions) error {
	sc, err := opts.scope.parse()
	if err != nil {
		return err
	}
	const what = "secret extract --push"
	if opts.push {
		if err := opts.io.MayConfirm(what, opts.yes); err != nil {
			return err
		}
	}
	res, err := opts.df.discover()
	if err != nil {
		return err
	}
	warn(opts.io.ErrOut, res.Warnings)
	creds := discovery.Select(opts.only).Credentials(res.Credentials)
	paths, _ := opts.df.paths()
	report.Discovered(opts.io.Out, creds, paths)
	if !opts.push {
		return nil
	}
	secrets, skipped := store.Extracted(creds, sc.Team)
	for _, x := range skipped {
		fmt.Fprintf(opts.io.ErrOut, "amika: %s from %s %s not stored: %s\n", x.Provider, x.Source, paths.Tilde(x.File), x.Why)
	}
	if len(secrets) == 0 {
		fmt.Fprintln(opts.io.ErrOut, "amika: nothing new to store")
		return nil
	}
	st, err := opts.scope.open(opts.io.CanPrompt())
	if err != nil {
		return err
	}
	if !opts.yes {
		q := fmt.Sprintf("Store %s (%s) in %s?", report.Plural(len(secrets), "secret", "secrets"), store.NamesText(store.Names(secrets)), st.Where())
		if err := opts.io.Confirm(what, q); err != nil {
			return err
		}
	}
	return storeSecrets(opts.io, st, secrets)
}
