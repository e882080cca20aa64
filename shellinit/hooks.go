package shellinit

import (
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store"
)

// Shell is a shell `amika init` writes a hook for.
type Shell string

const (
	Bash Shell = "bash"
	Zsh  Shell = "zsh"
	Fish Shell = "fish"
)

// Shells lists the shells amika init supports.
var Shells = []Shell{Bash, Zsh, Fish}

// ParseShell checks a shell name.
func ParseShell(name string) (Shell, error) {
	for _, s := range Shells {
		if string(s) == name {
			return s, nil
		}
	}
	return "", fmt.Errorf("unsupported shell %q (supported: bash, zsh, fish)", name)
}

func (sh Shell) quote(s string) string {
	if sh == Fish {
		return QuoteFish(s)
	}
	return QuoteSh(s)
}

// The hooks are real shell files, so they read as shell and each shell can check its own.
//
//go:embed hook.bash hook.zsh hook.fish lazy.bash lazy.zsh lazy.fish
var scripts embed.FS

// refreshEnd closes every refresh answer: a hook applies nothing that does not end with it.
const refreshEnd = "# amika: refresh complete"

// sigVars choose the paths amika reads: when one of them changes, the hook refreshes.
var sigVars = []string{"HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "CLAUDE_CONFIG_DIR", "CODEX_HOME", "AMIKA_STORE"}

// sigExpr is the shell expression whose value the hook compares with the one it had at the
// last refresh.
func sigExpr(sh Shell) string {
	parts := make([]string, len(sigVars))
	for i, v := range sigVars {
		if sh == Fish {
			parts[i] = "$" + v
		} else {
			parts[i] = "${" + v + "-}"
		}
	}
	return `"` + strings.Join(parts, "|") + `"`
}

// Hook is the shell code `amika init` prints before the first refresh.
type Hook struct {
	Shell Shell
	Bin   string   // amika's path, called on the slow path
	ID    string   // names this shell's stamp file
	Args  []string // options every refresh repeats: --no-oauth, --homedir, the filter
	Lazy  bool     // wrapper functions instead of variables
}

// Write renders the hook's shell code.
func (h Hook) Write(w io.Writer) error {
	kind := "hook."
	if h.Lazy {
		kind = "lazy."
	}
	data, err := scripts.ReadFile(kind + string(h.Shell))
	if err != nil {
		return fmt.Errorf("no hook for shell %q", h.Shell)
	}
	args := make([]string, len(h.Args))
	for i, a := range h.Args {
		args[i] = h.Shell.quote(a)
	}
	// before the first refresh the paths count as changed
	data = []byte(strings.ReplaceAll(string(data), "@AMIKA_UNCHANGED@", "-n ''"))
	spaced := ""
	if len(args) > 0 {
		spaced = " " + strings.Join(args, " ")
	}
	r := strings.NewReplacer(
		" @AMIKA_ARGS@", spaced,
		"@AMIKA_BIN@", h.Shell.quote(h.Bin),
		"@AMIKA_ID@", h.Shell.quote(h.ID),
		"@AMIKA_ARGS@", strings.Join(args, " "),
		"@AMIKA_SIG@", sigExpr(h.Shell),
	)
	_, err = io.WriteString(w, r.Replace(string(data)))
	return err
}

// NewHookID returns a fresh id for one shell's stamp file. It is random, not the shell's
// pid: two live shells must never share a stamp, and pids come back.
func NewHookID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ValidHookID reports whether id can name a stamp file.
func ValidHookID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// WatchPaths lists what a hook watches: every file discovery may read, the store stamp,
// which every store write touches (the keyring has no file to watch), and the password
// stores' folders, which a git pull changes.
func WatchPaths(p discovery.Paths) []string {
	return append(discovery.SourcePaths(p), store.WatchPaths(p, os.Getenv)...)
}

// StampDir is where hooks keep one stamp file per shell: $XDG_RUNTIME_DIR/amika when set and
// absolute (a tmpfs cleared at logout), else <cache dir>/amika/hooks.
func StampDir(p discovery.Paths, getenv func(string) string) string {
	if d := getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "amika")
	}
	return filepath.Join(p.CacheDir, "amika", "hooks")
}

// staleStamp is how long a stamp may go unrefreshed before another shell removes it. A
// shell whose stamp was removed refreshes once at its next prompt and writes a new one.
const staleStamp = 7 * 24 * time.Hour

// TouchStamp writes the stamp file of hook id in dir, in the slot the shell is not using,
// and returns its path and modification time. It is written before discovery reads
// anything, with the kernel's clock (the one every other file's mtime comes from): a source
// written afterwards has an mtime no older than it. The shell keeps comparing with the old
// slot until it has applied this refresh, so a refresh cut short hides no change.
func TouchStamp(dir, id string, slot int) (string, time.Time, error) {
	if !ValidHookID(id) {
		return "", time.Time{}, fmt.Errorf("hook id %q: want 1 to 64 hex digits", id)
	}
	path := filepath.Join(dir, fmt.Sprintf("hook-%s-%d.stamp", id, slot))
	_, statErr := os.Stat(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", time.Time{}, fmt.Errorf("hook stamp: %v", err)
	}
	if err := touchNow(path); err != nil {
		return "", time.Time{}, fmt.Errorf("hook stamp: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("hook stamp: %v", err)
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		removeStaleStamps(dir, fi.ModTime())
	}
	return path, fi.ModTime(), nil
}

func removeStaleStamps(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "hook-") || !strings.HasSuffix(e.Name(), ".stamp") {
			continue
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > staleStamp {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Filter keeps the assignments whose variable name or canonical provider is among wants;
// no wants keeps them all.
func Filter(as []discovery.Assignment, wants []string) []discovery.Assignment {
	if len(wants) == 0 {
		return as
	}
	var out []discovery.Assignment
	for _, a := range as {
		for _, w := range wants {
			if a.Name == w || a.Provider == discovery.Canonical(w) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// exportedVar is the exported variable listing what amika exported, as NAME:fingerprint
// separated by spaces. Exported, so a shell started from this one knows which of the
// values it inherits are amika's.
const exportedVar = "_AMIKA_EXPORTED"

// fingerprint identifies the value amika gave a variable without holding it: a truncated
// SHA-256, enough to tell whether someone changed the value since.
func fingerprint(name, value string) string {
	sum := sha256.Sum256([]byte("amika\x00" + name + "\x00" + value))
	return hex.EncodeToString(sum[:12])
}

func parseExported(s string) map[string]string {
	out := map[string]string{}
	for _, f := range strings.Fields(s) {
		if name, fp, ok := strings.Cut(f, ":"); ok && discovery.ValidName(name) {
			out[name] = fp
		}
	}
	return out
}

// Op is what a refresh does to one variable.
type Op int

const (
	OpSet        Op = iota // amika's own variable: overwrite
	OpSetIfUnset           // nobody's: set it unless the shell holds an unexported one
	OpUnset                // amika's own, no longer resolved
)

// Change is one variable a refresh sets or unsets.
type Change struct {
	Op    Op
	Name  string
	Value string
}

// Plan decides what a refresh does: it sets what resolves, unsets what amika exported that no
// longer resolves, and leaves alone every variable the user set or changed. lookup reads the
// environment the hook runs amika in. It returns the changes and the new _AMIKA_EXPORTED.
func Plan(as []discovery.Assignment, lookup func(string) (string, bool)) ([]Change, string) {
	prev, _ := lookup(exportedVar)
	owned := parseExported(prev)
	mine := func(name string) bool {
		fp, listed := owned[name]
		v, set := lookup(name)
		return listed && set && fp == fingerprint(name, v)
	}
	var changes []Change
	var claims []string
	resolved := map[string]bool{}
	for _, a := range as {
		resolved[a.Name] = true
		v, set := lookup(a.Name)
		switch {
		case mine(a.Name):
			if v != a.Value {
				changes = append(changes, Change{OpSet, a.Name, a.Value})
			}
		case set:
			continue // the user's
		default:
			changes = append(changes, Change{OpSetIfUnset, a.Name, a.Value})
		}
		claims = append(claims, a.Name+":"+fingerprint(a.Name, a.Value))
	}
	names := make([]string, 0, len(owned))
	for name := range owned {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !resolved[name] && mine(name) {
			changes = append(changes, Change{Op: OpUnset, Name: name})
		}
	}
	return changes, strings.Join(claims, " ")
}

// Refresh is one answer to a hook: the variable changes, then what the fast path checks
// until the next refresh.
type Refresh struct {
	Shell    Shell
	Changes  []Change
	Exported string // the new _AMIKA_EXPORTED
	Present  []string
	Absent   []string
	Stamp    string
	Slot     int // the stamp's slot, 0 or 1
	// Expiry is the earliest expiry of an exported OAuth token; zero for none.
	Expiry    time.Time
	StampTime time.Time
}

// NewRefresh plans a refresh of the variables in as, given the environment, and looks at
// which watched paths exist now.
func NewRefresh(sh Shell, as []discovery.Assignment, lookup func(string) (string, bool), watch []string, stamp string, slot int, stampTime time.Time) Refresh {
	r := Refresh{Shell: sh, Stamp: stamp, Slot: slot, StampTime: stampTime}
	r.Changes, r.Exported = Plan(as, lookup)
	for _, p := range watch {
		if _, err := os.Stat(p); err == nil {
			r.Present = append(r.Present, p)
		} else {
			r.Absent = append(r.Absent, p)
		}
	}
	for _, a := range as {
		if a.Kind == discovery.KindOAuth && !a.Expires.IsZero() && (r.Expiry.IsZero() || a.Expires.Before(r.Expiry)) {
			r.Expiry = a.Expires
		}
	}
	return r
}

// expirySeconds is the first whole second at which the token counts as expired.
func expirySeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// unchangedExpr is the test the fast path runs at each prompt: every path that existed
// still exists and is older than the stamp, and no other path exists. It is written out as
// one test, so each prompt costs its stat calls and little else.
func (r Refresh) unchangedExpr() string {
	q := r.Shell.quote
	and, present, absent := " && ", "-e %s && %s -nt %s", "! -e %s"
	if r.Shell == Fish {
		and, present = " -a ", "-e %s -a %s -nt %s"
	}
	var terms []string
	for _, p := range r.Present {
		terms = append(terms, fmt.Sprintf(present, q(p), q(r.Stamp), q(p)))
	}
	for _, p := range r.Absent {
		terms = append(terms, fmt.Sprintf(absent, q(p)))
	}
	if len(terms) == 0 {
		return "-n 1"
	}
	return strings.Join(terms, and)
}

// unchanged defines the fast path's test for the shell: a function in bash and fish; in
// zsh, where a function call costs more than the test, the whole hook again, from hook.zsh,
// with the test inlined.
func (r Refresh) unchanged() string {
	expr := r.unchangedExpr()
	switch r.Shell {
	case Fish:
		return "function _amika_unchanged\n    test " + expr + "\nend\n"
	case Zsh:
		data, _ := scripts.ReadFile("hook.zsh")
		hook := string(data)
		start, end := strings.Index(hook, "# >>> hook"), strings.Index(hook, "# <<< hook")
		return strings.NewReplacer("@AMIKA_UNCHANGED@", expr, "@AMIKA_SIG@", sigExpr(Zsh)).Replace(hook[start:end])
	}
	return "_amika_unchanged() { [[ " + expr + " ]]; }\n"
}

// Write renders the refresh as shell code for r.Shell, ending with refreshEnd.
func (r Refresh) Write(w io.Writer) error {
	var b strings.Builder
	q := r.Shell.quote
	if r.Shell == Fish {
		for _, c := range r.Changes {
			switch c.Op {
			case OpSet:
				fmt.Fprintf(&b, "set -gx %s %s\n", c.Name, q(c.Value))
			case OpSetIfUnset:
				fmt.Fprintf(&b, "set -q %s; or set -gx %s %s\n", c.Name, c.Name, q(c.Value))
			case OpUnset:
				fmt.Fprintf(&b, "set -eg %s\n", c.Name)
			}
		}
		if r.Exported != "" {
			fmt.Fprintf(&b, "set -gx %s %s\n", exportedVar, q(r.Exported))
		} else {
			fmt.Fprintf(&b, "set -eg %s\n", exportedVar)
		}
		var ttl int64
		if !r.Expiry.IsZero() {
			ttl = max(expirySeconds(r.Expiry)-r.StampTime.Unix(), 1)
		}
		b.WriteString(r.unchanged())
		fmt.Fprintf(&b, "set -g _amika_stamp %s\nset -g _amika_slot %d\nset -g _amika_ttl %d\n", q(r.Stamp), r.Slot, ttl)
	} else {
		for _, c := range r.Changes {
			switch c.Op {
			case OpSet:
				fmt.Fprintf(&b, "export %s=%s\n", c.Name, q(c.Value))
			case OpSetIfUnset:
				fmt.Fprintf(&b, "[ -n \"${%s+x}\" ] || export %s=%s\n", c.Name, c.Name, q(c.Value))
			case OpUnset:
				fmt.Fprintf(&b, "unset %s\n", c.Name)
			}
		}
		if r.Exported != "" {
			fmt.Fprintf(&b, "export %s=%s\n", exportedVar, q(r.Exported))
		} else {
			fmt.Fprintf(&b, "unset %s\n", exportedVar)
		}
		var expiry int64
		if !r.Expiry.IsZero() {
			expiry = expirySeconds(r.Expiry)
		}
		b.WriteString(r.unchanged())
		fmt.Fprintf(&b, "_amika_slot=%d\n_amika_expiry=%d\n", r.Slot, expiry)
	}
	b.WriteString(refreshEnd + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Session is what init and refresh need from the command line and the machine.
type Session struct {
	Shell    Shell
	Filter   []string
	Paths    discovery.Paths
	Getenv   func(string) string
	Lookup   func(string) (string, bool)
	Discover func() (discovery.Result, error)
	Warn     func([]discovery.Warning)
}

// WriteRefresh runs one refresh for hook id, whose shell compares with the stamp in slot
// inUse: stamp the other slot, discover, plan, and print the shell code that applies it.
func (s Session) WriteRefresh(w io.Writer, id string, inUse int) error {
	slot := 1 - inUse
	stamp, stampTime, err := TouchStamp(StampDir(s.Paths, s.Getenv), id, slot)
	if err != nil {
		return err
	}
	res, err := s.Discover()
	if err != nil {
		return err
	}
	as, warns := discovery.Assignments(res.Credentials, discovery.ModeHandout)
	s.Warn(append(res.Warnings, warns...))
	as = Filter(as, s.Filter)
	r := NewRefresh(s.Shell, as, s.Lookup, WatchPaths(s.Paths), stamp, slot, stampTime)
	s.Warn(loginOverride(res, as, r))
	return r.Write(w)
}

// WriteInit prints what `amika init` prints: the hook, then the first refresh inline (so the
// rest of the rc file already sees the variables, without a second process), then the
// completion script. In lazy mode it prints the wrappers and unsets what amika exported in
// a parent shell.
func (s Session) WriteInit(w io.Writer, h Hook, completion func(io.Writer) error) error {
	h.Shell = s.Shell
	if err := h.Write(w); err != nil {
		return err
	}
	if h.Lazy {
		changes, _ := Plan(nil, s.Lookup)
		if _, ok := s.Lookup(exportedVar); ok {
			changes = append(changes, Change{Op: OpUnset, Name: exportedVar})
		}
		var b strings.Builder
		for _, c := range changes {
			if s.Shell == Fish {
				fmt.Fprintf(&b, "set -eg %s\n", c.Name)
			} else {
				fmt.Fprintf(&b, "unset %s\n", c.Name)
			}
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	} else {
		if err := s.WriteRefresh(w, h.ID, 1); err != nil {
			return err
		}
		sig := "_amika_sig=" + sigExpr(s.Shell) + "\n"
		if s.Shell == Fish {
			sig = "set -g _amika_sig " + sigExpr(s.Shell) + "\n"
		}
		if _, err := io.WriteString(w, sig); err != nil {
			return err
		}
	}
	if completion != nil {
		return completion(w)
	}
	return nil
}
