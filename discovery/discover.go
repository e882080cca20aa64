// Package discovery finds the API keys and OAuth tokens that coding agents keep on disk and
// resolves one credential per provider by a fixed priority. It reads files and takes the
// paths and the clock as inputs; it never prints.
package discovery

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/amika-dev/amika/internal/safefile"
)

// Kind says whether a credential is a long-lived API key or an OAuth access token.
type Kind string

const (
	KindAPIKey Kind = "api_key"
	KindOAuth  Kind = "oauth"
)

// Credential is one provider's key as found in one file.
type Credential struct {
	Provider string
	Value    string
	Source   string // source id, e.g. "claude_oauth"
	Priority int
	File     string
	Kind     Kind
	Expires  time.Time // zero: no expiry
}

// Warning is a source file that could not be used, or an entry in it that was skipped.
type Warning struct {
	Source string
	Path   string
	Reason string
}

// String is the warning as one line: "<source> <path>: <reason>". A path holding control
// characters is quoted so the warning stays one line.
func (w Warning) String() string {
	path := w.Path
	if strings.IndexFunc(path, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		path = strconv.Quote(path)
	}
	if w.Source == "" {
		return fmt.Sprintf("%s: %s", path, w.Reason)
	}
	return fmt.Sprintf("%s %s: %s", w.Source, path, w.Reason)
}

// State is what discovery made of one source file.
type State string

const (
	StateFound     State = "found"
	StateShadowed  State = "shadowed"
	StateMissing   State = "not found"
	StateEmpty     State = "no credential"
	StateExpired   State = "expired"
	StateMalformed State = "malformed"
	StateNoOAuth   State = "skipped (--no-oauth)"
	StateNotRead   State = "not read"
)

// FileReport tells what one source file yielded and why.
type FileReport struct {
	Source   string
	Priority int
	Path     string
	State    State
	Reason   string       // for malformed and not-read files
	Found    []Credential // credentials the file yielded, won or not
	Expired  []Credential // OAuth tokens it holds that have expired (not used)
	// ShadowedBy says, for each of Found, what won its provider instead: a source id, or
	// "an earlier entry" of the same file; "" for a credential that won. Nil when all won.
	ShadowedBy []string
}

// Options are the inputs of one discovery run.
type Options struct {
	Paths   Paths
	Now     time.Time
	NoOAuth bool
	// Stored, when set, is the OS keyring side of the amika_keychain source: secrets held
	// outside keychain.json. They rank after keychain.json at the same priority.
	Stored *StoredSecrets
	// Extra are stores read as sources of their own (team password stores), each placed
	// among the sources by its priority, after those of equal priority.
	Extra []StoredSource
}

// StoredSource is a store discovery reads as a source of its own.
type StoredSource struct {
	ID       string // e.g. "amika_team"
	Priority int
	Label    string // shown where a file path would be
	Read     func() (map[string]string, error)
}

// StoredSecrets reads secrets kept in a store other than keychain.json.
type StoredSecrets struct {
	Label string // shown where a file path would be, e.g. "keyring:amika"
	// Read returns secret name → value. It is called only when discovery runs.
	Read func() (map[string]string, error)
}

// Result is one discovery run: the winning credential per provider, sorted by provider,
// every file looked at, and the warnings to show.
type Result struct {
	Credentials []Credential
	Files       []FileReport
	Warnings    []Warning
}

// maxFileSize bounds what discovery reads from one file. Claude Code's state file runs to
// megabytes; anything far beyond that is not an agent's credential file.
const maxFileSize = 256 << 20

// Discover reads every source and resolves one credential per provider.
func Discover(opt Options) Result {
	var res Result
	won := map[string]winner{}
	var reader safefile.Reader
	record := func(rep FileReport, c *parseContext) {
		for _, p := range c.problems {
			res.Warnings = append(res.Warnings, Warning{rep.Source, rep.Path, p})
		}
		if rep.State == StateMalformed {
			res.Warnings = append(res.Warnings, Warning{rep.Source, rep.Path, rep.Reason})
		}
		for _, cred := range c.expired {
			cred.Source, cred.Priority, cred.File = rep.Source, rep.Priority, rep.Path
			rep.Expired = append(rep.Expired, cred)
		}
		for _, cred := range c.found {
			cred.Source, cred.Priority, cred.File = rep.Source, rep.Priority, rep.Path
			rep.Found = append(rep.Found, cred)
			if _, taken := won[cred.Provider]; !taken {
				won[cred.Provider] = winner{cred, len(res.Files), len(rep.Found) - 1}
			}
		}
		res.Files = append(res.Files, rep)
	}
	extra := opt.Extra
	readExtra := func(above int) {
		for len(extra) > 0 && extra[0].Priority > above {
			x := extra[0]
			extra = extra[1:]
			rep := FileReport{Source: x.ID, Priority: x.Priority, Path: x.Label}
			c := parseContext{now: opt.Now, noOAuth: opt.NoOAuth}
			rep.State, rep.Reason = readStored(&StoredSecrets{Label: x.Label, Read: x.Read}, &c)
			record(rep, &c)
		}
	}
	for _, src := range Sources {
		readExtra(src.Priority)
		files := src.Files(opt.Paths)
		if src.ID == "amika_keychain" && opt.Stored != nil {
			files = append(files, opt.Stored.Label)
		}
		yielded := false
		for _, path := range files {
			rep := FileReport{Source: src.ID, Priority: src.Priority, Path: path}
			switch {
			case yielded:
				rep.State, rep.Reason = StateNotRead, "an earlier file of "+src.ID+" yielded a credential"
			case src.OAuth && opt.NoOAuth:
				rep.State = StateNoOAuth
			default:
				c := parseContext{now: opt.Now, noOAuth: opt.NoOAuth}
				if opt.Stored != nil && path == opt.Stored.Label {
					rep.State, rep.Reason = readStored(opt.Stored, &c)
				} else {
					rep.State, rep.Reason = readSource(&reader, src, path, &c)
				}
				record(rep, &c)
				yielded = len(c.found) > 0
				continue
			}
			res.Files = append(res.Files, rep)
		}
	}
	readExtra(-1 << 31)
	for _, w := range won {
		res.Credentials = append(res.Credentials, w.Credential)
	}
	sort.Slice(res.Credentials, func(i, j int) bool { return res.Credentials[i].Provider < res.Credentials[j].Provider })
	markShadowed(res.Files, won)
	return res
}

// readSource reads and parses one file and says what state it is in.
func readSource(r *safefile.Reader, src Source, path string, c *parseContext) (state State, reason string) {
	data, release, err := r.Read(path, maxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return StateMissing, ""
	}
	if err != nil {
		return StateMalformed, err.Error()
	}
	if release != nil {
		defer release()
		// A mapped file truncated under us faults; that is a file changing while being
		// read, not a crash.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				if _, fault := r.(interface{ Addr() uintptr }); !fault {
					panic(r)
				}
				c.reset()
				state, reason = StateMalformed, "the file changed while it was being read"
			}
		}()
	}
	if err := src.parse(data, c); err != nil {
		// A file that cannot be used yields nothing, not whatever came before the fault.
		c.reset()
		return StateMalformed, err.Error()
	}
	return c.state(), ""
}

func readStored(s *StoredSecrets, c *parseContext) (State, string) {
	secrets, err := s.Read()
	if err != nil {
		return StateMalformed, err.Error()
	}
	names := make([]string, 0, len(secrets))
	for name := range secrets {
		names = append(names, name)
	}
	sort.Strings(names)
	c.addVariables(names, func(i int) (string, bool) { return secrets[names[i]], true }, KindAPIKey)
	return c.state(), ""
}

// reset drops everything a file yielded: a file that cannot be used yields nothing.
func (c *parseContext) reset() { *c = parseContext{now: c.now, noOAuth: c.noOAuth} }

func (c *parseContext) state() State {
	switch {
	case len(c.found) > 0:
		return StateFound
	case len(c.expired) > 0:
		return StateExpired
	case c.skippedOAuth > 0:
		return StateNoOAuth
	}
	return StateEmpty
}

// winner is the credential that won a provider, and where it is in Result.Files.
type winner struct {
	Credential
	file, index int
}

func markShadowed(files []FileReport, won map[string]winner) {
	for i := range files {
		f := &files[i]
		if f.State != StateFound {
			continue
		}
		own := false
		for j, c := range f.Found {
			w := won[c.Provider]
			if w.file == i && w.index == j {
				own = true
				continue
			}
			if f.ShadowedBy == nil {
				f.ShadowedBy = make([]string, len(f.Found))
			}
			if w.file == i {
				f.ShadowedBy[j] = "an earlier entry"
			} else {
				f.ShadowedBy[j] = w.Source
			}
		}
		if !own {
			f.State = StateShadowed
		}
	}
}

// Canonical normalizes a provider name: trimmed, lower-cased, `_`, space, `.` and `/` as
// `-`, runs of `-` folded, no leading or trailing `-`; claude → anthropic, codex → openai.
func Canonical(provider string) string {
	var b strings.Builder
	b.Grow(len(provider))
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(provider)) {
		switch r {
		case '-', '_', ' ', '.', '/':
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(r)
	}
	switch p := b.String(); p {
	case "claude":
		return "anthropic"
	case "codex":
		return "openai"
	default:
		return p
	}
}

// EnvNames gives the variables a provider's credential is exported under.
func EnvNames(provider string) []string {
	switch provider {
	case "anthropic":
		return []string{"ANTHROPIC_API_KEY", "CLAUDE_API_KEY"}
	case "openai":
		return []string{"OPENAI_API_KEY", "CODEX_API_KEY"}
	}
	return []string{strings.ToUpper(strings.ReplaceAll(provider, "-", "_")) + "_API_KEY"}
}

// Assignment is one environment variable to set to a credential's value.
type Assignment struct {
	Name string
	Credential
}

// Assignments turns credentials into variables sorted by name. Names that are not valid
// variable names and values holding NUL are left out with a warning.
func Assignments(creds []Credential) ([]Assignment, []Warning) {
	var out []Assignment
	var warns []Warning
	for _, c := range creds {
		if c.Provider == "" {
			warns = append(warns, Warning{c.Source, c.File, "empty provider name: skipped"})
			continue
		}
		if strings.IndexByte(c.Value, 0) >= 0 {
			warns = append(warns, Warning{c.Source, c.File, fmt.Sprintf("provider %q: value holds a NUL byte and cannot be exported: skipped", c.Provider)})
			continue
		}
		for _, name := range EnvNames(c.Provider) {
			if !ValidName(name) {
				warns = append(warns, Warning{c.Source, c.File, fmt.Sprintf("provider %q gives %q, not a valid variable name: skipped", c.Provider, name)})
				continue
			}
			out = append(out, Assignment{Name: name, Credential: c})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, warns
}

// ValidName reports whether name matches ^[A-Za-z_][A-Za-z0-9_]*$.
func ValidName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9' {
			continue
		}
		return false
	}
	return true
}

// SourcePaths lists every file discovery may read, in source order: what a shell hook or
// direnv watches.
func SourcePaths(p Paths) []string {
	var out []string
	for _, s := range Sources {
		out = append(out, s.Files(p)...)
	}
	return out
}
