package report

import (
	"fmt"
	"io"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store"
	"github.com/amika-dev/amika/store/pass"
)

// Status shows which store is in use and why, and each backend read with its count of
// secrets.
func Status(w io.Writer, f Format, c store.Choice, backends []store.BackendState) error {
	type jsonStore struct {
		Name     string `json:"name"`
		Location string `json:"location"`
		Secrets  int    `json:"secrets"`
		Error    string `json:"error,omitempty"`
	}
	out := make([]jsonStore, 0, len(backends))
	for _, b := range backends {
		j := jsonStore{Name: b.Name, Location: b.Where, Secrets: b.Secrets}
		if b.Err != nil {
			j.Error = b.Err.Error()
		}
		out = append(out, j)
	}
	if f == JSON {
		return WriteJSON(w, struct {
			Backend  string      `json:"backend"`
			Mode     string      `json:"mode"`
			Reason   string      `json:"reason"`
			Location string      `json:"location"`
			Secrets  int         `json:"secrets"`
			Error    string      `json:"error,omitempty"`
			Stores   []jsonStore `json:"stores"`
		}{c.Backend, c.Requested, c.Reason, out[0].Location, out[0].Secrets, out[0].Error, out})
	}
	fmt.Fprintf(w, "backend:  %s\n", c.Backend)
	fmt.Fprintf(w, "why:      %s\n", c.Reason)
	for i, s := range out {
		if i == 0 {
			fmt.Fprintf(w, "location: %s\n", s.Location)
		} else {
			fmt.Fprintf(w, "location: %s, also read (writes go to the %s)\n", s.Location, backendNoun(c.Backend))
		}
		if s.Error != "" {
			fmt.Fprintf(w, "secrets:  unreadable: %s\n", s.Error)
		} else {
			fmt.Fprintf(w, "secrets:  %d\n", s.Secrets)
		}
	}
	return nil
}

// backendNoun names a backend in a sentence: "the keyring", "the file store", "the pass store".
func backendNoun(backend string) string {
	switch backend {
	case "file", "pass":
		return backend + " store"
	}
	return backend
}

// Places lists the stores: NAME, SCOPE, BACKEND, LOCATION (JSON adds where each was named).
func Places(w io.Writer, f Format, places []store.Place) error {
	if f == JSON {
		return WriteJSON(w, places)
	}
	tw := NewTable(w)
	fmt.Fprintln(tw, "NAME\tSCOPE\tBACKEND\tLOCATION")
	for _, r := range places {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Scope, r.Backend, printable(r.Location))
	}
	return tw.Flush()
}

// Members lists whom a store's secrets are encrypted to: FINGERPRINT, USER ID, YOU. The
// table names the file they come from on errOut.
func Members(w, errOut io.Writer, f Format, scope, file string, members []pass.Member, p discovery.Paths) error {
	if f == JSON {
		type jsonMember struct {
			ID          string `json:"id"`
			Fingerprint string `json:"fingerprint,omitempty"`
			UserID      string `json:"user_id,omitempty"`
			Usable      bool   `json:"usable"`
			Yours       bool   `json:"yours"`
		}
		out := []jsonMember{}
		for _, m := range members {
			out = append(out, jsonMember{m.ID, m.Fingerprint, m.UserID, m.Usable, m.Yours})
		}
		return WriteJSON(w, out)
	}
	if file != "" {
		fmt.Fprintf(errOut, "amika: store %s: recipients from %s\n", scope, p.Tilde(file))
	}
	tw := NewTable(w)
	fmt.Fprintln(tw, "FINGERPRINT\tUSER ID\tYOU")
	for _, m := range members {
		fpr, uid, you := m.Fingerprint, m.UserID, ""
		switch {
		case fpr == "":
			fpr, uid = m.ID, "(no public key in your keyring)"
		case !m.Usable:
			uid += " (cannot encrypt)"
		}
		if m.Yours {
			you = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", printable(fpr), Dash(printable(uid)), Dash(you))
	}
	return tw.Flush()
}
