package report

import (
	"fmt"
	"io"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store"
	"github.com/amika-dev/amika/store/agent"
)

// jsonSecret is a secret as listings show it: metadata and where it lives, never the value.
type jsonSecret struct {
	Name string `json:"name"`
	store.Meta
	Store string `json:"store"`
}

func secretsJSON(w io.Writer, list []store.Secret) error {
	out := make([]jsonSecret, 0, len(list))
	for _, s := range list {
		out = append(out, jsonSecret{s.Name, s.Meta, s.Store})
	}
	return WriteJSON(w, out)
}

// Secrets lists stored secrets, never their values: NAME, TYPE, PROVIDER, UPDATED, STORE;
// an agent's credentials (agents) as ID, NAME (the label), TYPE, UPDATED, STORE.
func Secrets(w io.Writer, f Format, list []store.Secret, agents bool) error {
	if f == JSON {
		return secretsJSON(w, list)
	}
	head := "NAME\tTYPE\tPROVIDER"
	cells := func(s store.Secret) (string, string, string) {
		return s.Name, Dash(string(s.Type)), Dash(printable(s.Provider))
	}
	if agents {
		head = "ID\tNAME\tTYPE"
		cells = func(s store.Secret) (string, string, string) { return s.Name, Dash(printable(s.Label)), string(s.Type) }
	}
	tw := NewTable(w)
	fmt.Fprintln(tw, head+"\tUPDATED\tSTORE")
	for _, s := range list {
		a, b, c := cells(s)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a, b, c, Dash(s.Updated.String()), s.Store)
	}
	return tw.Flush()
}

// Pending shows secrets about to be stored: names, masked values, where they came from.
func Pending(w io.Writer, secrets []store.Secret) error {
	tw := NewTable(w)
	fmt.Fprintln(tw, "NAME\tVALUE\tFROM")
	for _, s := range secrets {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, discovery.Mask(s.Value), s.Origin)
	}
	return tw.Flush()
}

// Discovered shows resolved credentials as `secret extract` would store them: under the
// first variable their kind is handed out as ("-" for none), values masked.
func Discovered(w io.Writer, creds []discovery.Credential, p discovery.Paths) error {
	tw := NewTable(w)
	fmt.Fprintln(tw, "NAME\tPROVIDER\tKIND\tVALUE\tSOURCE")
	for _, c := range creds {
		name := store.ExtractName(c)
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s %s\n", name, c.Provider, c.Kind, discovery.Mask(c.Value), c.Source, p.Tilde(c.File))
	}
	return tw.Flush()
}

// Candidate shows the one agent credential about to be stored.
func Candidate(w io.Writer, c agent.Candidate) error {
	tw := NewTable(w)
	fmt.Fprintln(tw, "TYPE\tVALUE\tFROM")
	fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Type, c.Masked(), c.Origin)
	return tw.Flush()
}

// Candidates numbers the agent credentials to choose from.
func Candidates(w io.Writer, found []agent.Candidate, p discovery.Paths) error {
	tw := NewTable(w)
	fmt.Fprintln(tw, "#\tTYPE\tVALUE\tFROM")
	for i, c := range found {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", i+1, c.Type, c.Masked(), p.Tilde(c.Origin))
	}
	return tw.Flush()
}
