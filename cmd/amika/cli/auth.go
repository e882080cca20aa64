package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/shellinit"
)

// discoveryFlags are the flags every command built on discovery shares.
type discoveryFlags struct {
	homedir string
	noOAuth bool
}

func (f *discoveryFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.homedir, "homedir", "", "home directory to discover in (default $HOME)")
	cmd.Flags().BoolVar(&f.noOAuth, "no-oauth", false, "skip OAuth credential sources")
}

func (f *discoveryFlags) discover() (discovery.Result, error) {
	paths, err := discovery.DefaultPaths(f.homedir)
	if err != nil {
		return discovery.Result{}, err
	}
	return discovery.Discover(discovery.Options{Paths: paths, Now: time.Now(), NoOAuth: f.noOAuth, Stored: storedSecrets(paths, f.homedir),
		Extra: teamSources(paths, f.homedir)}), nil
}

func warn(w io.Writer, warnings []discovery.Warning) {
	for _, x := range warnings {
		fmt.Fprintf(w, "amika: warning: %s\n", x)
	}
}

func newAuthCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Discover the credentials coding agents keep on this machine",
	}
	cmd.AddCommand(newExtractCmd(), newSourcesCmd())
	return cmd
}

func newExtractCmd() *cobra.Command {
	var (
		df     discoveryFlags
		export bool
		format string
	)
	cmd := &cobra.Command{
		Use:   "extract",
		Short: "Print the discovered credentials as shell assignments",
		Long: `Print one credential per provider, resolved by source priority, as shell assignments
sorted by variable name.

  eval "$(amika auth extract --export)"          # bash, zsh, sh
  amika auth extract --export --format fish | source
  amika auth extract --format json`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := shellinit.ParseFormat(format)
			if err != nil {
				return usageError{err}
			}
			res, err := df.discover()
			if err != nil {
				return err
			}
			as, warns := discovery.Assignments(res.Credentials)
			warn(cmd.ErrOrStderr(), append(res.Warnings, warns...))
			return shellinit.WriteAssignments(cmd.OutOrStdout(), f, export, as)
		},
	}
	df.register(cmd)
	cmd.Flags().BoolVar(&export, "export", false, "export the variables (export NAME=… / set -gx)")
	cmd.Flags().StringVar(&format, "format", "sh", "output format: sh, fish or json")
	return cmd
}

func newSourcesCmd() *cobra.Command {
	var (
		df     discoveryFlags
		output string
	)
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "Show every credential source, its state and what it yields (values masked)",
		Args:  wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			res, err := df.discover()
			if err != nil {
				return err
			}
			if output == "json" {
				return writeSourcesJSON(cmd.OutOrStdout(), res)
			}
			warn(cmd.ErrOrStderr(), res.Warnings)
			home, _ := discovery.DefaultPaths(df.homedir)
			return writeSourcesTable(cmd.OutOrStdout(), res, home.Home)
		},
	}
	df.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func stateText(f discovery.FileReport) string {
	if f.Reason != "" && f.State == discovery.StateMalformed {
		return fmt.Sprintf("%s: %s", f.State, f.Reason)
	}
	if f.State == discovery.StateShadowed {
		return "shadowed by " + strings.Join(shadowers(f), ", ")
	}
	return string(f.State)
}

func shadowers(f discovery.FileReport) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range f.ShadowedBy {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// shadowedBy says what won the provider of f.Found[i] instead ("" if it won).
func shadowedBy(f discovery.FileReport, i int) string {
	if f.ShadowedBy == nil {
		return ""
	}
	return f.ShadowedBy[i]
}

func providerText(f discovery.FileReport) string {
	var parts []string
	for i, c := range f.Found {
		p := c.Provider + "=" + discovery.Mask(c.Value)
		if c.Kind == discovery.KindOAuth {
			p += " (oauth"
			if !c.Expires.IsZero() {
				p += ", expires " + c.Expires.UTC().Format(time.RFC3339)
			}
			p += ")"
		}
		if by := shadowedBy(f, i); by != "" && f.State != discovery.StateShadowed {
			p += " [shadowed by " + by + "]"
		}
		parts = append(parts, p)
	}
	for _, c := range f.Expired {
		parts = append(parts, c.Provider+"="+discovery.Mask(c.Value)+" (oauth, expired "+c.Expires.UTC().Format(time.RFC3339)+")")
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func writeSourcesTable(w io.Writer, res discovery.Result, home string) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "PRIORITY\tSOURCE\tPATH\tSTATE\tPROVIDERS")
	for _, f := range res.Files {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", f.Priority, f.Source, tildePath(f.Path, home), stateText(f), providerText(f))
	}
	return tw.Flush()
}

func tildePath(path, home string) string {
	if home == "" || home == "/" {
		return path
	}
	if rel, err := filepath.Rel(home, path); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return filepath.Join("~", rel)
	}
	return path
}

type jsonFound struct {
	Provider   string  `json:"provider"`
	Masked     string  `json:"masked"`
	Kind       string  `json:"kind"`
	Expires    *string `json:"expires"` // RFC 3339; null: no expiry
	ShadowedBy string  `json:"shadowed_by,omitempty"`
	Expired    bool    `json:"expired,omitempty"` // an expired OAuth token, not used
}

type jsonSource struct {
	Source   string      `json:"source"`
	Priority int         `json:"priority"`
	Path     string      `json:"path"`
	State    string      `json:"state"`
	Reason   string      `json:"reason,omitempty"`
	Found    []jsonFound `json:"providers"`
}

type jsonSources struct {
	Sources  []jsonSource `json:"sources"`
	Warnings []string     `json:"warnings"`
}

// jsonState is a state as an identifier: "not found" becomes "not_found",
// "skipped (--no-oauth)" becomes "skipped_no_oauth".
func jsonState(s discovery.State) string {
	if s == discovery.StateNoOAuth {
		return "skipped_no_oauth"
	}
	return strings.ReplaceAll(string(s), " ", "_")
}

func writeSourcesJSON(w io.Writer, res discovery.Result) error {
	out := jsonSources{Sources: []jsonSource{}, Warnings: []string{}}
	for _, f := range res.Files {
		s := jsonSource{Source: f.Source, Priority: f.Priority, Path: f.Path, State: jsonState(f.State), Reason: f.Reason, Found: []jsonFound{}}
		for i, c := range f.Found {
			j := jsonFound{Provider: c.Provider, Masked: discovery.Mask(c.Value), Kind: string(c.Kind), ShadowedBy: shadowedBy(f, i)}
			if !c.Expires.IsZero() {
				e := c.Expires.UTC().Format(time.RFC3339)
				j.Expires = &e
			}
			s.Found = append(s.Found, j)
		}
		for _, c := range f.Expired {
			e := c.Expires.UTC().Format(time.RFC3339)
			s.Found = append(s.Found, jsonFound{Provider: c.Provider, Masked: discovery.Mask(c.Value), Kind: string(c.Kind), Expires: &e, Expired: true})
		}
		out.Sources = append(out.Sources, s)
	}
	for _, x := range res.Warnings {
		out.Warnings = append(out.Warnings, x.String())
	}
	return writeJSON(w, out)
}
