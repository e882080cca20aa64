package inject

import (
	"errors"
	"strings"
	"testing"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store"
)

func TestParseSecretRef(t *testing.T) {
	for in, want := range map[string]SecretRef{
		"env:A=my-key": {"A", "my-key"},
		"env:MY_KEY":   {"MY_KEY", "MY_KEY"},
		"env:_x1=S.1":  {"_x1", "S.1"},
	} {
		got, err := ParseSecretRef(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"A=B", "env:", "env:A=", "env:1A=B", "env:my-key", "env:A=b c", "file:A=B"} {
		if _, err := ParseSecretRef(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestEnviron(t *testing.T) {
	got := Environ([]string{"PATH=/bin", "A=old", "B=keep"}, []Var{{Name: "A", Value: "new"}, {Name: "C", Value: "c=d"}})
	if strings.Join(got, " ") != "PATH=/bin B=keep A=new C=c=d" {
		t.Fatalf("Environ = %q", got)
	}
}

func fileStore(t *testing.T, secrets ...store.Secret) store.Store {
	p, err := discovery.ResolvePaths(t.TempDir(), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	f := store.NewFile(p)
	if len(secrets) > 0 {
		if err := f.Set(secrets...); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestResolve(t *testing.T) {
	st := fileStore(t,
		store.Secret{Name: "TOKEN", Value: "t-value"},
		store.Secret{Name: "claude-oauth", Value: `{"claudeAiOauth":{"accessToken":"oat","refreshToken":"rt"}}`, Meta: store.Meta{Type: store.TypeOAuth, Agent: "claude", Label: "oauth", Provider: "anthropic"}},
	)
	opened := 0
	opt := Options{
		Secrets: []SecretRef{{"X", "TOKEN"}, {"ANTHROPIC_API_KEY", "claude-oauth"}},
		Store:   func() (store.Store, error) { opened++; return st, nil },
		Discover: func() (discovery.Result, error) {
			return discovery.Result{}, errors.New("discovery must not run")
		},
	}
	vars, _, err := Resolve(opt)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range vars {
		got[v.Name] = v.Value
	}
	// an Anthropic OAuth token asked for under an API-key name goes in as the OAuth variable only
	want := map[string]string{"X": "t-value", OAuthTokenVar: "oat"}
	if len(got) != len(want) {
		t.Fatalf("vars %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if opened != 1 {
		t.Errorf("store opened %d times", opened)
	}

	opt.Secrets = []SecretRef{{"X", "NOPE"}, {"Y", "TOKEN"}}
	if _, _, err := Resolve(opt); err == nil || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("missing secret: %v", err)
	}

	// nothing named: neither store nor discovery is touched
	vars, _, err = Resolve(Options{Store: func() (store.Store, error) { t.Fatal("store opened"); return nil, nil }})
	if err != nil || len(vars) != 0 {
		t.Errorf("empty options: %v, %v", vars, err)
	}
}

func TestResolveProviders(t *testing.T) {
	res := discovery.Result{Credentials: []discovery.Credential{
		{Provider: "anthropic", Value: "oauth-tok", Kind: discovery.KindOAuth, Source: "amika_oauth"},
		{Provider: "groq", Value: "gsk", Kind: discovery.KindAPIKey},
		{Provider: "openai", Value: "chatgpt-tok", Kind: discovery.KindOAuth, Source: "codex", LeftToAgent: true},
		{Provider: "github-copilot", Value: "gho", Kind: discovery.KindOAuth, Source: "amika_oauth"},
	}}
	res.Handout = res.Credentials
	for _, c := range []struct {
		providers []string
		want      string
		warns     int
	}{
		// an Anthropic OAuth token from amika's store: the OAuth variable only
		{[]string{"claude"}, "CLAUDE_CODE_OAUTH_TOKEN", 0},
		{[]string{"groq"}, "GROQ_API_KEY", 0},
		// an agent's own login resolves its provider and adds nothing, silently
		{[]string{"codex"}, "", 0},
		// an OAuth token no variable takes adds nothing, with a warning
		{[]string{"github-copilot"}, "", 1},
	} {
		opt := Options{Providers: c.providers, Discover: func() (discovery.Result, error) { return res, nil }}
		vars, warns, err := Resolve(opt)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, v := range vars {
			names = append(names, v.Name)
		}
		if strings.Join(names, " ") != c.want || len(warns) != c.warns {
			t.Errorf("--provider %v gives %v, warnings %v; want %q", c.providers, names, warns, c.want)
		}
	}
	opt := Options{Providers: []string{"mistral"}, Discover: func() (discovery.Result, error) { return res, nil }}
	if _, _, err := Resolve(opt); err == nil || !strings.Contains(err.Error(), "mistral") {
		t.Errorf("missing provider: %v", err)
	}
	opt = Options{Discovered: true, Discover: func() (discovery.Result, error) { return res, nil }}
	vars, _, err := Resolve(opt)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range vars {
		names = append(names, v.Name)
	}
	if strings.Join(names, " ") != "CLAUDE_CODE_OAUTH_TOKEN GROQ_API_KEY" {
		t.Errorf("--discovered gives %v", names)
	}
}

// --if-unset (the lazy wrappers): a provider whose client already has a credential
// variable set, not empty, gets nothing added and counts as resolved; the others as usual.
func TestResolveIfUnset(t *testing.T) {
	creds := []discovery.Credential{
		{Provider: "anthropic", Value: "sk-ant-stored", Kind: discovery.KindAPIKey, Source: "amika_keychain"},
		{Provider: "openai", Value: "sk-proj-stored", Kind: discovery.KindAPIKey, Source: "amika_keychain"},
	}
	discover := func() (discovery.Result, error) { return discovery.Result{Credentials: creds, Handout: creds}, nil }
	for _, c := range []struct {
		env  map[string]string
		opt  Options
		want string
	}{
		{map[string]string{"CLAUDE_CODE_OAUTH_TOKEN": "sk-ant-oat01-user"}, Options{Providers: []string{"anthropic"}}, ""},
		{map[string]string{"ANTHROPIC_AUTH_TOKEN": "gw"}, Options{Providers: []string{"anthropic"}}, ""},
		{map[string]string{"ANTHROPIC_API_KEY": ""}, Options{Providers: []string{"anthropic"}}, "ANTHROPIC_API_KEY CLAUDE_API_KEY"},
		{map[string]string{"CODEX_API_KEY": "mine"}, Options{Discovered: true}, "ANTHROPIC_API_KEY CLAUDE_API_KEY"},
		// a provider nothing resolves for, its variable set: no error
		{map[string]string{"MISTRAL_API_KEY": "mine"}, Options{Providers: []string{"mistral"}}, ""},
	} {
		opt := c.opt
		opt.IfUnset, opt.Discover = true, discover
		opt.Getenv = func(name string) string { return c.env[name] }
		vars, _, err := Resolve(opt)
		if err != nil {
			t.Fatalf("%v: %v", c.env, err)
		}
		var names []string
		for _, v := range vars {
			names = append(names, v.Name)
		}
		if strings.Join(names, " ") != c.want {
			t.Errorf("env %v, %+v: gives %v, want %q", c.env, c.opt, names, c.want)
		}
		// without --if-unset, --provider overrides (it is explicit)
		opt.IfUnset = false
		if vars, _, _ := Resolve(opt); c.opt.Providers != nil && c.opt.Providers[0] == "anthropic" && len(vars) != 2 {
			t.Errorf("env %v without --if-unset: gives %v", c.env, vars)
		}
	}
}
