package discovery

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Source is one place agents (or amika) keep credentials, with the files tried in order.
type Source struct {
	ID       string
	Priority int
	// OAuth marks a source that holds only OAuth tokens; --no-oauth skips it whole.
	OAuth bool
	// Agent is the program whose own login the source's OAuth tokens are (they are left
	// to it, see Credential.LeftToAgent); "" for amika's own sources.
	Agent string
	// Reference marks the reference tool's sources (--reference-names reads only these).
	Reference bool
	// Own marks amika's own files: read only when no other user could have changed them
	// (safefile.Trusted), as an environment inherited from another user would have amika
	// hand out what that user planted. Agents' files are read wherever they are.
	Own bool
	// Files lists the files of the source, in the order they are tried.
	Files func(Paths) []string
	// maxSize bounds one file of the source (0: maxFileSize).
	maxSize int64
	// locate lists everything the source reads, in order: its files, and keyring items
	// or variables where the source has them. Nil: the files.
	locate func(Paths, *Options) []location
	parse  func(data []byte, c *parseContext) error
}

// location is one file, keyring item or variable a source reads.
type location struct {
	path string // the file; for anything else, the label its row shows
	// read, when set, returns what to parse instead of a file's contents
	// (fs.ErrNotExist: absent; nil data: the reader added its finds itself).
	read func(*parseContext) ([]byte, error)
	// unavailable, when set, is why the location is not read.
	unavailable string
	// preferred, when set, is why later locations are not read once this one was read
	// (the agent uses it instead of them); evenMalformed: also when it is malformed.
	preferred     string
	evenMalformed bool
	// notOwnLogin marks a file of an agent's source that the agent itself never reads:
	// its OAuth tokens are not the agent's own login.
	notOwnLogin bool
	// parse, when set, replaces the source's parser for this location.
	parse func(data []byte, c *parseContext) error
	// maxSize, when set, replaces the source's size limit for this location.
	maxSize int64
	// always: read whatever the locations before it yielded.
	always bool
}

func (l location) limit(s Source) int64 {
	switch {
	case l.maxSize > 0:
		return l.maxSize
	case s.maxSize > 0:
		return s.maxSize
	}
	return maxFileSize
}

func (s Source) locations(p Paths, o *Options) []location {
	if s.locate != nil {
		return s.locate(p, o)
	}
	var out []location
	for _, f := range s.Files(p) {
		out = append(out, location{path: f})
	}
	return out
}

// Sources lists every source, highest priority first.
var Sources = []Source{
	{ID: "claude_api", Priority: 500, Reference: true, Files: claudeAPIFiles, locate: locateClaudeAPI, parse: parseClaudeAPI},
	{ID: "claude_oauth", Priority: 400, OAuth: true, Agent: "Claude Code", Reference: true, Files: func(p Paths) []string {
		return []string{filepath.Join(p.ClaudeSecureDir, ".credentials.json"), filepath.Join(p.Home, ".claude-oauth-credentials.json")}
	}, locate: locateClaudeOAuth, parse: parseClaudeOAuth},
	{ID: "codex", Priority: 300, Agent: "Codex", Reference: true, Files: func(p Paths) []string {
		return []string{filepath.Join(p.CodexHome, "auth.json")}
	}, locate: locateCodex, parse: parseCodex},
	{ID: "amika_env_cache", Priority: 290, Reference: true, Own: true, maxSize: maxStoreFileSize, Files: func(p Paths) []string {
		return []string{filepath.Join(p.CacheDir, "amika", "env-cache.json")}
	}, parse: flatParser(KindAPIKey)},
	{ID: "amika_keychain", Priority: 280, Reference: true, Own: true, maxSize: maxStoreFileSize, Files: func(p Paths) []string {
		return []string{p.KeychainFile()}
	}, locate: locateKeychain, parse: flatParser(KindAPIKey)},
	{ID: "amika_oauth", Priority: 270, OAuth: true, Reference: true, Own: true, maxSize: maxStoreFileSize, Files: func(p Paths) []string {
		return []string{filepath.Join(p.StateDir, "amika", "oauth.json")}
	}, parse: flatParser(KindOAuth)},
	{ID: "opencode", Priority: 200, Agent: "OpenCode", Reference: true, Files: func(p Paths) []string {
		return []string{filepath.Join(p.DataDir, "opencode", "auth.json")}
	}, locate: locateOpenCode, parse: parseOpenCode},
	{ID: "gemini", Priority: 150, Agent: "Gemini CLI", Files: func(p Paths) []string {
		return []string{filepath.Join(p.GeminiDir, "gemini-credentials.json"), filepath.Join(p.GeminiDir, "oauth_creds.json")}
	}, locate: locateGemini, parse: parseGemini},
	{ID: "amp", Priority: 100, Reference: true, Files: func(p Paths) []string {
		return []string{filepath.Join(p.Home, ".amp", "config.json")}
	}, parse: parseAmp},
	{ID: "amp_secrets", Priority: 100, Agent: "Amp", Files: func(p Paths) []string {
		return []string{filepath.Join(p.DataDir, "amp", "secrets.json")}
	}, parse: parseAmpSecrets},
}

func claudeAPIFiles(p Paths) []string {
	return []string{filepath.Join(p.Home, ".claude.json.api"), filepath.Join(p.ClaudeDir, ".config.json"), filepath.Join(p.ClaudeState, ".claude.json")}
}

// locateClaudeAPI: Claude Code keeps its global config in .config.json instead of
// .claude.json whenever .config.json exists, whatever it holds.
func locateClaudeAPI(p Paths, o *Options) []location {
	f := claudeAPIFiles(p)
	if o.ReferenceOnly {
		return []location{{path: f[0]}, {path: f[2], maxSize: maxClaudeFileSize}}
	}
	return []location{{path: f[0]}, {path: f[1], maxSize: maxClaudeFileSize, preferred: "Claude Code reads " + f[1] + " instead when it exists", evenMalformed: true}, {path: f[2], maxSize: maxClaudeFileSize}}
}

// locateClaudeOAuth: on macOS Claude Code keeps its login in the Keychain and falls back
// to .credentials.json only when the Keychain has none.
func locateClaudeOAuth(p Paths, o *Options) []location {
	secure := filepath.Join(p.ClaudeSecureDir, ".credentials.json")
	if o.ReferenceOnly {
		secure = filepath.Join(p.ClaudeDir, ".credentials.json")
	}
	var out []location
	if p.ClaudeKeychain.Service != "" && o.Keyring != nil && !o.ReferenceOnly {
		loc := keyringLocation(o.Keyring, p.ClaudeKeychain)
		loc.preferred = "Claude Code reads its Keychain item instead"
		out = append(out, loc)
	}
	return append(out, location{path: secure}, location{path: filepath.Join(p.Home, ".claude-oauth-credentials.json"), notOwnLogin: true})
}

func locateCodex(p Paths, o *Options) []location {
	out := []location{{path: filepath.Join(p.CodexHome, "auth.json")}}
	if o.Keyring != nil && !o.ReferenceOnly {
		out = append(out, codexKeyring(o.Keyring, p.CodexHome))
	}
	return out
}

// locateKeychain: the backends of amika's store when the caller gives them (Options.Stored),
// else keychain.json.
func locateKeychain(p Paths, o *Options) []location {
	if o.Stored == nil {
		return []location{{path: p.KeychainFile()}}
	}
	var out []location
	for _, s := range o.Stored {
		out = append(out, location{path: s.Label, always: true, read: func(c *parseContext) ([]byte, error) { return nil, readStored(s, c) }})
	}
	return out
}

// locateOpenCode: OpenCode takes its whole auth.json from $OPENCODE_AUTH_CONTENT when that
// holds valid JSON, and reads the file only otherwise.
func locateOpenCode(p Paths, o *Options) []location {
	file := location{path: filepath.Join(p.DataDir, "opencode", "auth.json")}
	if o.ReferenceOnly || o.Getenv == nil {
		return []location{file}
	}
	content := o.Getenv("OPENCODE_AUTH_CONTENT")
	if content == "" {
		return []location{file}
	}
	env := location{path: "$OPENCODE_AUTH_CONTENT", preferred: "OpenCode reads $OPENCODE_AUTH_CONTENT instead", read: func(*parseContext) ([]byte, error) {
		if len(content) > maxFileSize {
			return nil, fmt.Errorf("longer than %d MiB", maxFileSize>>20)
		}
		return []byte(content), nil
	}}
	return []location{env, file}
}

// parseContext collects what one file yields.
type parseContext struct {
	now     time.Time
	noOAuth bool
	// ownLogin: OAuth tokens found are the agent's own login (LeftToAgent).
	ownLogin bool
	// reference: the reference tool's rules (OpenCode's expires 0 is an expiry).
	reference bool
	identity  func() (host, user string, err error)
	found     []Credential
	expired   []Credential // OAuth tokens past their expiry, left out
	// handout is what counts for the paths that start agents, in file order: found, and
	// the agent's own expired logins that it refreshes itself (Result.Handout).
	handout []Credential
	listed  []Listed
	// skippedOAuth counts OAuth entries left out by --no-oauth.
	skippedOAuth int
	// problems are entry-level faults (the rest of the file still counts).
	problems []string
}

// add records one credential. The value is trimmed and an empty value is absent; an expired
// OAuth token is counted, not kept; a value holding NUL cannot be exported by any shell, so
// it is left out with a warning and a lower source may supply the provider instead, and so
// is a provider name that is not ASCII.
func (c *parseContext) add(provider, value string, kind Kind, expires time.Time) {
	c.addOAuth(provider, value, kind, expires, false)
}

// addOAuth is add for an OAuth token stored with what its agent needs to refresh it
// (refreshable): when it is the agent's own login and has expired, it still counts for
// the paths that start agents, left to the agent.
func (c *parseContext) addOAuth(provider, value string, kind Kind, expires time.Time, refreshable bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	if !isASCII(provider) {
		c.problems = append(c.problems, fmt.Sprintf("provider %s is not ASCII: skipped", quoteName(provider)))
		return
	}
	provider = Canonical(provider)
	cred := Credential{Provider: provider, Value: value, Kind: kind, Expires: expires, LeftToAgent: kind == KindOAuth && c.ownLogin, Refreshable: kind == KindOAuth && refreshable}
	if kind == KindOAuth && !expires.IsZero() && !expires.After(c.now) {
		c.expired = append(c.expired, cred)
		if cred.LeftToAgent && cred.Refreshable {
			c.handout = append(c.handout, cred)
		}
		return
	}
	if strings.IndexByte(value, 0) >= 0 {
		c.problems = append(c.problems, fmt.Sprintf("provider %s: value holds a NUL byte and cannot be exported: skipped", quoteName(provider)))
		return
	}
	c.found = append(c.found, cred)
	c.handout = append(c.handout, cred)
}

// fieldError is a known field holding the wrong JSON type.
func fieldError(field string, raw []byte, want string) error {
	return fmt.Errorf("%s is %s, not %s", field, jsonType(raw), want)
}

func jsonType(raw []byte) string {
	if len(raw) == 0 {
		return "missing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func isNull(raw []byte) bool { return len(raw) == 0 || string(raw) == "null" }

// optString decodes a field that must be a string when present; null counts as absent.
// raw comes out of a validated document, so decoding cannot fail.
func optString(field string, raw []byte) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	if raw[0] != '"' {
		return "", fieldError(field, raw, "a string")
	}
	if len(raw) > maxValueLen {
		return "", fmt.Errorf("%s is longer than %d KiB, not a credential", field, maxValueLen>>10)
	}
	return unquote(raw)
}

// maxValueLen bounds a value discovery decodes: credentials are short, and decoding a
// huge string would cost its size again in memory.
const maxValueLen = 64 << 10

// maxEntries bounds the members discovery visits in one object (a file's top level or an
// entry), so a file of a million entries costs no more than its scan. Members after the
// first maxEntries, in file order, are ignored with a warning.
const maxEntries = 1000

// fields collects the named members of the object in field (raw values, the last of
// duplicate names winning, as encoding/json does); out[i] is names[i]'s value.
func fields(field string, raw []byte, names ...string) ([][]byte, error) {
	if raw[0] != '{' {
		return nil, fieldError(field, raw, "an object")
	}
	return topFields(raw, names...)
}

// topFields is fields for a file's top-level object.
func topFields(data []byte, names ...string) ([][]byte, error) {
	out := make([][]byte, len(names))
	err := scanObject(data, func(key string, value []byte) bool {
		for i, n := range names {
			if key == n {
				out[i] = value
			}
		}
		return true
	})
	return out, err
}

// sortedMembers lists an object's members sorted by name, the last of duplicate names
// winning.
// Only the first maxEntries names (in file order) are read; c is told when there are more.
// keep, when set, chooses the members that count: the others are passed over.
func sortedMembers(data []byte, c *parseContext, keep func(key string) bool) ([]member, error) {
	var out []member
	index := map[string]int{}
	truncated := false
	err := scanObject(data, func(key string, value []byte) bool {
		if keep != nil && !keep(key) {
			return true
		}
		if i, dup := index[key]; dup {
			out[i].raw = value
			return true
		}
		if len(out) == maxEntries {
			truncated = true
			return false
		}
		index[key] = len(out)
		out = append(out, member{key, value})
		return true
	})
	if err != nil {
		return nil, err
	}
	if truncated {
		c.problems = append(c.problems, fmt.Sprintf("holds more than %d entries: only the first %d are read", maxEntries, maxEntries))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, nil
}

type member struct {
	key string
	raw []byte
}

var claudeAPIFields = []string{"primaryApiKey", "apiKey", "anthropicApiKey", "customApiKey"}

func parseClaudeAPI(data []byte, c *parseContext) error {
	raw, err := topFields(data, claudeAPIFields...)
	if err != nil {
		return err
	}
	for i, f := range claudeAPIFields {
		s, err := optString(f, raw[i])
		if err != nil {
			return err
		}
		if s = strings.TrimSpace(s); strings.HasPrefix(s, "sk-ant-") {
			c.add("anthropic", s, KindAPIKey, time.Time{})
			return nil
		}
	}
	return nil
}

func parseClaudeOAuth(data []byte, c *parseContext) error {
	top, err := topFields(data, "claudeAiOauth")
	if err != nil || isNull(top[0]) {
		return err
	}
	m, err := fields("claudeAiOauth", top[0], "accessToken", "expiresAt", "refreshToken")
	if err != nil {
		return err
	}
	token, err := optString("claudeAiOauth.accessToken", m[0])
	if err != nil {
		return err
	}
	expires, err := parseExpiry("claudeAiOauth.expiresAt", m[1], true)
	if err != nil {
		return err
	}
	refresh, err := optString("claudeAiOauth.refreshToken", m[2])
	if err != nil {
		return err
	}
	c.addOAuth("anthropic", token, KindOAuth, expires, strings.TrimSpace(refresh) != "")
	return nil
}

// claudeOAuthJSON reads the access token and its expiry out of a Claude OAuth credential
// JSON kept in amika's store: Claude Code's {"claudeAiOauth":{…}}, or the inner object alone.
func claudeOAuthJSON(data []byte) (string, time.Time, error) {
	top, err := topFields(data, "claudeAiOauth")
	if err != nil {
		return "", time.Time{}, err
	}
	inner, field := top[0], "claudeAiOauth"
	if isNull(inner) {
		inner, field = data, ""
	}
	m, err := fields(field, inner, "accessToken", "expiresAt")
	if err != nil {
		return "", time.Time{}, err
	}
	prefix := ""
	if field != "" {
		prefix = field + "."
	}
	token, err := optString(prefix+"accessToken", m[0])
	if err != nil {
		return "", time.Time{}, err
	}
	if strings.TrimSpace(token) == "" {
		return "", time.Time{}, fmt.Errorf("no %saccessToken string", prefix)
	}
	expires, err := parseExpiry(prefix+"expiresAt", m[1], true)
	return token, expires, err
}

// parseExpiry reads epoch milliseconds (a number) or, when allowString, an RFC 3339 string.
// Absent or null means no expiry (the zero time).
func parseExpiry(field string, raw []byte, allowString bool) (time.Time, error) {
	if isNull(raw) {
		return time.Time{}, nil
	}
	switch {
	case raw[0] == '"' && allowString:
		s, err := unquote(raw)
		if err != nil {
			return time.Time{}, err
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
		if err != nil {
			return time.Time{}, fmt.Errorf("%s is not an RFC 3339 time", field)
		}
		return t, nil
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		ms, err := strconv.ParseFloat(string(raw), 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			return time.Time{}, fmt.Errorf("%s is not a number", field)
		case ms >= math.MaxInt64:
			return time.UnixMilli(math.MaxInt64), nil
		case ms <= math.MinInt64:
			return time.UnixMilli(math.MinInt64), nil
		}
		return time.UnixMilli(int64(ms)), nil
	}
	want := "a number of epoch milliseconds"
	if allowString {
		want += " or an RFC 3339 string"
	}
	return time.Time{}, fieldError(field, raw, want)
}

func parseCodex(data []byte, c *parseContext) error {
	top, err := topFields(data, "OPENAI_API_KEY", "tokens")
	if err != nil {
		return err
	}
	apiKey, tokens := top[0], top[1]
	key, err := optString("OPENAI_API_KEY", apiKey)
	if err != nil {
		return err
	}
	if strings.TrimSpace(key) != "" {
		c.add("openai", key, KindAPIKey, time.Time{})
		return nil
	}
	if isNull(tokens) {
		return nil
	}
	if c.noOAuth {
		c.skippedOAuth++
		return nil
	}
	m, err := fields("tokens", tokens, "access_token")
	if err != nil {
		return err
	}
	token, err := optString("tokens.access_token", m[0])
	if err != nil {
		return err
	}
	c.add("openai", token, KindOAuth, time.Time{})
	return nil
}

// flatParser reads amika's own flat files: NAME → value, or NAME → {"value": …, …}.
// Names are processed in sorted order of their normalized (trimmed, upper-cased) form.
func flatParser(kind Kind) func([]byte, *parseContext) error {
	return func(data []byte, c *parseContext) error {
		entries, err := sortedMembers(data, c, func(key string) bool {
			_, ok := ProviderForVariable(key)
			return ok
		})
		if err != nil {
			return err
		}
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = e.key
		}
		c.addVariables(names, func(i int) (string, bool) {
			v, ok, err := flatValue(entries[i].raw)
			if err != nil {
				c.problems = append(c.problems, fmt.Sprintf("entry %s skipped: %v", quoteName(names[i]), err))
			}
			return v, ok
		}, kind)
		return nil
	}
}

// addVariables adds the provider credentials among variable-style names (amika's flat files
// and the keyring store). Names are trimmed and upper-cased and visited in sorted order, so
// the first name for a provider wins; names must come sorted as they are, which orders
// names equal once normalized. value(i) gives the value of names[i], and is called only for
// names that map to a provider.
func (c *parseContext) addVariables(names []string, value func(i int) (string, bool), kind Kind) {
	norm := make([]string, len(names))
	order := make([]int, len(names))
	for i, n := range names {
		norm[i], order[i] = upperASCII(trimASCII(n)), i
	}
	sort.SliceStable(order, func(a, b int) bool { return norm[order[a]] < norm[order[b]] })
	for _, i := range order {
		provider, ok := ProviderForVariable(norm[i])
		if !ok {
			continue
		}
		if v, ok := value(i); ok {
			c.add(provider, v, kind, time.Time{})
		}
	}
}

// flatValue takes a string, or the string "value" field of a richer record; anything else
// does not count.
func flatValue(raw []byte) (string, bool, error) {
	switch raw[0] {
	case '"':
	case '{':
		m, err := fields("", raw, "value")
		if err != nil || len(m[0]) == 0 || m[0][0] != '"' {
			return "", false, nil
		}
		raw = m[0]
	default:
		return "", false, nil
	}
	s, err := optString("its value", raw)
	return s, err == nil, err
}

func parseOpenCode(data []byte, c *parseContext) error {
	entries, err := sortedMembers(data, c, nil)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := openCodeEntry(e.key, e.raw, c); err != nil {
			c.problems = append(c.problems, fmt.Sprintf("entry %s skipped: %v", quoteName(e.key), err))
		}
	}
	return nil
}

func openCodeEntry(id string, raw []byte, c *parseContext) error {
	if raw[0] != '{' {
		return fmt.Errorf("it is %s, not an object", jsonType(raw))
	}
	m, err := fields(id, raw, "type", "key", "access", "expires", "token", "refresh")
	if err != nil {
		return err
	}
	typ, err := optString("type", m[0])
	if err != nil {
		return err
	}
	switch typ {
	case "api":
		key, err := optString("key", m[1])
		if err != nil {
			return err
		}
		c.add(id, key, KindAPIKey, time.Time{})
	case "oauth":
		if c.noOAuth {
			c.skippedOAuth++
			return nil
		}
		access, err := optString("access", m[2])
		if err != nil {
			return err
		}
		expires, err := parseExpiry("expires", m[3], false)
		if err != nil {
			return err
		}
		if expires.UnixMilli() == 0 && !c.reference {
			// GitHub Copilot's device login never expires and says so with 0.
			expires = time.Time{}
		}
		refresh, err := optString("refresh", m[5])
		if err != nil {
			return err
		}
		c.addOAuth(id, access, KindOAuth, expires, strings.TrimSpace(refresh) != "")
	case "wellknown":
		if c.reference {
			return nil
		}
		// `opencode auth login <url>` stores the token a server's /.well-known/opencode
		// asked for: OpenCode sets $key to token while it loads that server's config. It
		// belongs to that server, not to a model provider.
		key, err := optString("key", m[1])
		if err != nil {
			return err
		}
		token, err := optString("token", m[4])
		if err != nil {
			return err
		}
		c.listed = append(c.listed, Listed{Name: wellknownName(id), Kind: "wellknown", Value: token,
			Note: fmt.Sprintf("OpenCode sets %s to it for the server's own config: not a provider's key, not handed out", quoteName(key))})
	}
	return nil
}

var ampPaths = [][]string{
	{"anthropicApiKey"}, {"anthropic_api_key"}, {"apiKey"}, {"api_key"},
	{"accessToken"}, {"access_token"}, {"token"},
	{"auth", "anthropicApiKey"}, {"auth", "apiKey"}, {"auth", "token"},
	{"anthropic", "apiKey"}, {"anthropic", "token"},
}

// parseAmp takes the first non-empty string among ampPaths; a path holding anything else
// is passed over, as Amp's own lookup does.
func parseAmp(data []byte, c *parseContext) error {
	top := map[string][]byte{}
	err := scanObject(data, func(key string, value []byte) bool {
		for _, p := range ampPaths {
			if p[0] == key {
				top[key] = value
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, p := range ampPaths {
		raw := top[p[0]]
		if len(p) == 2 {
			if len(raw) == 0 || raw[0] != '{' {
				continue
			}
			m, _ := fields(p[0], raw, p[1])
			raw = m[0]
		}
		if len(raw) > 0 && raw[0] == '"' && len(raw) <= maxValueLen {
			if s, err := unquote(raw); err == nil && strings.TrimSpace(s) != "" {
				c.add("anthropic", s, KindAPIKey, time.Time{})
				return nil
			}
		}
	}
	return nil
}

// wellknownName shows the server a "wellknown" entry's id names, and nothing else: a URL may
// carry a password (https://user:pw@host), a token in its query or path, or be no URL at
// all (user:pw@host), and only its scheme and host are not secret. An id that is not a
// plain http(s) URL with a host is shown as its length.
func wellknownName(id string) string {
	u, err := url.Parse(id)
	if err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Opaque == "" && u.Host != "" && hostChars(u.Host) {
		return u.Scheme + "://" + u.Host
	}
	return fmt.Sprintf("(a server whose URL is not shown, %d characters)", utf8.RuneCountInString(id))
}

// hostChars says whether a URL's host is a plain host name or address, with its port.
func hostChars(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}
