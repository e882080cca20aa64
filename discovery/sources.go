package discovery

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Source is one place agents (or amika) keep credentials, with the files tried in order.
type Source struct {
	ID       string
	Priority int
	// OAuth marks a source that holds only OAuth tokens; --no-oauth skips it whole.
	OAuth bool
	Files func(Paths) []string
	parse func(data []byte, c *parseContext) error
}

// Sources lists every source, highest priority first.
var Sources = []Source{
	{ID: "claude_api", Priority: 500, Files: func(p Paths) []string {
		return []string{filepath.Join(p.Home, ".claude.json.api"), filepath.Join(p.ClaudeState, ".claude.json")}
	}, parse: parseClaudeAPI},
	{ID: "claude_oauth", Priority: 400, OAuth: true, Files: func(p Paths) []string {
		return []string{filepath.Join(p.ClaudeDir, ".credentials.json"), filepath.Join(p.Home, ".claude-oauth-credentials.json")}
	}, parse: parseClaudeOAuth},
	{ID: "codex", Priority: 300, Files: func(p Paths) []string {
		return []string{filepath.Join(p.CodexHome, "auth.json")}
	}, parse: parseCodex},
	{ID: "amika_env_cache", Priority: 290, Files: func(p Paths) []string {
		return []string{filepath.Join(p.CacheDir, "amika", "env-cache.json")}
	}, parse: flatParser(KindAPIKey)},
	{ID: "amika_keychain", Priority: 280, Files: func(p Paths) []string {
		return []string{p.KeychainFile()}
	}, parse: flatParser(KindAPIKey)},
	{ID: "amika_oauth", Priority: 270, OAuth: true, Files: func(p Paths) []string {
		return []string{filepath.Join(p.StateDir, "amika", "oauth.json")}
	}, parse: flatParser(KindOAuth)},
	{ID: "opencode", Priority: 200, Files: func(p Paths) []string {
		return []string{filepath.Join(p.DataDir, "opencode", "auth.json")}
	}, parse: parseOpenCode},
	{ID: "amp", Priority: 100, Files: func(p Paths) []string {
		return []string{filepath.Join(p.Home, ".amp", "config.json")}
	}, parse: parseAmp},
}

// parseContext collects what one file yields.
type parseContext struct {
	now     time.Time
	noOAuth bool
	found   []Credential
	expired []Credential // OAuth tokens past their expiry, left out
	// skippedOAuth counts OAuth entries left out by --no-oauth.
	skippedOAuth int
	// problems are entry-level faults (the rest of the file still counts).
	problems []string
}

// add records one credential. The value is trimmed and an empty value is absent; an expired
// OAuth token is counted, not kept; a value holding NUL cannot be exported by any shell, so
// it is left out with a warning and a lower source may supply the provider instead.
func (c *parseContext) add(provider, value string, kind Kind, expires time.Time) {
	value = strings.TrimSpace(value)
	provider = Canonical(provider)
	if value == "" {
		return
	}
	if kind == KindOAuth && !expires.IsZero() && !expires.After(c.now) {
		c.expired = append(c.expired, Credential{Provider: provider, Value: value, Kind: kind, Expires: expires})
		return
	}
	if strings.IndexByte(value, 0) >= 0 {
		c.problems = append(c.problems, fmt.Sprintf("provider %q: value holds a NUL byte and cannot be exported: skipped", provider))
		return
	}
	c.found = append(c.found, Credential{Provider: provider, Value: value, Kind: kind, Expires: expires})
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
	return unquote(raw)
}

// members collects an object's members (raw values, the last of duplicate names winning,
// as encoding/json does).
func members(field string, raw []byte) (map[string][]byte, error) {
	if raw[0] != '{' {
		return nil, fieldError(field, raw, "an object")
	}
	m := map[string][]byte{}
	err := scanObject(raw, func(key string, value []byte) bool {
		m[key] = value
		return true
	})
	return m, err
}

// sortedMembers lists an object's members sorted by name, the last of duplicate names
// winning.
func sortedMembers(data []byte) ([]member, error) {
	var out []member
	index := map[string]int{}
	err := scanObject(data, func(key string, value []byte) bool {
		if i, dup := index[key]; dup {
			out[i].raw = value
			return true
		}
		index[key] = len(out)
		out = append(out, member{key, value})
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, err
}

type member struct {
	key string
	raw []byte
}

var claudeAPIFields = []string{"primaryApiKey", "apiKey", "anthropicApiKey", "customApiKey"}

func parseClaudeAPI(data []byte, c *parseContext) error {
	var raw [4][]byte
	err := scanObject(data, func(key string, value []byte) bool {
		for i, f := range claudeAPIFields {
			if key == f {
				raw[i] = value
			}
		}
		return true
	})
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
	var oauth []byte
	err := scanObject(data, func(key string, value []byte) bool {
		if key == "claudeAiOauth" {
			oauth = value
		}
		return true
	})
	if err != nil || isNull(oauth) {
		return err
	}
	m, err := members("claudeAiOauth", oauth)
	if err != nil {
		return err
	}
	token, err := optString("claudeAiOauth.accessToken", m["accessToken"])
	if err != nil {
		return err
	}
	expires, err := parseExpiry("claudeAiOauth.expiresAt", m["expiresAt"], true)
	if err != nil {
		return err
	}
	c.add("anthropic", token, KindOAuth, expires)
	return nil
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
	var apiKey, tokens []byte
	err := scanObject(data, func(key string, value []byte) bool {
		switch key {
		case "OPENAI_API_KEY":
			apiKey = value
		case "tokens":
			tokens = value
		}
		return true
	})
	if err != nil {
		return err
	}
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
	m, err := members("tokens", tokens)
	if err != nil {
		return err
	}
	token, err := optString("tokens.access_token", m["access_token"])
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
		entries, err := sortedMembers(data)
		if err != nil {
			return err
		}
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = e.key
		}
		c.addVariables(names, func(i int) (string, bool) { return flatValue(entries[i].raw) }, kind)
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
		norm[i], order[i] = strings.ToUpper(strings.TrimSpace(n)), i
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
func flatValue(raw []byte) (string, bool) {
	switch raw[0] {
	case '"':
		s, err := unquote(raw)
		return s, err == nil
	case '{':
		m, err := members("", raw)
		if err != nil {
			return "", false
		}
		if v := m["value"]; len(v) > 0 && v[0] == '"' {
			s, err := unquote(v)
			return s, err == nil
		}
	}
	return "", false
}

// ProviderForVariable maps an environment-style name to its provider:
// ANTHROPIC_API_KEY/CLAUDE_API_KEY → anthropic, OPENAI_API_KEY/CODEX_API_KEY → openai,
// any other NAME_API_KEY (NAME of A-Z, 0-9, _ and -) → canonical NAME.
func ProviderForVariable(name string) (string, bool) {
	name = strings.ToUpper(strings.TrimSpace(name))
	switch name {
	case "ANTHROPIC_API_KEY", "CLAUDE_API_KEY":
		return "anthropic", true
	case "OPENAI_API_KEY", "CODEX_API_KEY":
		return "openai", true
	}
	prefix, ok := strings.CutSuffix(name, "_API_KEY")
	if !ok || prefix == "" {
		return "", false
	}
	for _, r := range prefix {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return "", false
		}
	}
	return Canonical(prefix), true
}

func parseOpenCode(data []byte, c *parseContext) error {
	entries, err := sortedMembers(data)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := openCodeEntry(e.key, e.raw, c); err != nil {
			c.problems = append(c.problems, fmt.Sprintf("entry %q skipped: %v", e.key, err))
		}
	}
	return nil
}

func openCodeEntry(id string, raw []byte, c *parseContext) error {
	if raw[0] != '{' {
		return fmt.Errorf("it is %s, not an object", jsonType(raw))
	}
	m, err := members(id, raw)
	if err != nil {
		return err
	}
	typ, err := optString("type", m["type"])
	if err != nil {
		return err
	}
	switch typ {
	case "api":
		key, err := optString("key", m["key"])
		if err != nil {
			return err
		}
		c.add(id, key, KindAPIKey, time.Time{})
	case "oauth":
		if c.noOAuth {
			c.skippedOAuth++
			return nil
		}
		access, err := optString("access", m["access"])
		if err != nil {
			return err
		}
		expires, err := parseExpiry("expires", m["expires"], false)
		if err != nil {
			return err
		}
		c.add(id, access, KindOAuth, expires)
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
	nested := map[string]map[string][]byte{}
	for _, p := range ampPaths {
		raw := top[p[0]]
		if len(p) == 2 {
			if len(raw) == 0 || raw[0] != '{' {
				continue
			}
			m, ok := nested[p[0]]
			if !ok {
				m, _ = members(p[0], raw)
				nested[p[0]] = m
			}
			raw = m[p[1]]
		}
		if len(raw) > 0 && raw[0] == '"' {
			if s, err := unquote(raw); err == nil && strings.TrimSpace(s) != "" {
				c.add("anthropic", s, KindAPIKey, time.Time{})
				return nil
			}
		}
	}
	return nil
}
