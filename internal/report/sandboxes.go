package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/sandbox"
)

type jsonSandbox struct {
	Name      string   `json:"name"`
	Running   bool     `json:"running"`
	Workspace string   `json:"workspace,omitempty"`
	Repo      string   `json:"repo,omitempty"`
	Branch    string   `json:"branch,omitempty"`
	Network   string   `json:"network,omitempty"`
	Secrets   []string `json:"secrets"`
	Providers []string `json:"providers"`
	Claude    string   `json:"claude,omitempty"`
	ReadOnly  []string `json:"ro"`
	Created   string   `json:"created,omitempty"`
}

// Sandboxes lists sandboxes: NAME, STATUS, WORKSPACE, BRANCH, NETWORK and the SECRETS they
// name (by reference; never a value).
func Sandboxes(w io.Writer, f Format, all []sandbox.Status, p discovery.Paths) error {
	rows := make([]jsonSandbox, 0, len(all))
	for _, s := range all {
		r := jsonSandbox{Name: s.Name, Running: s.Running, Workspace: s.Workspace, Network: string(s.Network),
			Secrets: []string{}, Providers: append([]string{}, s.Providers...), Claude: s.Claude, ReadOnly: append([]string{}, s.ReadOnly...)}
		if s.Git != nil {
			r.Repo, r.Branch = s.Git.Repo, s.Git.Branch
		}
		for _, x := range s.Secrets {
			r.Secrets = append(r.Secrets, x.Var+"="+x.Secret)
		}
		if !s.Created.IsZero() {
			r.Created = s.Created.UTC().Format(time.RFC3339)
		}
		rows = append(rows, r)
	}
	if f == JSON {
		return WriteJSON(w, rows)
	}
	tw := NewTable(w)
	fmt.Fprintln(tw, "NAME\tSTATUS\tWORKSPACE\tBRANCH\tNETWORK\tSECRETS")
	for _, r := range rows {
		status := "stopped"
		if r.Running {
			status = "running"
		}
		if r.Created == "" {
			status = "incomplete"
		}
		inject := append(append([]string{}, r.Secrets...), r.Providers...)
		if r.Claude != "" {
			inject = append(inject, "claude:"+r.Claude)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, status, Dash(p.Tilde(r.Workspace)), Dash(r.Branch), Dash(r.Network), Dash(strings.Join(inject, ",")))
	}
	return tw.Flush()
}
