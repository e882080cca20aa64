// Package discovery finds the API keys and OAuth tokens that coding agents keep on disk and
// resolves one credential per provider by a fixed priority. It reads files and takes the
// paths and the clock as inputs; it never prints.
package discovery

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
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
	// LeftToAgent marks an OAuth token read from an agent's own login (Claude Code's
	// .credentials.json or Keychain item, Codex's ChatGPT tokens, OpenCode's and Gemini
	// CLI's OAuth logins, Amp's session): the agent reads and refreshes it itself, and a
	// copy frozen into an environment would expire and then override the fresh one. The
	// paths that start agents here (ModeHandout) do not hand it out; it still resolves
	// its provider.
	LeftToAgent bool
	// Refreshable marks an OAuth token stored with what its agent needs to get a new one
	// (a refresh token): an agent's own login that has expired still works for the agent,
	// which refreshes it at its next start.
	Refreshable bool
}

// Agent names the program whose own login c is ("" for none).
func (c Credential) Agent() string {
	if !c.LeftToAgent {
		return ""
	}
	for _, s := range Sources {
		if s.ID == c.Source {
			return s.Agent
		}
	}
	return ""
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

// FileReport tells what one source file (or keyring item, or variable) yielded and why.
type FileReport struct {
	Source   string
	Priority int
	Path     string
	State    State
	Reason   string       // for malformed and not-read files
	Found    []Credential // credentials the file yielded, won or not
	Expired  []Credential // OAuth tokens it holds that have expired (not used)
	// Listed are things the file holds that are shown, never handed out.
	Listed []Listed
	// ShadowedBy says, for each of Found, what won its provider instead: a source id, or
	// "an earlier entry" of the same file; "" for a credential that won. Nil when all won.
	ShadowedBy []string
	// Present is set when the file exists, also when --no-oauth left it unread.
	Present bool
	// AgentLogin marks where an agent keeps its own login (Claude Code's .credentials.json
	// or Keychain item, …): what it holds is left to that agent.
	AgentLogin bool
}

// Listed is an entry a source holds that is not a provider's credential: shown by
// `auth sources`, never handed out.
type Listed struct {
	Name  string // the entry's name in its file
	Kind  string // e.g. "wellknown"
	Value string // shown masked only
	Note  string // what it is and why it is not handed out
}

// Options are the inputs of one discovery run.
type Options struct {
	Paths   Paths
	Now     time.Time
	NoOAuth bool
	// Stored, when set, replaces the files of the amika_keychain source: the backends of
	// amika's store (the keyring, keychain.json), read in this order, each one row. Every
	// backend is read, whatever the ones before it yielded; the first wins a provider.
	Stored []StoredSecrets
	// Keyring, when set, reads the agents' items in the OS keyring (Codex's keyring store,
	// Gemini CLI's API key, Claude Code's Keychain item on macOS). Nil: those rows are
	// left out.
	Keyring *Keyring
	// Getenv reads variables agents take credentials from (OPENCODE_AUTH_CONTENT). Nil:
	// none.
	Getenv func(string) string
	// Identity gives the host and user names Gemini CLI derives its file key from. Nil:
	// that file is not decrypted.
	Identity func() (host, user string, err error)
	// ReferenceOnly reads only what the reference tool reads (its eight sources, their
	// files, its expiry rules), for `auth extract --reference-names`.
	ReferenceOnly bool
	// Extra are stores read as sources of their own (team password stores), each placed
	// among the sources by its priority, after those of equal priority.
	Extra []StoredSource
}

// StoredSource is a store discovery reads as a source of its own.
type StoredSource struct {
	ID       string // e.g. "amika_team"
	Priority int
	StoredSecrets
}

// StoredSecrets is one backend of amika's store as discovery reads it.
type StoredSecrets struct {
	Label string // shown where a file path would be: "keyring:amika", keychain.json's path
	// Read returns what the backend holds for discovery; an error wrapping fs.ErrNotExist
	// is a backend that holds nothing yet. It is called only when discovery runs.
	Read func() (Stored, error)
}

// Stored is what one backend of amika's store holds for discovery.
type Stored struct {
	// Entries are the secrets discovery takes, each with what the store's metadata says of
	// it: those under variable-style names (ANTHROPIC_API_KEY, GROQ_API_KEY, …,
	// CLAUDE_CODE_OAUTH_TOKEN) and the agents' credentials (`amika secret claude|codex
	// push`). They are amika's, never an agent's own login, so they are handed out. The
	// variable-style names rank first, in sorted order, then the agents' credentials.
	Entries []StoredEntry
	// Problems are the entries the backend skipped, one warning each.
	Problems []string
}

// StoredEntry is one secret of amika's store as discovery takes it.
type StoredEntry struct {
	Name, Value string
	// Kind is the type the store records (KindAPIKey, KindOAuth), "" for any other. A
	// secret under an API-key name is an API key unless recorded as OAuth;
	// CLAUDE_CODE_OAUTH_TOKEN, and any value starting with sk-ant-oat (an Anthropic OAuth
	// token's prefix), are Anthropic OAuth tokens whatever is recorded.
	Kind Kind
	// Agent is "claude" or "codex" for an agent's credential: its provider is the agent's
	// (anthropic, openai), and an OAuth credential is the agent's JSON (Claude Code's
	// {"claudeAiOauth":{…}}) or, for Claude, a bare token.
	Agent string
	// Expires is when an OAuth token stops working, as the store records it; zero: not
	// recorded (an agent's OAuth JSON may say itself).
	Expires time.Time
}

// AnthropicOAuthPrefix starts every Anthropic OAuth token (an access token from Claude
// Code's login, or the long-lived one `claude setup-token` prints); API keys start with
// sk-ant-api.
const AnthropicOAuthPrefix = "sk-ant-oat"

// Keyring reads items of the OS keyring that agents write.
type Keyring struct {
	// Label prefixes an item's row in `auth sources`: "keyring" or "keychain".
	Label string
	// Read returns an item's secret, found=false when there is no such item. It must
	// return promptly: an item it cannot read without asking the user (locked) is an
	// error, not a wait. Nil: the keyring is not read, for the reason in Unavailable.
	Read        func(KeyringItem) (value string, found bool, err error)
	Unavailable string
	// Watch are the files or folders where the keyring keeps its items (e.g.
	// gnome-keyring's <data dir>/keyrings): a change to an item changes them, which a
	// shell hook or direnv can see without asking the keyring. Result.Watch holds them
	// when the keyring was read.
	Watch []string
}

// KeyringItem names one item: its service and account. On the Secret Service these are
// the attributes "service" and, by default, "username" (go-keyring's and Rust's keyring
// crate's); keytar writes the account as "account" instead (AccountAttribute).
type KeyringItem struct {
	Service, Account string
	AccountAttribute string
}

// Result is one discovery run: the winning credential per provider, sorted by provider,
// every file looked at, and the warnings to show.
type Result struct {
	// Credentials are what `auth extract` prints: an expired OAuth token never counts.
	Credentials []Credential
	// Handout are what the paths that start agents here resolve (ModeHandout): as
	// Credentials, except that an agent's own login that has expired but that the agent
	// refreshes itself (Refreshable) still takes its provider, left to the agent, so no
	// lower-priority key replaces the agent's login while it is merely due for a refresh.
	Handout  []Credential
	Files    []FileReport
	Warnings []Warning
	// Watch are paths beyond the sources' files whose change may change the result: the
	// keyring's storage (Keyring.Watch) when keyring items were read.
	Watch []string
}

// File size limits keep a run within 64 MiB of memory and well under half a second
// whatever the files hold. Claude Code's state file (.claude.json, .config.json) runs to
// megabytes for a heavy user, and only one of the two is read; amika's own stores hold
// every secret a user keeps; an agent's credential file holds a few tokens.
const (
	maxFileSize       = 4 << 20  // an agent's credential file
	maxStoreFileSize  = 16 << 20 // amika's flat files
	maxClaudeFileSize = 40 << 20 // Claude Code's global state
)

// maxProblems bounds the warnings one file gives about its entries.
const maxProblems = 10

// Discover reads every source and resolves one credential per provider.
func Discover(opt Options) Result {
	var res Result
	if opt.Keyring != nil && opt.Keyring.Read != nil && !opt.ReferenceOnly {
		res.Watch = opt.Keyring.Watch
	}
	won := map[string]winner{}
	handout := map[string]Credential{}
	take := func(creds []Credential) {
		for _, c := range creds {
			if _, taken := handout[c.Provider]; !taken {
				handout[c.Provider] = c
			}
		}
	}
	var reader safefile.Reader
	extra := opt.Extra
	if opt.ReferenceOnly {
		extra = nil
	}
	// readExtra reads the extra stores ranked above priority.
	readExtra := func(above int) {
		for len(extra) > 0 && extra[0].Priority > above {
			x := extra[0]
			extra = extra[1:]
			rep := FileReport{Source: x.ID, Priority: x.Priority, Path: x.Label}
			c := parseContext{now: opt.Now, noOAuth: opt.NoOAuth}
			rep.State, rep.Reason = readOther(func(c *parseContext) ([]byte, error) {
				return nil, readStored(x.StoredSecrets, c)
			}, nil, &c)
			rep.Present = rep.State != StateMissing
			for _, p := range c.problems[:min(len(c.problems), maxProblems)] {
				res.Warnings = append(res.Warnings, Warning{x.ID, x.Label, p})
			}
			if rep.State == StateMalformed {
				res.Warnings = append(res.Warnings, Warning{x.ID, x.Label, rep.Reason})
			}
			for _, cred := range c.found {
				cred.Source, cred.Priority, cred.File = x.ID, x.Priority, x.Label
				rep.Found = append(rep.Found, cred)
				if _, taken := won[cred.Provider]; !taken {
					won[cred.Provider] = winner{cred, len(res.Files), len(rep.Found) - 1}
				}
			}
			take(rep.Found)
			res.Files = append(res.Files, rep)
		}
	}
	for _, src := range Sources {
		readExtra(src.Priority)
		if opt.ReferenceOnly && !src.Reference {
			continue
		}
		yielded, preferred := false, ""
		for _, loc := range src.locations(opt.Paths, &opt) {
			rep := FileReport{Source: src.ID, Priority: src.Priority, Path: loc.path, AgentLogin: src.Agent != "" && !loc.notOwnLogin}
			switch {
			case loc.unavailable != "":
				rep.State, rep.Reason = StateNotRead, loc.unavailable
			case preferred != "":
				rep.State, rep.Reason = StateNotRead, preferred
			case yielded && !loc.always:
				rep.State, rep.Reason = StateNotRead, "an earlier file of "+src.ID+" yielded a credential"
			case src.OAuth && opt.NoOAuth:
				rep.State = StateNoOAuth
				rep.Present = loc.read == nil && exists(loc.path)
			default:
				c := parseContext{now: opt.Now, noOAuth: opt.NoOAuth, ownLogin: src.Agent != "" && !loc.notOwnLogin, reference: opt.ReferenceOnly, identity: opt.Identity}
				parse := src.parse
				if loc.parse != nil {
					parse = loc.parse
				}
				if loc.read != nil {
					rep.State, rep.Reason = readOther(loc.read, parse, &c)
				} else {
					rep.State, rep.Reason = readSource(&reader, parse, loc.path, loc.limit(src), &c)
				}
				rep.Present = rep.State != StateMissing
				for i, p := range c.problems {
					if i == maxProblems {
						p = fmt.Sprintf("%d more problems in this file not shown", len(c.problems)-i)
					}
					res.Warnings = append(res.Warnings, Warning{src.ID, loc.path, p})
					if i == maxProblems {
						break
					}
				}
				if rep.State == StateMalformed {
					res.Warnings = append(res.Warnings, Warning{src.ID, loc.path, rep.Reason})
				}
				for _, cred := range c.expired {
					cred.Source, cred.Priority, cred.File = src.ID, src.Priority, loc.path
					rep.Expired = append(rep.Expired, cred)
				}
				for _, cred := range c.found {
					cred.Source, cred.Priority, cred.File = src.ID, src.Priority, loc.path
					rep.Found = append(rep.Found, cred)
					if _, taken := won[cred.Provider]; !taken {
						won[cred.Provider] = winner{cred, len(res.Files), len(rep.Found) - 1}
					}
				}
				for i := range c.handout {
					c.handout[i].Source, c.handout[i].Priority, c.handout[i].File = src.ID, src.Priority, loc.path
				}
				take(c.handout)
				rep.Listed = c.listed
				yielded = len(c.found) > 0
				if loc.preferred != "" && rep.State != StateMissing && (rep.State != StateMalformed || loc.evenMalformed) {
					preferred = loc.preferred
				}
			}
			res.Files = append(res.Files, rep)
		}
	}
	readExtra(-1 << 31)
	for _, w := range won {
		res.Credentials = append(res.Credentials, w.Credential)
	}
	sort.Slice(res.Credentials, func(i, j int) bool { return res.Credentials[i].Provider < res.Credentials[j].Provider })
	for _, c := range handout {
		res.Handout = append(res.Handout, c)
	}
	sort.Slice(res.Handout, func(i, j int) bool { return res.Handout[i].Provider < res.Handout[j].Provider })
	markShadowed(res.Files, won)
	return res
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// readSource reads and parses one file and says what state it is in.
func readSource(r *safefile.Reader, parse func([]byte, *parseContext) error, path string, limit int64, c *parseContext) (state State, reason string) {
	data, release, err := r.Read(path, limit)
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
	if err := parse(data, c); err != nil {
		// A file that cannot be used yields nothing, not whatever came before the fault.
		c.reset()
		return StateMalformed, describeParseError(data, err)
	}
	return c.state(), ""
}

// readOther reads a location that is not a file (a keyring item, a variable, amika's
// keyring store) through its reader and parses what it returns.
func readOther(read func(*parseContext) ([]byte, error), parse func([]byte, *parseContext) error, c *parseContext) (State, string) {
	data, err := read(c)
	if errors.Is(err, fs.ErrNotExist) {
		return StateMissing, ""
	}
	if err != nil {
		c.reset()
		return StateMalformed, err.Error()
	}
	if data == nil { // the reader added what it found itself
		return c.state(), ""
	}
	if err := parse(data, c); err != nil {
		c.reset()
		return StateMalformed, describeParseError(data, err)
	}
	return c.state(), ""
}

func readStored(s StoredSecrets, c *parseContext) error {
	st, err := s.Read()
	c.problems = append(c.problems, st.Problems...)
	if err != nil {
		return err
	}
	entries := st.Entries
	if len(entries) > maxEntries {
		entries = entries[:maxEntries]
		c.problems = append(c.problems, fmt.Sprintf("holds more than %d entries: only the first %d are read", maxEntries, maxEntries))
	}
	type item struct {
		e        *StoredEntry
		key      string // the normalized variable name; "" for an agent's credential
		provider string
	}
	items := make([]item, 0, len(entries))
	for i := range entries {
		e := &entries[i]
		switch e.Agent {
		case "claude", "codex":
			items = append(items, item{e, "", Canonical(e.Agent)})
			continue
		case "":
		default:
			continue
		}
		norm := upperASCII(trimASCII(e.Name))
		if norm == OAuthTokenVar {
			items = append(items, item{e, norm, "anthropic"})
		} else if p, ok := ProviderForVariable(norm); ok {
			items = append(items, item{e, norm, p})
		}
	}
	// Variable-style names first, by name as their files sort them; then the agents'
	// credentials, by name.
	sort.SliceStable(items, func(a, b int) bool {
		x, y := items[a], items[b]
		if (x.key == "") != (y.key == "") {
			return x.key != ""
		}
		if x.key != y.key {
			return x.key < y.key
		}
		return x.e.Name < y.e.Name
	})
	for _, it := range items {
		e := it.e
		if len(e.Value) > maxValueLen {
			c.problems = append(c.problems, fmt.Sprintf("entry %s skipped: longer than %d KiB, not a credential", quoteName(e.Name), maxValueLen>>10))
			continue
		}
		kind := e.Kind
		switch {
		case it.key == OAuthTokenVar, it.provider == "anthropic" && strings.HasPrefix(strings.TrimSpace(e.Value), AnthropicOAuthPrefix):
			kind = KindOAuth
		case kind != KindOAuth:
			kind = KindAPIKey
		}
		if kind == KindAPIKey {
			c.add(it.provider, e.Value, KindAPIKey, time.Time{})
			continue
		}
		if c.noOAuth {
			c.skippedOAuth++
			continue
		}
		if it.provider != "anthropic" {
			// Only Claude Code takes an OAuth token from a variable; a Codex login stays
			// with its agent.
			c.listed = append(c.listed, Listed{Name: e.Name, Kind: string(KindOAuth),
				Note: "an OAuth login of " + it.provider + "'s, which no client takes from a variable: not handed out"})
			continue
		}
		token, expires := e.Value, e.Expires
		if v := strings.TrimSpace(e.Value); strings.HasPrefix(v, "{") {
			t, exp, err := claudeOAuthJSON([]byte(v))
			if err != nil {
				c.problems = append(c.problems, fmt.Sprintf("entry %s skipped: %s", quoteName(e.Name), describeParseError([]byte(v), err)))
				continue
			}
			token = t
			if !exp.IsZero() {
				expires = exp
			}
		}
		c.add("anthropic", token, KindOAuth, expires)
	}
	return nil
}

// reset drops everything a file yielded: a file that cannot be used yields nothing.
func (c *parseContext) reset() {
	*c = parseContext{now: c.now, noOAuth: c.noOAuth, ownLogin: c.ownLogin, reference: c.reference, identity: c.identity}
}

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

// SourcePaths lists every file discovery may read, in source order: what a shell hook or
// direnv watches.
func SourcePaths(p Paths) []string {
	var out []string
	for _, s := range Sources {
		out = append(out, s.Files(p)...)
	}
	return out
}
