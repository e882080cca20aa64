package shellinit

import (
	"io"
	"strings"

	"github.com/amika-dev/amika/discovery"
)

// Session is what init and refresh need from the command line and the machine.
type Session struct {
	Shell    Shell
	Filter   []string // what to keep (discovery.Select): providers and variable names
	Paths    discovery.Paths
	Lookup   func(string) (string, bool)
	Discover func() (discovery.Result, error)
	Warn     func([]discovery.Warning)
}

// WriteRefresh runs one refresh for hook id, whose shell compares with the stamp in slot
// inUse: stamp the other slot, discover, plan, and print the shell code that applies it.
func (s Session) WriteRefresh(w io.Writer, id string, inUse int) error {
	_, err := s.writeRefresh(w, id, inUse)
	return err
}

func (s Session) writeRefresh(w io.Writer, id string, inUse int) (discovery.Result, error) {
	slot := 1 - inUse
	stamp, stampTime, warns, err := s.stamp(id, slot, inUse)
	if err != nil {
		return discovery.Result{}, err
	}
	s.Warn(warns)
	res, err := s.Discover()
	if err != nil {
		return res, err
	}
	as, warns := discovery.Assignments(res.Handout, discovery.ModeHandout)
	s.Warn(append(res.Warnings, warns...))
	as = discovery.Select(s.Filter).Assignments(as)
	r := NewRefresh(s.Shell, as, s.Lookup, WatchPaths(s.Paths, res), stamp, slot, stampTime)
	s.Warn(loginOverride(res, as, r))
	return res, r.Write(w)
}

// WriteInit prints what `amika init` prints: the hook, then the first refresh inline (so the
// rest of the rc file already sees the variables, without a second process), then the
// completion script. It warns about a filter word that selects nothing (CheckFilter). In
// lazy mode it prints the wrappers and unsets what amika exported in a parent shell.
func (s Session) WriteInit(w io.Writer, h Hook, completion func(io.Writer) error) error {
	h.Shell = s.Shell
	if err := h.Write(w); err != nil {
		return err
	}
	d := s.Shell.dialect()
	if h.Lazy {
		changes, _ := Plan(nil, s.Lookup)
		if _, ok := s.Lookup(exportedVar); ok {
			changes = append(changes, Change{Op: OpUnset, Name: exportedVar})
		}
		var b strings.Builder
		for _, c := range changes {
			c.write(&b, d)
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	} else {
		res, err := s.writeRefresh(w, h.ID, 1)
		if err != nil {
			return err
		}
		// once, here: a refresh repeats the filter without a word about it
		s.Warn(CheckFilter(s.Filter, res))
		var b strings.Builder
		d.set(&b, "_amika_sig", sigExpr(d), false)
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	if completion != nil {
		return completion(w)
	}
	return nil
}
