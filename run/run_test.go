package run

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
	want := map[string]string{"X": "t-value", "ANTHROPIC_API_KEY": "oat", OAuthTokenVar: "oat"}
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
		{Provider: "anthropic", Value: "oauth-tok", Kind: discovery.KindOAuth},
		{Provider: "groq", Value: "gsk", Kind: discovery.KindAPIKey},
	}}
	opt := Options{Providers: []string{"claude"}, Discover: func() (discovery.Result, error) { return res, nil }}
	vars, _, err := Resolve(opt)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range vars {
		names = append(names, v.Name)
	}
	if strings.Join(names, " ") != "ANTHROPIC_API_KEY CLAUDE_API_KEY CLAUDE_CODE_OAUTH_TOKEN" {
		t.Errorf("--provider claude gives %v", names)
	}
	opt.Providers = []string{"mistral"}
	if _, _, err := Resolve(opt); err == nil || !strings.Contains(err.Error(), "mistral") {
		t.Errorf("missing provider: %v", err)
	}
}
