package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/report"
	"github.com/amika-dev/amika/store"
)

// stores opens amika's store once per process: every command that reads or writes secrets,
// and discovery's stored sources, go through it.
var stores = &store.Opener{Warn: func(msg string) { fmt.Fprintf(os.Stderr, "amika: warning: %s\n", msg) }}

// openStore is the store as the packages built on it take it.
func openStore() (store.Store, error) { return stores.Open() }

// openStoreWithTeams is the user's own store, then the team stores, for reading secrets by
// name.
func openStoreWithTeams() (store.Store, error) { return stores.OpenWithTeams() }

// discoveryFlags are the flags every command built on discovery shares.
type discoveryFlags struct {
	homedir string
	noOAuth bool
	// reference reads only what the reference tool reads (auth extract --reference-names).
	reference bool
}

func (f *discoveryFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.homedir, "homedir", "", "home directory to discover in (default $HOME)")
	cmd.Flags().BoolVar(&f.noOAuth, "no-oauth", false, "skip OAuth credential sources")
}

// paths are the paths discovery reads: under --homedir, else the user's own.
// A --homedir that is not a directory is an error: a mistyped one would discover nothing,
// silently.
func (f *discoveryFlags) paths() (discovery.Paths, error) {
	if f.homedir != "" {
		if fi, err := os.Stat(f.homedir); err != nil || !fi.IsDir() {
			return discovery.Paths{}, usagef("--homedir %s: not a directory", f.homedir)
		}
	}
	return discovery.DefaultPaths(f.homedir)
}

func (f *discoveryFlags) discover() (discovery.Result, error) {
	paths, err := f.paths()
	if err != nil {
		return discovery.Result{}, err
	}
	opt := discovery.Options{Paths: paths, Now: time.Now(), NoOAuth: f.noOAuth, ReferenceOnly: f.reference,
		Getenv: os.Getenv, Identity: discovery.HostIdentity}
	stores.DiscoverySources(&opt)
	return discovery.Discover(opt), nil
}

// outputFlag is -o on the commands that list: table or json.
type outputFlag struct{ value string }

func (f *outputFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.value, "output", "o", "table", "output format: table or json")
}

// parse reads -o; anything but table or json is a usage error.
func (f *outputFlag) parse() (report.Format, error) {
	if format := report.Format(f.value); format == report.Table || format == report.JSON {
		return format, nil
	}
	return "", usagef("-o: want table or json")
}

// scopeFlag is --scope on the commands that read or write secrets: user (your own store),
// team (the team store), or team:NAME.
type scopeFlag struct{ value string }

func (f *scopeFlag) register(cmd *cobra.Command, def string) {
	cmd.Flags().StringVar(&f.value, "scope", def, "`SCOPE`: user (your own store), team (the team store), or team:NAME with several")
}

func (f *scopeFlag) parse() (store.Scope, error) {
	sc, err := store.ParseScope(f.value)
	if err != nil {
		return sc, usagef("--scope: %v", err)
	}
	return sc, nil
}

// open opens the store the scope names; interactive lets gpg-agent ask for a passphrase.
func (f *scopeFlag) open(interactive bool) (*store.Stores, error) {
	sc, err := f.parse()
	if err != nil {
		return nil, err
	}
	return stores.OpenScope(sc, interactive)
}

// warn reports warnings, discovery's or the store's, one line each.
func warn[W fmt.Stringer](w io.Writer, warnings []W) {
	for _, x := range warnings {
		fmt.Fprintf(w, "amika: warning: %s\n", x)
	}
}
