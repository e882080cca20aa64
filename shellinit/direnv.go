package shellinit

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/amika-dev/amika/discovery"
)

// WriteDirenvExtension prints the direnv stdlib extension defining use_amika (direnv.sh),
// calling amika at bin. direnv evaluates .envrc files, and so the extension, in bash.
func WriteDirenvExtension(w io.Writer, bin string) error {
	var b strings.Builder
	if err := render(&b, "direnv.sh", "BIN", QuoteSh(bin)); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Var is one variable to export.
type Var struct{ Name, Value string }

// DirenvExport is what one `use amika` evaluates: direnv's watch_file on every path, then
// the exports.
type DirenvExport struct {
	Watch []string
	Vars  []Var
}

// NewDirenvExport exports the discovered assignments that pass the filter, then extra
// variables (stored secrets) in the order given; a later one wins a name.
func NewDirenvExport(watch []string, as []discovery.Assignment, extra []Var) DirenvExport {
	d := DirenvExport{Watch: watch}
	for _, a := range as {
		d.Vars = append(d.Vars, Var{a.Name, a.Value})
	}
	d.Vars = append(d.Vars, extra...)
	return d
}

// WriteDirenvExport prints what one `use amika` evaluates: the watches, what discovery
// resolves through the filter, then the stored secrets (a later one wins a name). secrets,
// nil when `use amika` names none, resolves them; with secrets and no filter, discovery
// is left out.
func (s Session) WriteDirenvExport(w io.Writer, secrets func() ([]Var, error)) error {
	var as []discovery.Assignment
	var res discovery.Result
	if secrets == nil || len(s.Filter) > 0 {
		var err error
		if res, err = s.Discover(); err != nil {
			return err
		}
		var warns []discovery.Warning
		as, warns = discovery.Assignments(res.Handout, discovery.ModeHandout)
		as = discovery.Select(s.Filter).Assignments(as)
		for _, w := range discovery.LoginOverride(res, as, nil) {
			w.Reason += "; to keep the subscription, leave anthropic out (use amika openai …)"
			warns = append(warns, w)
		}
		warns = append(warns, CheckFilter(s.Filter, res)...)
		if secrets == nil {
			warns = append(warns, LeftOnly(s.Filter, res, as)...)
		}
		s.Warn(append(res.Warnings, warns...))
	}
	var extra []Var
	if secrets != nil {
		var err error
		if extra, err = secrets(); err != nil {
			return err
		}
	}
	return NewDirenvExport(WatchPaths(s.Paths, res), as, extra).Write(w)
}

// Write renders the bash code use_amika evaluates. Every value is single-quoted, so it comes
// back byte for byte (trailing newlines included).
func (d DirenvExport) Write(w io.Writer) error {
	var b strings.Builder
	if len(d.Watch) > 0 {
		b.WriteString("watch_file")
		for _, p := range d.Watch {
			b.WriteString(" " + QuoteSh(p))
		}
		b.WriteString("\n")
	}
	for _, v := range d.Vars {
		if !discovery.ValidName(v.Name) {
			return errors.New("a variable name that is not valid: nothing exported")
		}
		fmt.Fprintf(&b, "export %s=%s\n", v.Name, QuoteSh(v.Value))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
