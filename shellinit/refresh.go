package shellinit

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store"
)

// refreshEnd closes every refresh answer: a hook applies nothing that does not end with it.
const refreshEnd = "# amika: refresh complete"

// WatchPaths lists what a hook watches: every file discovery may read, the keyring's
// storage when res read keyring items (an agent's login or logout there writes no file of
// the agent's), the store stamp, which every store write touches, and the password
// stores' folders, which a git pull changes.
func WatchPaths(p discovery.Paths, res discovery.Result) []string {
	out := append(discovery.SourcePaths(p), res.Watch...)
	return append(out, store.WatchPaths(p, os.Getenv)...)
}

// Refresh is one answer to a hook: the variable changes, then what the fast path checks
// until the next refresh.
type Refresh struct {
	Shell    Shell
	Changes  []Change
	Exported string // the new _AMIKA_EXPORTED
	// Present are the watched paths that exist; Absent, those that do not, each given as its
	// highest missing directory (one test for ~/.gemini instead of one per file in it).
	Present []string
	Absent  []string
	Stamp   string // empty: no stamp, and no file test (see Session.stamp)
	Slot    int    // the stamp's slot, 0 or 1
	// Expiry is the earliest expiry of an exported OAuth token; zero for none.
	Expiry    time.Time
	StampTime time.Time
}

// NewRefresh plans a refresh of the variables in as, given the environment, and looks at
// which watched paths exist now.
func NewRefresh(sh Shell, as []discovery.Assignment, lookup func(string) (string, bool), watch []string, stamp string, slot int, stampTime time.Time) Refresh {
	r := Refresh{Shell: sh, Stamp: stamp, Slot: slot, StampTime: stampTime}
	r.Changes, r.Exported = Plan(as, lookup)
	dirs := map[string]bool{} // whether a directory exists, for the walks up from missing paths
	for _, p := range watch {
		if _, err := os.Stat(p); err == nil {
			r.Present = addPath(r.Present, p)
		} else {
			r.Absent = addPath(r.Absent, highestMissing(p, dirs))
		}
	}
	for _, a := range as {
		if a.Kind == discovery.KindOAuth && !a.Expires.IsZero() && (r.Expiry.IsZero() || a.Expires.Before(r.Expiry)) {
			r.Expiry = a.Expires
		}
	}
	return r
}

func addPath(paths []string, p string) []string {
	for _, q := range paths {
		if q == p {
			return paths
		}
	}
	return append(paths, p)
}

// highestMissing is the highest directory above the missing path p that is missing too,
// or p: while it is missing, so is p. dirs remembers what it found.
func highestMissing(p string, dirs map[string]bool) string {
	for {
		parent := filepath.Dir(p)
		if parent == p {
			return p
		}
		exists, seen := dirs[parent]
		if !seen {
			_, err := os.Stat(parent)
			exists = !errors.Is(err, fs.ErrNotExist)
			dirs[parent] = exists
		}
		if exists {
			return p
		}
		p = parent
	}
}

// expirySeconds is the first whole second at which the token counts as expired.
func expirySeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// unchanged is the test the fast path runs at each prompt: every path that existed still
// exists and is older than the stamp, no other path exists, and the amika the hook runs
// ($_amika_bin) is older than the stamp. A new amika is a change: it may hand out under
// other names, and what an older one exported is cleaned up at the next prompt. (An
// installer that keeps the old mtime, as tar and dpkg do, is not seen: watching the
// directory too would cost every prompt two more stat calls.) A missing amika is no
// change (the hook does not run one). It is written out as one test, so each prompt costs
// its stat calls and little else. Without a stamp nothing counts as changed.
func (r Refresh) unchanged(d dialect) string {
	if r.Stamp == "" {
		return "-n 1"
	}
	q := d.quote
	stamp := q(r.Stamp)
	var tests []string
	for _, p := range r.Present {
		tests = append(tests, d.olderThan(stamp, q(p)))
	}
	for _, p := range r.Absent {
		tests = append(tests, "! -e "+q(p))
	}
	tests = append(tests, d.notNewer(stamp, `"`+d.expand("_amika_bin")+`"`))
	return d.all(tests)
}

// Write renders the refresh as shell code for r.Shell: the changes, _AMIKA_EXPORTED, then
// refresh.SHELL (the fast path's test and state), ending with refreshEnd.
func (r Refresh) Write(w io.Writer) error {
	d := r.Shell.dialect()
	var b strings.Builder
	for _, c := range r.Changes {
		c.write(&b, d)
	}
	exported := Change{Op: OpUnset, Name: exportedVar}
	if r.Exported != "" {
		exported = Change{OpSet, exportedVar, r.Exported}
	}
	exported.write(&b, d)
	var expiry, ttl int64
	if !r.Expiry.IsZero() {
		expiry = expirySeconds(r.Expiry)
		if r.Stamp != "" { // fish counts from the stamp's mtime
			ttl = max(expiry-r.StampTime.Unix(), 1)
		}
	}
	err := render(&b, "refresh."+string(r.Shell),
		"UNCHANGED", r.unchanged(d),
		"SIG", sigExpr(d),
		"STAMP", d.quote(r.Stamp),
		"SLOT", strconv.Itoa(r.Slot),
		"EXPIRY", strconv.FormatInt(expiry, 10), // epoch seconds, for bash and zsh
		"TTL", strconv.FormatInt(ttl, 10), // seconds after the stamp's mtime, for fish
	)
	if err != nil {
		return err
	}
	b.WriteString(refreshEnd + "\n")
	_, err = io.WriteString(w, b.String())
	return err
}
