package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/report"
	"github.com/amika-dev/amika/internal/term"
	"github.com/amika-dev/amika/store"
	"github.com/amika-dev/amika/store/pass"
)

func newStoreCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Team and personal password stores (pass: GnuPG and git): add, sync, members, unlock",
		Long: `A team store is a password store (the format of pass: one GnuPG file per secret,
encrypted to the keys in .gpg-id) in a git clone the team shares. Name it once with
"amika store add", then use --scope team on amika secret push, list, get and delete.
Discovery, the shell hooks, credential get and run read it after your own secrets.

  amika store add team ~/team-secrets --clone git@git.example.com:acme/secrets.git
  amika secret push --scope team --from-env=ANTHROPIC_API_KEY --yes
  amika store sync
  amika store members add team carol@example.com

AMIKA_STORE=pass keeps your own secrets in your password store ($PASSWORD_STORE_DIR or
~/.password-store) too. See docs/teams.md for the trust model.`,
	}
	cmd.AddCommand(newStoreListCmd(), newStoreAddCmd(), newStoreRemoveCmd(), newStoreSyncCmd(), newStoreMembersCmd(), newStoreUnlockCmd())
	return cmd
}

type storeListOptions struct {
	io     *ioStreams
	output outputFlag
}

func newStoreListCmd() *cobra.Command {
	opts := &storeListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the stores: your own, then the team stores",
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.io = streamsOf(cmd)
			return runStoreList(opts)
		},
	}
	opts.output.register(cmd)
	return cmd
}

func runStoreList(opts *storeListOptions) error {
	f, err := opts.output.parse()
	if err != nil {
		return err
	}
	places, err := stores.Places()
	if err != nil {
		return err
	}
	return report.Places(opts.io.Out, f, places)
}

type storeAddOptions struct {
	io     *ioStreams
	name   string
	dir    string
	clone  string
	keys   []string
	prefix string
}

func newStoreAddCmd() *cobra.Command {
	opts := &storeAddOptions{}
	cmd := &cobra.Command{
		Use:   "add NAME DIR [--clone URL] [--init KEY…]",
		Short: "Name a team store: a git clone of the team's password store",
		Long: `Name the team store in DIR, a git clone of the team's password store. --clone URL clones
it there first. --init KEY… starts a new store: .gpg-id lists those keys (fingerprints,
key IDs or emails of public keys in your keyring, written as fingerprints), committed
and pushed.

  amika store add team ~/team-secrets --clone git@git.example.com:acme/secrets.git
  amika store add team ~/team-secrets --init alice@example.com,bob@example.com`,
		Args: wrapArgs(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.name, opts.dir = streamsOf(cmd), args[0], args[1]
			return runStoreAdd(opts)
		},
	}
	cmd.Flags().StringVar(&opts.clone, "clone", "", "git clone `URL` into DIR first")
	cmd.Flags().StringSliceVar(&opts.keys, "init", nil, "start a new store encrypted to these keys (comma-separated)")
	cmd.Flags().StringVar(&opts.prefix, "prefix", "", "folder of amika's secrets in the store (default amika)")
	return cmd
}

func runStoreAdd(opts *storeAddOptions) error {
	if err := store.ValidTeamName(opts.name); err != nil {
		return usageError{err}
	}
	dir, err := filepath.Abs(opts.dir)
	if err != nil {
		return err
	}
	paths, err := discovery.DefaultPaths("")
	if err != nil {
		return err
	}
	t := store.TeamStore{Name: opts.name, Dir: dir, Prefix: opts.prefix}
	warns, err := stores.AddTeam(t, store.AddTeamOptions{Clone: opts.clone, Keys: opts.keys,
		Interactive: opts.io.CanPrompt(), Stdin: opts.io.In, Stderr: opts.io.ErrOut})
	for _, w := range warns {
		fmt.Fprintf(opts.io.ErrOut, "amika: warning: %s\n", w)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.io.ErrOut, "amika: team store %s is %s\n", opts.name, paths.Tilde(dir))
	return nil
}

func newStoreRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Forget a team store's name (its files stay)",
		Args:  wrapArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return stores.RemoveTeam(args[0])
		},
	}
}

type storeSyncOptions struct {
	io    *ioStreams
	names []string
}

func newStoreSyncCmd() *cobra.Command {
	opts := &storeSyncOptions{}
	return &cobra.Command{
		Use:   "sync [NAME…]",
		Short: "Pull and push password stores (git pull --rebase, git push): all, or those named",
		Long: `Bring password stores level with their git remotes: fetch, rebase your commits on what the
others pushed, push. Before the push, what your commits wrote for other recipients than
.gpg-id now lists (the pull changed them) is re-encrypted. A conflict (the same secret
changed here and there) changes nothing and names the files. Shell hooks notice what a
sync changed at the next prompt.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.names = streamsOf(cmd), args
			return runStoreSync(opts)
		},
	}
}

// runStoreSync syncs each store in turn.
func runStoreSync(opts *storeSyncOptions) error {
	home, _ := discovery.DefaultPaths("")
	return eachPassStore(opts.io, opts.names, opts.io.CanPrompt(), func(b *store.Pass) error {
		if len(opts.names) == 0 && b.Scope() == "user" && !b.Engine().IsGit(context.Background()) {
			return nil // a personal store without git has nothing to sync
		}
		res, err := b.Engine().Sync(context.Background())
		if err != nil {
			return err
		}
		what := "up to date"
		if n := len(res.Changed); n > 0 {
			what = report.Plural(n, "file", "files") + " changed"
		}
		if n := len(res.Resealed); n > 0 {
			what += ", " + report.Plural(n, "file", "files") + " re-encrypted for the recipients of .gpg-id"
		}
		if res.Pushed {
			what += ", pushed"
		}
		fmt.Fprintf(opts.io.ErrOut, "amika: store %s: synced with %s (%s): %s\n", b.Scope(), res.Remote, home.Tilde(b.Dir()), what)
		if res.RecipientsAfter != nil || res.RecipientsBefore != nil {
			fmt.Fprintf(opts.io.ErrOut, "amika: warning: %s\n", store.RecipientsWarning(b.Scope(), res.RecipientsBefore, res.RecipientsAfter))
		}
		return nil
	})
}

// eachPassStore runs do on each password store named (all when none is), in turn: one that
// fails is reported, the others still run, and the exit status is 1. interactive lets
// gpg-agent ask for a passphrase.
func eachPassStore(s *ioStreams, names []string, interactive bool, do func(*store.Pass) error) error {
	passStores, err := stores.PassStores(names, interactive)
	if err != nil {
		return err
	}
	failed := false
	for _, b := range passStores {
		if err := do(b); err != nil {
			fmt.Fprintf(s.ErrOut, "amika: store %s: %v\n", b.Scope(), err)
			failed = true
		}
	}
	if failed {
		return exitError{1}
	}
	return nil
}

type storeMembersOptions struct {
	io     *ioStreams
	output outputFlag
	name   string // the store; "" for the team store
}

func newStoreMembersCmd() *cobra.Command {
	opts := &storeMembersOptions{}
	cmd := &cobra.Command{
		Use:   "members [NAME] | members add|remove NAME KEY…",
		Short: "List, add or remove the people a store's secrets are encrypted to",
		Long: `List the recipients of a store's .gpg-id (default: the team store). add and remove change
them as "pass init" does: .gpg-id is rewritten, every secret is re-encrypted for the new
members, and both are committed (and pushed) together; a secret you cannot decrypt stops
the change before anything is written.

A removed member can still read every version they could read before, from the git
history: rotate those secrets at their provider, then push the new values.`,
		Args: wrapArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io = streamsOf(cmd)
			if len(args) == 1 {
				opts.name = args[0]
			}
			return runStoreMembers(opts)
		},
	}
	opts.output.register(cmd)
	cmd.AddCommand(newStoreMembersChangeCmd(true), newStoreMembersChangeCmd(false))
	return cmd
}

func runStoreMembers(opts *storeMembersOptions) error {
	f, err := opts.output.parse()
	if err != nil {
		return err
	}
	b, err := stores.MemberStore(opts.name, false)
	if err != nil {
		return err
	}
	file, members, err := b.Engine().Members(context.Background())
	if err != nil {
		return err
	}
	home, _ := discovery.DefaultPaths("")
	return report.Members(opts.io.Out, opts.io.ErrOut, f, b.Scope(), file, members, home)
}

type storeMembersChangeOptions struct {
	io   *ioStreams
	add  bool // add, else remove
	name string
	keys []string
}

func newStoreMembersChangeCmd(add bool) *cobra.Command {
	opts := &storeMembersChangeOptions{add: add}
	cmd := &cobra.Command{
		Use:   "add NAME KEY…",
		Short: "Add members (keys in your keyring), re-encrypt, commit, push",
		Args:  wrapArgs(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.name, opts.keys = streamsOf(cmd), args[0], args[1:]
			return runStoreMembersChange(opts)
		},
	}
	if !add {
		cmd.Use, cmd.Short = "remove NAME KEY…", "Remove members, re-encrypt, commit, push"
	}
	return cmd
}

// runStoreMembersChange adds or removes members. A change made and committed that could
// not be pushed is reported after what it did.
func runStoreMembersChange(opts *storeMembersChangeOptions) error {
	b, err := stores.MemberStore(opts.name, opts.io.CanPrompt())
	if err != nil {
		return err
	}
	change, done := b.Engine().RemoveMembers, "removed"
	if opts.add {
		change, done = b.Engine().AddMembers, "added"
	}
	redone, err := change(context.Background(), opts.keys)
	var se *pass.SyncError
	if err != nil && !errors.As(err, &se) {
		return fmt.Errorf("store %s: %w", b.Scope(), err)
	}
	fmt.Fprintf(opts.io.ErrOut, "amika: store %s: %s %s; re-encrypted %s\n", b.Scope(), done,
		strings.Join(opts.keys, ", "), report.Plural(len(redone), "file", "files"))
	if !opts.add {
		fmt.Fprintf(opts.io.ErrOut, "amika: warning: store %s: a removed member can still read, from the git history, every secret they could read before: rotate those secrets\n", b.Scope())
	}
	if err != nil {
		return fmt.Errorf("store %s: %w", b.Scope(), err)
	}
	return nil
}

type storeUnlockOptions struct {
	io    *ioStreams
	names []string
}

func newStoreUnlockCmd() *cobra.Command {
	opts := &storeUnlockOptions{}
	return &cobra.Command{
		Use:   "unlock [NAME…]",
		Short: "Have gpg-agent ask for your key's passphrase once, so hooks can decrypt",
		Long: `Shell hooks, credential get and run never ask for a passphrase: with a locked key they warn
and go on without the store. unlock asks once, through gpg-agent's pinentry on this
terminal; gpg-agent then keeps the passphrase for its cache time (default-cache-ttl).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.io, opts.names = streamsOf(cmd), args
			return runStoreUnlock(opts)
		},
	}
}

// runStoreUnlock unlocks each store named (all by default) in turn, through gpg-agent's
// pinentry on this terminal.
func runStoreUnlock(opts *storeUnlockOptions) error {
	if os.Getenv("GPG_TTY") == "" {
		if tty := term.Name(opts.io.In); tty != "" {
			os.Setenv("GPG_TTY", tty)
		}
	}
	return eachPassStore(opts.io, opts.names, true, func(b *store.Pass) error {
		if err := b.Engine().Unlock(context.Background()); err != nil {
			return err
		}
		fmt.Fprintf(opts.io.ErrOut, "amika: store %s: unlocked\n", b.Scope())
		return nil
	})
}
