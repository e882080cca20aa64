package discovery

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amika-dev/amika/discovery/internal/fixture"
	"github.com/amika-dev/amika/internal/safefile"
)

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"anthropic": "anthropic", "Claude": "anthropic", " CLAUDE ": "anthropic", "claude_": "anthropic",
		"codex": "openai", "OpenAI": "openai", "-codex-": "openai",
		"open_router": "open-router", "github copilot": "github-copilot", "google.vertex/ai": "google-vertex-ai",
		"a--b__c  d..e//f": "a-b-c-d-e-f", "--x--": "x", "-_ ./": "", "": "", "ÜBER": "Über",
		"anthropıc": "anthropıc", "\u212Aimi": "\u212Aimi", "\u00a0claude\u00a0": "\u00a0claude\u00a0",
		"claude-code": "claude-code", "openai-compatible": "openai-compatible", "a\tb": "a\tb",
	} {
		if got := Canonical(in); got != want {
			t.Errorf("Canonical(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestProviderForVariable(t *testing.T) {
	for in, want := range map[string]string{
		"ANTHROPIC_API_KEY": "anthropic", "claude_api_key": "anthropic", " OPENAI_API_KEY ": "openai",
		"CODEX_API_KEY": "openai", "OPENROUTER_API_KEY": "openrouter", "GITHUB_COPILOT_API_KEY": "github-copilot",
		"my-llm_API_KEY": "my-llm", "X1_API_KEY": "x1",
		"API_KEY": "", "_API_KEY": "", "FOO": "", "FOO_KEY": "", "FOO.BAR_API_KEY": "", "FOO BAR_API_KEY": "",
		"FOO_API_KEY_2": "", "anthropıc_api_key": "", "open\u0131ai_API_KEY": "", "\u212A_API_KEY": "",
	} {
		got, ok := ProviderForVariable(in)
		if ok != (want != "") || got != want {
			t.Errorf("ProviderForVariable(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestEnvNamesAndValidName(t *testing.T) {
	for _, c := range []struct {
		provider string
		kind     Kind
		want     string
	}{
		{"anthropic", KindAPIKey, "ANTHROPIC_API_KEY CLAUDE_API_KEY"}, {"anthropic", KindOAuth, "CLAUDE_CODE_OAUTH_TOKEN"},
		{"openai", KindAPIKey, "OPENAI_API_KEY CODEX_API_KEY"}, {"openai", KindOAuth, ""},
		{"openrouter", KindAPIKey, "OPENROUTER_API_KEY"}, {"github-copilot", KindAPIKey, "GITHUB_COPILOT_API_KEY"},
		{"github-copilot", KindOAuth, ""}, {"gemini", KindAPIKey, "GEMINI_API_KEY"}, {"amp", KindOAuth, ""},
	} {
		if got := strings.Join(EnvNames(c.provider, c.kind), " "); got != c.want {
			t.Errorf("EnvNames(%q, %s) = %q, want %q", c.provider, c.kind, got, c.want)
		}
	}
	for name, want := range map[string]bool{"A": true, "_": true, "a_1": true, "1A": false, "": false, "A-B": false, "Ü": false, "A B": false} {
		if ValidName(name) != want {
			t.Errorf("ValidName(%q) = %v", name, !want)
		}
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{
		"": "********", "abc": "********", "abcdefghijk": "********", "abcdefghijkl": "****ijkl",
		"abcdefghijklmnop": "****mnop", "sk-ant-api03-0123456789abcdef": "****cdef",
		"日本語日本語日本語日本語日本語日本": "****本語日本", "0123456789\x1b[2J": "****?[2J",
	} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolvePaths(t *testing.T) {
	env := map[string]string{"HOME": "/home/u"}
	getenv := func(k string) string { return env[k] }
	p, err := ResolvePaths("", getenv)
	if err != nil {
		t.Fatal(err)
	}
	want := Paths{Home: "/home/u", CacheDir: "/home/u/.cache", DataDir: "/home/u/.local/share", StateDir: "/home/u/.local/state",
		ClaudeDir: "/home/u/.claude", ClaudeState: "/home/u", ClaudeSecureDir: "/home/u/.claude", CodexHome: "/home/u/.codex",
		GeminiDir: "/home/u/.gemini"}
	if p != want {
		t.Errorf("defaults: %+v", p)
	}
	env = map[string]string{"HOME": "/home/u", "XDG_CACHE_HOME": "/c", "XDG_DATA_HOME": "rel/d", "XDG_STATE_HOME": "/s",
		"CLAUDE_CONFIG_DIR": "/cc", "CODEX_HOME": "/cx", "CLAUDE_SECURESTORAGE_CONFIG_DIR": "/sec", "GEMINI_CLI_HOME": "/g"}
	p, _ = ResolvePaths("/h", getenv)
	want = Paths{Home: "/h", CacheDir: "/c", DataDir: "/h/.local/share", StateDir: "/s", ClaudeDir: "/cc", ClaudeState: "/cc",
		ClaudeSecureDir: "/sec", CodexHome: "/cx", GeminiDir: "/g/.gemini"}
	if p != want {
		t.Errorf("overrides: %+v", p)
	}
}

func TestParseExpiry(t *testing.T) {
	for raw, want := range map[string]time.Time{
		"1767225600000": time.UnixMilli(1767225600000), "1767225600000.9": time.UnixMilli(1767225600000),
		"1.7672256e12": time.UnixMilli(1767225600000), `"2026-01-01T00:00:00Z"`: time.UnixMilli(1767225600000),
		`"2026-01-01T01:00:00+01:00"`: time.UnixMilli(1767225600000), "null": {}, "": {},
		"1e300": time.UnixMilli(1<<63 - 1), "-1e300": time.UnixMilli(-1 << 63),
	} {
		got, err := parseExpiry("f", []byte(raw), true)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseExpiry(%s) = %v, %v; want %v", raw, got, err, want)
		}
	}
	for _, raw := range []string{`"soon"`, `true`, `{}`, `[]`, `""`} {
		if _, err := parseExpiry("f", []byte(raw), true); err == nil {
			t.Errorf("parseExpiry(%s) accepted", raw)
		}
	}
	if _, err := parseExpiry("f", []byte(`"2026-01-01T00:00:00Z"`), false); err == nil {
		t.Error("a string expiry accepted where only epoch ms is allowed")
	}
}

// TestBigFileIsMapped checks a file above safefile's mapping threshold (256 KiB) reads the same as a small
// one, including a key at its very end.
func TestBigFileIsMapped(t *testing.T) {
	data := fixture.ClaudeJSON(768<<10, "sk-ant-api03-at-the-end")
	p := fixtureHome(t, map[string]string{".claude.json": string(data)})
	res := Discover(Options{Paths: p, Now: time.Now()})
	if len(res.Credentials) != 1 || res.Credentials[0].Value != "sk-ant-api03-at-the-end" || len(res.Warnings) != 0 {
		t.Fatalf("%+v %v", res.Credentials, res.Warnings)
	}
	// The same document broken at the last byte is reported, not half-read.
	p = fixtureHome(t, map[string]string{".claude.json": string(data[:len(data)-1])})
	res = Discover(Options{Paths: p, Now: time.Now()})
	if len(res.Credentials) != 0 || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Reason, "invalid JSON") {
		t.Fatalf("%+v %v", res.Credentials, res.Warnings)
	}
}

func TestAllSourcesFixture(t *testing.T) {
	p := fixtureHome(t, fixture.AllSources())
	res := Discover(Options{Paths: p, Now: time.Now()})
	got := map[string]string{}
	for _, c := range res.Credentials {
		got[c.Provider] = c.Source
	}
	want := map[string]string{"anthropic": "claude_api", "openai": "codex", "groq": "amika_env_cache",
		"mistral": "amika_keychain", "github-copilot": "amika_oauth", "openrouter": "opencode",
		"gemini": "gemini", "amp": "amp_secrets"}
	if len(got) != len(want) || len(res.Warnings) != 0 {
		t.Fatalf("got %v, warnings %v", got, res.Warnings)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s from %s, want %s", k, got[k], v)
		}
	}
	for _, f := range res.Files {
		if f.State == StateMalformed || f.State == StateMissing && f.Source != "claude_api" && f.Source != "claude_oauth" && f.Source != "gemini" {
			t.Errorf("%s %s: %s", f.Source, f.Path, f.State)
		}
	}
}

// TestMappedFileTruncatedWhileRead: a big file cut short while it is being parsed (an agent
// rewriting it in place) is a warning, not a crash.
func TestMappedFileTruncatedWhileRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	data := fixture.ClaudeJSON(1<<20, "sk-ant-api03-x")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	src := Source{ID: "test", parse: func(data []byte, c *parseContext) error {
		if err := os.Truncate(path, 0); err != nil {
			t.Error(err)
		}
		c.add("x", "partial", KindAPIKey, time.Time{})
		return parseClaudeAPI(data, c)
	}}
	c := parseContext{}
	state, reason := readSource(&safefile.Reader{}, src.parse, path, maxClaudeFileSize, &c)
	if state != StateMalformed || reason != "the file changed while it was being read" || len(c.found) != 0 {
		t.Fatalf("state %q, reason %q, found %v", state, reason, c.found)
	}
}

func TestAssignmentsModes(t *testing.T) {
	creds := []Credential{
		{Provider: "anthropic", Value: "oat", Kind: KindOAuth, Source: "claude_oauth", Priority: 400, LeftToAgent: true},
		{Provider: "openai", Value: "chatgpt", Kind: KindOAuth, Source: "codex", Priority: 300, LeftToAgent: true},
		{Provider: "groq", Value: "gsk", Kind: KindAPIKey, Source: "opencode", Priority: 200},
		{Provider: "github-copilot", Value: "gho", Kind: KindOAuth, Source: "amika_oauth", Priority: 270},
	}
	names := func(mode Mode) string {
		as, warns := Assignments(creds, mode)
		if len(warns) != 0 {
			t.Errorf("mode %d: warnings %v", mode, warns)
		}
		var out []string
		for _, a := range as {
			out = append(out, a.Name+"="+a.Value)
		}
		return strings.Join(out, " ")
	}
	for mode, want := range map[Mode]string{
		ModePrint:     "=chatgpt =gho CLAUDE_CODE_OAUTH_TOKEN=oat GROQ_API_KEY=gsk",
		ModeHandout:   "GROQ_API_KEY=gsk",
		ModeReference: "ANTHROPIC_API_KEY=oat CLAUDE_API_KEY=oat CODEX_API_KEY=chatgpt GITHUB_COPILOT_API_KEY=gho GROQ_API_KEY=gsk OPENAI_API_KEY=chatgpt",
	} {
		if got := names(mode); got != want {
			t.Errorf("mode %d: %q, want %q", mode, got, want)
		}
	}
	// one variable, two credentials: the higher priority sets it, the other is named
	dup := []Credential{
		{Provider: "x-y", Value: "low", Kind: KindAPIKey, Source: "opencode", Priority: 200},
		{Provider: "x_y", Value: "high", Kind: KindAPIKey, Source: "amika_keychain", Priority: 280},
	}
	as, warns := Assignments(dup, ModeHandout)
	if len(as) != 1 || as[0].Value != "high" || len(warns) != 1 || !strings.Contains(warns[0].Reason, "X_Y_API_KEY is already set from amika_keychain") {
		t.Errorf("%v %v", as, warns)
	}
	// a provider that is not ASCII never gets a variable
	as, warns = Assignments([]Credential{{Provider: "anthropıc", Value: "v", Kind: KindAPIKey}}, ModeReference)
	if len(as) != 0 || len(warns) != 1 || warns[0].Reason != `provider "anthrop\u0131c" is not ASCII: skipped` {
		t.Errorf("%v %v", as, warns)
	}
}

// TestNonASCIIProviders: a crafted name that Unicode case mapping would turn into another
// provider's never reaches it, from any source.
func TestNonASCIIProviders(t *testing.T) {
	p := fixtureHome(t, map[string]string{
		".local/share/opencode/auth.json":  `{"anthropıc": {"type": "api", "key": "sk-evil-1"}, "opena\u0131": {"type": "api", "key": "sk-evil-2"}}`,
		".local/share/amika/keychain.json": `{"anthropıc_api_key": "sk-evil-3", "\u017fomething_API_KEY": "sk-evil-4"}`,
		".cache/amika/env-cache.json":      `{"open\u0131ai_API_KEY": "sk-evil-5"}`,
	})
	res := Discover(Options{Paths: p, Now: time.Now()})
	if len(res.Credentials) != 0 {
		t.Errorf("credentials %+v", res.Credentials)
	}
	for _, w := range res.Warnings {
		if strings.ContainsAny(w.String(), "ıſ\n") {
			t.Errorf("warning not escaped: %s", w)
		}
	}
}

func TestLoginOverride(t *testing.T) {
	p := fixtureHome(t, map[string]string{
		".claude/.credentials.json":        `{"claudeAiOauth": {"accessToken": "sk-ant-oat01-own", "expiresAt": 1}}`,
		".local/share/amika/keychain.json": `{"ANTHROPIC_API_KEY": "sk-ant-api03-stored"}`,
	})
	res := Discover(Options{Paths: p, Now: time.Now()})
	as, _ := Assignments(res.Handout, ModeHandout)
	w := LoginOverride(res, as, nil)
	if len(w) != 1 || w[0].Source != "amika_keychain" || !strings.Contains(w[0].Reason, "overrides Claude Code's own login ("+filepath.Join(p.ClaudeDir, ".credentials.json")+")") {
		t.Fatalf("%v", w)
	}
	if w := LoginOverride(res, as, func(string) bool { return false }); len(w) != 0 {
		t.Errorf("warned though nothing is newly exported: %v", w)
	}
	// --no-oauth: the login is not read, but it is there
	res = Discover(Options{Paths: p, Now: time.Now(), NoOAuth: true})
	as, _ = Assignments(res.Handout, ModeHandout)
	if len(LoginOverride(res, as, nil)) != 1 {
		t.Error("no warning with --no-oauth")
	}
	// Claude Code's own primaryApiKey too: Claude Code prefers its login to that field,
	// not to the variable
	q := fixtureHome(t, map[string]string{
		".claude/.credentials.json": `{"claudeAiOauth": {"accessToken": "sk-ant-oat01-own"}}`,
		".claude.json":              `{"primaryApiKey": "sk-ant-api03-own-config"}`,
	})
	res = Discover(Options{Paths: q, Now: time.Now()})
	as, _ = Assignments(res.Handout, ModeHandout)
	if w := LoginOverride(res, as, nil); len(as) != 2 || len(w) != 1 || w[0].Source != "claude_api" {
		t.Errorf("%v %v", as, w)
	}
}

// An agent's own login that has expired but that the agent refreshes itself (it holds a
// refresh token) still takes its provider for the paths that start agents (Handout), left
// to the agent, while auth extract (Credentials) skips it for the next credential.
func TestHandoutExpiredLogin(t *testing.T) {
	now := time.Now()
	key := `{"anthropic": {"type": "api", "key": "sk-ant-api03-opencode"}, "openrouter": {"type": "oauth", "access": "or-old", "refresh": "or-r", "expires": 1}}`
	for _, c := range []struct {
		name, login, other string
		handout            string // anthropic's hand-out winner: its value, "-" left to the agent
		extract            string
	}{
		{"refreshable", `{"claudeAiOauth": {"accessToken": "sk-ant-oat01-own", "refreshToken": "sk-ant-ort01-r", "expiresAt": 1000000000000}}`, "", "-", "sk-ant-api03-opencode"},
		{"no refresh token", `{"claudeAiOauth": {"accessToken": "sk-ant-oat01-own", "refreshToken": "", "expiresAt": 1000000000000}}`, "", "sk-ant-api03-opencode", "sk-ant-api03-opencode"},
		{"valid", `{"claudeAiOauth": {"accessToken": "sk-ant-oat01-own", "refreshToken": "sk-ant-ort01-r", "expiresAt": 4102444800000}}`, "", "-", "-"},
		// not Claude Code's own file: nobody refreshes it
		{"not own", "", `{"claudeAiOauth": {"accessToken": "sk-ant-oat01-x", "refreshToken": "sk-ant-ort01-r", "expiresAt": 1000000000000}}`, "sk-ant-api03-opencode", "sk-ant-api03-opencode"},
	} {
		files := map[string]string{".local/share/opencode/auth.json": key}
		if c.login != "" {
			files[".claude/.credentials.json"] = c.login
		}
		if c.other != "" {
			files[".claude-oauth-credentials.json"] = c.other
		}
		res := Discover(Options{Paths: fixtureHome(t, files), Now: now})
		pick := func(creds []Credential, p string) string {
			for _, cr := range creds {
				if cr.Provider == p {
					if cr.LeftToAgent {
						return "-"
					}
					return cr.Value
				}
			}
			return ""
		}
		if got := pick(res.Handout, "anthropic"); got != c.handout {
			t.Errorf("%s: hand-out anthropic %q, want %q", c.name, got, c.handout)
		}
		if got := pick(res.Credentials, "anthropic"); got != c.extract {
			t.Errorf("%s: extract anthropic %q, want %q", c.name, got, c.extract)
		}
		// OpenCode's own OAuth entry, expired with its refresh token: left to OpenCode
		if got := pick(res.Handout, "openrouter"); got != "-" || pick(res.Credentials, "openrouter") != "" {
			t.Errorf("%s: openrouter hand-out %q, extract %q", c.name, got, pick(res.Credentials, "openrouter"))
		}
		as, _ := Assignments(res.Handout, ModeHandout)
		for _, a := range as {
			if a.Provider == "anthropic" && c.handout == "-" {
				t.Errorf("%s: handed out %s", c.name, a.Name)
			}
		}
	}
}

// The store's secrets are read by what their metadata says: kind, agent, expiry.
func TestStoredEntries(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	entries := []StoredEntry{
		{Name: "ANTHROPIC_API_KEY", Value: "sk-ant-oat01-copied", Kind: KindOAuth},
		{Name: "CLAUDE_CODE_OAUTH_TOKEN", Value: "tok-by-name"},
		{Name: "GROQ_API_KEY", Value: "gsk-1"},
		{Name: "claude-old", Agent: "claude", Kind: KindOAuth, Value: `{"claudeAiOauth":{"accessToken":"sk-ant-oat01-old","expiresAt":1000}}`},
		{Name: "claude-setup", Agent: "claude", Kind: KindOAuth, Value: "sk-ant-oat01-setup", Expires: now.Add(-time.Hour)},
		{Name: "codex-api-key", Agent: "codex", Kind: KindAPIKey, Value: "sk-proj-1"},
		{Name: "codex-oauth", Agent: "codex", Kind: KindOAuth, Value: `{"tokens":{"access_token":"x"}}`},
		{Name: "claude-key", Agent: "claude", Kind: KindAPIKey, Value: "sk-ant-oat01-typed-as-key"},
		{Name: "my-token", Value: "sk-ant-api03-not-read"},
	}
	row := []StoredSecrets{{Label: "store", Read: func() (Stored, error) { return Stored{Entries: entries}, nil }}}
	p := Paths{Home: t.TempDir()}
	res := Discover(Options{Paths: p, Now: now, Stored: row})
	var f FileReport
	for _, x := range res.Files {
		if x.Source == "amika_keychain" {
			f = x
		}
	}
	var got []string
	for _, c := range f.Found {
		got = append(got, c.Provider+"/"+string(c.Kind)+"="+c.Value)
	}
	want := "anthropic/oauth=sk-ant-oat01-copied anthropic/oauth=tok-by-name groq/api_key=gsk-1 anthropic/oauth=sk-ant-oat01-typed-as-key openai/api_key=sk-proj-1"
	if strings.Join(got, " ") != want {
		t.Errorf("found %s\nwant  %s", strings.Join(got, " "), want)
	}
	if len(f.Expired) != 2 || len(f.Listed) != 1 || f.Listed[0].Name != "codex-oauth" {
		t.Errorf("expired %v, listed %v", f.Expired, f.Listed)
	}
	for _, c := range f.Found {
		if c.LeftToAgent {
			t.Errorf("%s left to its agent", c.Value)
		}
	}
	res = Discover(Options{Paths: p, Now: now, NoOAuth: true, Stored: row})
	for _, x := range res.Files {
		for _, c := range x.Found {
			if c.Kind == KindOAuth {
				t.Errorf("--no-oauth: %s", c.Value)
			}
		}
	}
}
