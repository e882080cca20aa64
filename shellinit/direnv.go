package shellinit

import (
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
			return fmt.Errorf("%q is not a valid variable name", v.Name)
		}
		fmt.Fprintf(&b, "export %s=%s\n", v.Name, QuoteSh(v.Value))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
