package discovery

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
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
	expired int
	// skippedOAuth counts OAuth entries left out by --no-oauth.
	skippedOAuth int
	// problems are entry-level faults (the rest of the file still counts).
	problems []string
}

func (c *parseContext) add(provider, value string, kind Kind, expires time.Time) {
	value = strings.TrimSpace(value)
	provider = Canonical(provider)
	if value == "" {
		return
	}
	if kind == KindOAuth && !expires.IsZero() && !expires.After(c.now) {
		c.expired++
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
func optString(field string, raw []byte) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	if raw[0] != '"' {
		return "", fieldError(field, raw, "a string")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s: %v", field, err)
	}
	return s, nil
}

// members decodes an object's members into raw values, keeping only the wanted keys when
// wanted is non-nil.
func members(field string, raw []byte) (map[string]json.RawMessage, error) {
	if raw[0] != '{' {
		return nil, fieldError(field, raw, "an object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %v", field, err)
	}
	return m, nil
}

var claudeAPIFields = []string{"primaryApiKey", "apiKey", "anthropicApiKey", "customApiKey"}

func parseClaudeAPI(data []byte, c *parseContext) error {
	raw := make(map[string][]byte, len(claudeAPIFields))
	err := scanObject(data, func(key string, value []byte) bool {
		for _, f := range claudeAPIFields {
			if key == f {
				raw[f] = value
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, f := range claudeAPIFields {
		s, err := optString(f, raw[f])
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
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, fmt.Errorf("%s: %v", field, err)
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
		if err != nil {
			return time.Time{}, fmt.Errorf("%s is not an RFC 3339 time", field)
		}
		return t, nil
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		var ms float64
		if err := json.Unmarshal(raw, &ms); err != nil {
			return time.Time{}, fmt.Errorf("%s: %v", field, err)
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
func flatParser(kind Kind) func([]byte, *parseContext) error {
	return func(data []byte, c *parseContext) error {
		type entry struct{ name, raw string }
		var entries []entry
		err := scanObject(data, func(key string, value []byte) bool {
			entries = append(entries, entry{strings.ToUpper(strings.TrimSpace(key)), string(value)})
			return true
		})
		if err != nil {
			return err
		}
		sort.SliceStable(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
		for _, e := range entries {
			provider, ok := ProviderForVariable(e.name)
			if !ok {
				continue
			}
			value, ok := flatValue([]byte(e.raw))
			if ok {
				c.add(provider, value, kind, time.Time{})
			}
		}
		return nil
	}
}

// flatValue takes a string, or the string "value" field of a richer record; anything else
// does not count.
func flatValue(raw []byte) (string, bool) {
	var s string
	switch raw[0] {
	case '"':
		if json.Unmarshal(raw, &s) == nil {
			return s, true
		}
	case '{':
		var rec struct {
			Value *string `json:"value"`
		}
		if json.Unmarshal(raw, &rec) == nil && rec.Value != nil {
			return *rec.Value, true
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
	type entry struct {
		id  string
		raw []byte
	}
	var entries []entry
	err := scanObject(data, func(key string, value []byte) bool {
		entries = append(entries, entry{key, value})
		return true
	})
	if err != nil {
		return err
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].id < entries[j].id })
	for _, e := range entries {
		if err := openCodeEntry(e.id, e.raw, c); err != nil {
			c.problems = append(c.problems, fmt.Sprintf("entry %q skipped: %v", e.id, err))
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
			raw = nestedField(raw, p[1])
		}
		if len(raw) > 0 && raw[0] == '"' {
			var s string
			if json.Unmarshal(raw, &s) == nil && strings.TrimSpace(s) != "" {
				c.add("anthropic", s, KindAPIKey, time.Time{})
				return nil
			}
		}
	}
	return nil
}

func nestedField(raw []byte, name string) []byte {
	if len(raw) == 0 || raw[0] != '{' {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m[name]
}
