package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
)

// Sources shows every source discovery read, highest priority first: its state and what it
// yields, values masked. The table leaves warnings to the caller (they go to standard
// error); JSON carries them.
func Sources(w io.Writer, f Format, res discovery.Result, warnings []discovery.Warning, p discovery.Paths) error {
	if f == JSON {
		return sourcesJSON(w, res, warnings)
	}
	return sourcesTable(w, res, p)
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

func sourcesTable(w io.Writer, res discovery.Result, p discovery.Paths) error {
	tw := NewTable(w)
	fmt.Fprintln(tw, "PRIORITY\tSOURCE\tPATH\tSTATE\tPROVIDERS")
	for _, f := range res.Files {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", f.Priority, f.Source, printable(p.Tilde(f.Path)), stateText(f), providerText(f, res.Handout))
	}
	return tw.Flush()
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

func sourcesJSON(w io.Writer, res discovery.Result, warnings []discovery.Warning) error {
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
	return WriteJSON(w, out)
}
