package cli

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/discovery/agentkeyring"
	"github.com/amika-dev/amika/shellinit"
)

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

func (f *discoveryFlags) discover() (discovery.Result, error) {
	paths, err := discovery.DefaultPaths(f.homedir)
	if err != nil {
		return discovery.Result{}, err
	}
	opt := discovery.Options{Paths: paths, Now: time.Now(), NoOAuth: f.noOAuth, ReferenceOnly: f.reference,
		Stored: stores.Discovery(paths), Getenv: os.Getenv, Identity: identity, Extra: teamSources(paths, f.homedir)}
	if !f.reference {
		opt.Keyring = agentKeyring(paths, f.homedir)
	}
	return discovery.Discover(opt), nil
}

// agentKeyring reads the agents' own keyring items (Codex's keyring store, Gemini CLI's
// API key, Claude Code's Keychain item on macOS) where amika uses the keyring: the store's
// bounded probe decides, and AMIKA_STORE=file keeps amika off D-Bus altogether. With
// --homedir naming another home, the keyring (this user's) is not read.
func agentKeyring(p discovery.Paths, homedir string) *discovery.Keyring {
	k := &discovery.Keyring{Label: "keyring"}
	if runtime.GOOS == "darwin" {
		k.Label = "keychain"
	}
	if homedir != "" {
		if own, err := discovery.DefaultPaths(""); err != nil || filepath.Clean(own.Home) != filepath.Clean(p.Home) {
			k.Unavailable = "--homedir is not this user's home"
			return k
		}
	}
	c, _, err := stores.Choice()
	switch {
	case err != nil:
		k.Unavailable = err.Error()
	case c.Backend != "keyring":
		k.Unavailable = "no keyring in use (" + c.Reason + ")"
	case agentkeyring.Reader() == nil:
		k.Unavailable = "amika reads no agent's keyring items on " + runtime.GOOS
	default:
		k.Read, k.Watch = agentkeyring.Reader(), agentkeyring.WatchPaths(p)
	}
	return k
}

// identity is what Gemini CLI derives its file key from: the host name and the user name.
func identity() (string, string, error) {
	host, err := os.Hostname()
	if err != nil {
		return "", "", err
	}
	u, err := user.Current()
	if err != nil {
		return "", "", err
	}
	return host, u.Username, nil
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
sorted by variable name. Each credential is named as its client takes it: an API key as
ANTHROPIC_API_KEY and CLAUDE_API_KEY (openai: OPENAI_API_KEY and CODEX_API_KEY; any other
provider P: P_API_KEY), an Anthropic OAuth token as CLAUDE_CODE_OAUTH_TOKEN only. Another
provider's OAuth token has no variable its client takes: --format json lists it, with an
empty name; the shell formats leave it out.

--reference-names prints what the reference tool prints, byte for byte: its sources only,
and every credential under the API-key names, OAuth tokens included. Claude Code sends
whatever is in ANTHROPIC_API_KEY as an API key, so an OAuth token there fails: use it only
for tools that expect the reference's output.

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
			mode := discovery.ModePrint
			if df.reference {
				mode = discovery.ModeReference
			}
			as, warns := discovery.Assignments(res.Credentials, mode)
			warn(cmd.ErrOrStderr(), append(res.Warnings, warns...))
			if f != shellinit.FormatJSON {
				named := as[:0:0]
				for _, a := range as {
					if a.Name != "" {
						named = append(named, a)
					}
				}
				as = named
			}
			return shellinit.WriteAssignments(cmd.OutOrStdout(), f, export, as)
		},
	}
	df.register(cmd)
	cmd.Flags().BoolVar(&export, "export", false, "export the variables (export NAME=… / set -gx)")
	cmd.Flags().StringVar(&format, "format", "sh", "output format: sh, fish or json")
	cmd.Flags().BoolVar(&df.reference, "reference-names", false, "print exactly what the reference tool prints (API-key names for every credential)")
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
		Long: `Show every file, keyring item and variable discovery reads, highest priority first,
what state it is in and what it yields, values masked. An OAuth token from an agent's own
login (Claude Code, Codex, OpenCode, Gemini CLI, Amp) is marked "left to" that agent: the
agent reads and refreshes it itself, so the shell hooks, direnv and amika run do not hand
it out (amika auth extract still prints it).`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			res, err := df.discover()
			if err != nil {
				return err
			}
			warnings := res.Warnings
			as, _ := discovery.Assignments(res.Handout, discovery.ModeHandout)
			for _, w := range discovery.LoginOverride(res, as, nil) {
				w.Reason += " whenever a shell hook, direnv or amika run hands it out; to keep the subscription, leave anthropic out (a provider filter: amika init bash openai …, use amika openai …), start Claude Code without amika run --provider anthropic or --discovered, and past an amika init --lazy wrapper run command claude"
				warnings = append(warnings, w)
			}
			if output == "json" {
				return writeSourcesJSON(cmd.OutOrStdout(), res, warnings)
			}
			warn(cmd.ErrOrStderr(), warnings)
			home, _ := discovery.DefaultPaths(df.homedir)
			return writeSourcesTable(cmd.OutOrStdout(), res, home.Home)
		},
	}
	df.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func stateText(f discovery.FileReport) string {
	if f.Reason != "" && (f.State == discovery.StateMalformed || f.State == discovery.StateNotRead) {
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

// printable shows a name from a file on one line: a name holding control or non-ASCII
// characters is quoted with them escaped, so no name can move the cursor or forge a row.
func printable(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.QuoteToASCII(name)
		}
	}
	return name
}

// leftToAgent says why a credential is not handed out by hooks, direnv and run.
func leftToAgent(c discovery.Credential) string {
	return "left to " + c.Agent() + ": its own login"
}

func providerText(f discovery.FileReport, handout []discovery.Credential) string {
	var parts []string
	for i, c := range f.Found {
		p := printable(c.Provider) + "=" + discovery.Mask(c.Value)
		if c.Kind == discovery.KindOAuth {
			p += " (oauth"
			if !c.Expires.IsZero() {
				p += ", expires " + c.Expires.UTC().Format(time.RFC3339)
			}
			if c.LeftToAgent {
				p += ", " + leftToAgent(c)
			}
			p += ")"
		}
		if by := shadowedBy(f, i); by != "" && f.State != discovery.StateShadowed {
			p += " [shadowed by " + by + "]"
		} else if by == "" {
			for _, h := range handout {
				if h.Provider == c.Provider && h.LeftToAgent && h.File != c.File {
					p += " [auth extract only: " + h.Agent() + "'s own login takes " + h.Provider + "]"
				}
			}
		}
		parts = append(parts, p)
	}
	for _, c := range f.Expired {
		p := printable(c.Provider) + "=" + discovery.Mask(c.Value) + " (oauth, expired " + c.Expires.UTC().Format(time.RFC3339)
		if c.LeftToAgent && c.Refreshable {
			p += ", " + leftToAgent(c) + ", which it refreshes"
		}
		parts = append(parts, p+")")
	}
	for _, l := range f.Listed {
		parts = append(parts, printable(l.Name)+"="+discovery.Mask(l.Value)+" ("+l.Kind+": "+l.Note+")")
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
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", f.Priority, f.Source, printable(tildePath(f.Path, home)), stateText(f), providerText(f, res.Handout))
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
	// LeftToAgent names the agent whose own login this is (not handed out; Note says why).
	LeftToAgent string `json:"left_to_agent,omitempty"`
	Note        string `json:"note,omitempty"`
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

func writeSourcesJSON(w io.Writer, res discovery.Result, warnings []discovery.Warning) error {
	out := jsonSources{Sources: []jsonSource{}, Warnings: []string{}}
	for _, f := range res.Files {
		s := jsonSource{Source: f.Source, Priority: f.Priority, Path: f.Path, State: jsonState(f.State), Reason: f.Reason, Found: []jsonFound{}}
		for i, c := range f.Found {
			j := jsonFound{Provider: c.Provider, Masked: discovery.Mask(c.Value), Kind: string(c.Kind), ShadowedBy: shadowedBy(f, i)}
			if !c.Expires.IsZero() {
				e := c.Expires.UTC().Format(time.RFC3339)
				j.Expires = &e
			}
			if c.LeftToAgent {
				j.LeftToAgent = c.Agent()
				j.Note = c.Agent() + " reads and refreshes its own login: the shell hooks, direnv and amika run leave it to it"
			}
			s.Found = append(s.Found, j)
		}
		for _, c := range f.Expired {
			e := c.Expires.UTC().Format(time.RFC3339)
			j := jsonFound{Provider: c.Provider, Masked: discovery.Mask(c.Value), Kind: string(c.Kind), Expires: &e, Expired: true}
			if c.LeftToAgent && c.Refreshable {
				j.LeftToAgent = c.Agent()
				j.Note = c.Agent() + " refreshes its own login when it starts: the shell hooks, direnv and amika run leave it to it and hand out nothing else for " + c.Provider
			}
			s.Found = append(s.Found, j)
		}
		for _, l := range f.Listed {
			s.Found = append(s.Found, jsonFound{Provider: l.Name, Masked: discovery.Mask(l.Value), Kind: l.Kind, Note: l.Note})
		}
		out.Sources = append(out.Sources, s)
	}
	for _, x := range warnings {
		out.Warnings = append(out.Warnings, x.String())
	}
	return writeJSON(w, out)
}
