package helper

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store"
)

var testNow = time.Unix(1_800_000_000, 0)

type fixture struct {
	t     testing.TB
	st    *memStore
	creds []discovery.Credential
	opens int
	finds int
	clock time.Time
}

func newFixture(t testing.TB) *fixture { return &fixture{t: t, st: newMemStore(), clock: testNow} }

func (f *fixture) options() Options {
	return Options{
		OpenStore: func() (store.Store, error) { f.opens++; return f.st, nil },
		Discover:  func() ([]discovery.Credential, error) { f.finds++; return f.creds, nil },
		LockPath:  f.t.TempDir() + "/lock",
		Now:       f.clock,
	}
}

func (f *fixture) run(action, in string) (string, error) {
	f.t.Helper()
	var out bytes.Buffer
	err := Serve(action, strings.NewReader(in), &out, f.options())
	if err != nil && out.Len() > 0 {
		f.t.Fatalf("%s failed (%v) but wrote %q", action, err, out.String())
	}
	return out.String(), err
}

func (f *fixture) ok(action, in string) string {
	f.t.Helper()
	out, err := f.run(action, in)
	if err != nil {
		f.t.Fatalf("%s %q: %v", action, in, err)
	}
	if action != "get" && out != "" {
		f.t.Fatalf("%s wrote %q", action, out)
	}
	return out
}

func (f *fixture) expectGet(in, want string) {
	f.t.Helper()
	if got := f.ok("get", in); got != want {
		f.t.Errorf("get %q:\n got %q\nwant %q", in, got, want)
	}
}

// The cases of git's t0303-credential-external.sh, including the newer ones, in order.
func TestGitSemantics(t *testing.T) {
	f := newFixture(t)
	f.expectGet("protocol=https\nhost=example.com\n", "")
	f.ok("store", "protocol=https\nhost=example.com\nusername=store-user\npassword=store-pass\n")
	f.expectGet("protocol=https\nhost=example.com\n", "username=store-user\npassword=store-pass\n")
	f.expectGet("protocol=http\nhost=example.com\n", "")
	f.expectGet("protocol=https\nhost=other.tld\n", "")
	f.expectGet("protocol=https\nhost=example.com\nusername=other\n", "")

	// path: matched only when the request has one
	f.ok("store", "protocol=http\nhost=path.tld\npath=foo.git\nusername=user\npassword=pass\n")
	f.expectGet("protocol=http\nhost=path.tld\npath=bar.git\n", "")
	f.expectGet("protocol=http\nhost=path.tld\npath=foo.git\n", "username=user\npassword=pass\n")
	f.expectGet("protocol=http\nhost=path.tld\n", "username=user\npassword=pass\n")

	// overwrite on store
	f.ok("store", "protocol=https\nhost=example.com\nusername=user-overwrite\npassword=pass1\n")
	f.ok("store", "protocol=https\nhost=example.com\nusername=user-overwrite\npassword=pass2\n")
	f.expectGet("protocol=https\nhost=example.com\nusername=user-overwrite\n", "username=user-overwrite\npassword=pass2\n")
	f.ok("erase", "protocol=https\nhost=example.com\nusername=user-overwrite\npassword=pass2\n")
	f.expectGet("protocol=https\nhost=example.com\nusername=user-overwrite\n", "")

	// forget host
	f.ok("erase", "protocol=https\nhost=example.com\n")
	f.expectGet("protocol=https\nhost=example.com\n", "")

	// several users
	f.ok("store", "protocol=https\nhost=example.com\nusername=user1\npassword=pass1\n")
	f.ok("store", "protocol=https\nhost=example.com\nusername=user2\npassword=pass2\n")
	f.expectGet("protocol=https\nhost=example.com\nusername=user1\n", "username=user1\npassword=pass1\n")
	f.expectGet("protocol=https\nhost=example.com\nusername=user2\n", "username=user2\npassword=pass2\n")
	// without a username, the most recently stored wins
	f.expectGet("protocol=https\nhost=example.com\n", "username=user2\npassword=pass2\n")

	// erase with a different password leaves it; without one forgets the user only
	f.ok("store", "protocol=https\nhost=example.com\nusername=user5\npassword=pass1\n")
	f.ok("erase", "protocol=https\nhost=example.com\nusername=user5\npassword=pass2\n")
	f.expectGet("protocol=https\nhost=example.com\nusername=user5\n", "username=user5\npassword=pass1\n")
	f.ok("erase", "protocol=https\nhost=example.com\nusername=user1\n")
	f.expectGet("protocol=https\nhost=example.com\nusername=user1\n", "")
	f.expectGet("protocol=https\nhost=example.com\nusername=user2\n", "username=user2\npassword=pass2\n")

	// empty username and password
	f.ok("store", "protocol=https\nhost=sso.tld\nusername=\npassword=\n")
	f.expectGet("protocol=https\nhost=sso.tld\n", "username=\npassword=\n")

	// erase every matching credential
	f.ok("store", "protocol=https\nhost=example.com\nusername=user-erase1\npassword=pass1\n")
	f.ok("store", "protocol=https\nhost=example.com\nusername=user-erase2\npassword=pass1\n")
	f.ok("erase", "protocol=https\nhost=example.com\n")
	f.expectGet("protocol=https\nhost=example.com\n", "")

	// a long header does not leak another host's credential
	f.ok("store", "protocol=https\nhost=victim.example.com\nusername=user\npassword=to-be-stolen\n")
	f.expectGet("protocol=https\nhost=badguy.example.com\nwwwauth[]=basic realm="+strings.Repeat("a", 70<<10)+"host=victim.example.com\n", "")
}

func TestHostWithPort(t *testing.T) {
	f := newFixture(t)
	f.ok("store", "protocol=https\nhost=example.com:8443\nusername=u\npassword=p\n")
	f.expectGet("protocol=https\nhost=example.com\n", "")
	f.expectGet("protocol=https\nhost=example.com:8443\n", "username=u\npassword=p\n")
}

func TestPasswordExpiry(t *testing.T) {
	f := newFixture(t)
	f.ok("store", "protocol=https\nhost=example.com\nusername=user-expiry\npassword=pass\npassword_expiry_utc=9999999999\n")
	f.expectGet("protocol=https\nhost=example.com\nusername=user-expiry\n", "username=user-expiry\npassword=pass\npassword_expiry_utc=9999999999\n")
	// only the expiry changes: still an overwrite
	f.ok("store", "protocol=https\nhost=example.com\nusername=user-expiry\npassword=pass\npassword_expiry_utc=9999999998\n")
	f.expectGet("protocol=https\nhost=example.com\nusername=user-expiry\n", "username=user-expiry\npassword=pass\npassword_expiry_utc=9999999998\n")
	// expired: not stored, and a stored one that has expired is not returned
	f.ok("store", "protocol=https\nhost=old.example\nusername=u\npassword=p\npassword_expiry_utc=1000\n")
	f.expectGet("protocol=https\nhost=old.example\n", "")
	f.ok("store", "protocol=https\nhost=soon.example\nusername=u\npassword=p\npassword_expiry_utc=1800000100\n")
	f.now(testNow.Add(time.Hour))
	f.expectGet("protocol=https\nhost=soon.example\n", "")
}

func (f *fixture) now(t time.Time) { f.clock = t }

func TestOAuthRefreshToken(t *testing.T) {
	f := newFixture(t)
	f.ok("store", "protocol=https\nhost=example.com\nusername=user4\npassword=pass\noauth_refresh_token=xyzzy\n")
	f.expectGet("protocol=https\nhost=example.com\nusername=user4\n", "username=user4\npassword=pass\noauth_refresh_token=xyzzy\n")
}

func TestAuthType(t *testing.T) {
	f := newFixture(t)
	f.ok("store", "capability[]=authtype\nauthtype=Bearer\ncredential=random-token\nprotocol=https\nhost=git.example.com\n")
	f.expectGet("capability[]=authtype\nprotocol=https\nhost=git.example.com\n", "capability[]=authtype\nauthtype=Bearer\ncredential=random-token\n")
	// without the capability, the credential is not handed out
	f.expectGet("protocol=https\nhost=git.example.com\n", "")
	f.ok("store", "capability[]=authtype\nauthtype=Bearer\ncredential=other-token\nprotocol=https\nhost=git.example.com\nusername=foobar\n")
	f.expectGet("capability[]=authtype\nprotocol=https\nhost=git.example.com\nusername=foobar\n", "capability[]=authtype\nauthtype=Bearer\ncredential=other-token\nusername=foobar\n")
	f.expectGet("capability[]=authtype\nprotocol=https\nhost=git.example.com\nusername=barbaz\n", "")
	// ephemeral: never stored
	f.ok("store", "capability[]=authtype\nauthtype=Bearer\ncredential=git2-token\nprotocol=https\nhost=git2.example.com\nephemeral=1\n")
	f.ok("store", "capability[]=authtype\nprotocol=https\nhost=git2.example.com\nusername=barbaz\npassword=secret\nephemeral=true\n")
	f.expectGet("capability[]=authtype\nprotocol=https\nhost=git2.example.com\n", "")
}

func TestStoreRefusesUnwritableValue(t *testing.T) {
	f := newFixture(t)
	for _, in := range []string{
		"protocol=https\nhost=example.com\nusername=u\npassword=Zq9\rZq9\n",
		"url=https://u:Zq9%0AZq9@example.com\n",
		"protocol=https\nhost=example.com\nusername=u\npassword=Zq9\x00Zq9\n",
		"name=MY_TOKEN\npassword=Zq9\rZq9\n",
	} {
		_, err := f.run("store", in)
		if err == nil {
			t.Errorf("store %q accepted", in)
		} else if strings.Contains(err.Error(), "Zq9") {
			t.Errorf("error %q echoes the secret", err)
		}
	}
	if f.st.sets != 0 {
		t.Errorf("%d store writes after refusals", f.st.sets)
	}
}

func TestStoreNeedsKeyAndCredential(t *testing.T) {
	f := newFixture(t)
	f.ok("store", "")
	f.ok("store", "host=example.com\nusername=u\npassword=p\n")
	f.ok("store", "protocol=https\nhost=example.com\nusername=u\n")
	f.ok("erase", "")
	f.ok("erase", "password=p\n")
	if f.opens != 0 {
		t.Errorf("store opened %d times for requests with nothing to do", f.opens)
	}
}

func TestUnknownActionIgnoredSilently(t *testing.T) {
	f := newFixture(t)
	for _, in := range []string{"protocol=https\nhost=x\n", "garbage\n", "a\x00b\n"} {
		if out := f.ok("frobnicate", in); out != "" {
			t.Errorf("wrote %q", out)
		}
	}
	if f.opens+f.finds != 0 {
		t.Error("unknown action touched the store or discovery")
	}
}

func TestRecordIsReadableInStore(t *testing.T) {
	f := newFixture(t)
	f.ok("store", "protocol=https\nhost=example.com\nusername=u\npassword=p\n")
	list, _, _ := f.st.List()
	if len(list) != 1 || !strings.HasPrefix(list[0].Name, GitPrefix) || list[0].Type != store.TypeGeneric || list[0].Origin != "git credential https://example.com" {
		t.Fatalf("list = %+v", list)
	}
	var r gitRecord
	s, _ := f.st.Get(list[0].Name)
	if err := json.Unmarshal([]byte(s.Value), &r); err != nil || len(r.Credentials) != 1 {
		t.Fatalf("record %v, %+v", err, r)
	}
	// a request without host scans every record
	f.expectGet("protocol=https\nusername=u\n", "username=u\npassword=p\n")
	f.ok("erase", "username=u\n")
	if list, _, _ := f.st.List(); len(list) != 0 {
		t.Errorf("empty record kept: %+v", list)
	}
}

func TestProviderLookups(t *testing.T) {
	f := newFixture(t)
	exp := time.Unix(1_900_000_000, 0)
	f.creds = []discovery.Credential{
		{Provider: "anthropic", Value: "sk-ant-oat01-token", Source: "claude_oauth", Kind: discovery.KindOAuth, Expires: exp},
		{Provider: "openrouter", Value: "sk-or-key", Source: "opencode", Kind: discovery.KindAPIKey},
	}
	want := "provider=anthropic\nkind=oauth\nsource=claude_oauth\nenv[]=ANTHROPIC_API_KEY\nenv[]=CLAUDE_API_KEY\npassword=sk-ant-oat01-token\npassword_expiry_utc=1900000000\n"
	f.expectGet("provider=Claude\n", want)
	if f.opens != 0 {
		t.Error("a provider lookup opened the store")
	}
	// an API host with no stored git credential maps to its provider
	f.expectGet("protocol=https\nhost=api.anthropic.com\n", want)
	f.expectGet("protocol=https\nhost=openrouter.ai:443\n", "provider=openrouter\nkind=api_key\nsource=opencode\nenv[]=OPENROUTER_API_KEY\npassword=sk-or-key\n")
	// a stored git credential for the host wins
	f.ok("store", "protocol=https\nhost=api.anthropic.com\nusername=me\npassword=git-pass\n")
	f.expectGet("protocol=https\nhost=api.anthropic.com\n", "username=me\npassword=git-pass\n")
	f.expectGet("provider=groq\n", "")

	// store and erase with provider= act on the store only
	f.ok("store", "provider=groq\npassword=gsk-1\n")
	if s, err := f.st.Get("GROQ_API_KEY"); err != nil || s.Value != "gsk-1" || s.Provider != "groq" || s.Type != store.TypeAPIKey {
		t.Errorf("stored %+v, %v", s, err)
	}
	f.ok("erase", "provider=groq\npassword=other\n")
	if _, err := f.st.Get("GROQ_API_KEY"); err != nil {
		t.Error("erase with another password removed it")
	}
	f.ok("erase", "provider=groq\n")
	if _, err := f.st.Get("GROQ_API_KEY"); !errors.Is(err, store.ErrNotFound) {
		t.Error("erase left it")
	}
}

func TestNameLookups(t *testing.T) {
	f := newFixture(t)
	f.expectGet("name=my-token\n", "")
	f.ok("store", "name=my-token\npassword=v1\n")
	f.expectGet("name=my-token\n", "name=my-token\ntype=generic\npassword=v1\n")
	if _, err := f.run("get", "name=bad name\n"); err == nil {
		t.Error("invalid name accepted")
	}
	f.ok("store", "protocol=https\nhost=h\nusername=u\npassword=p\n")
	list, _, _ := f.st.List()
	for _, s := range list {
		if strings.HasPrefix(s.Name, GitPrefix) {
			if _, err := f.run("get", "name="+s.Name+"\n"); err == nil {
				t.Error("a git record was readable by name")
			}
		}
	}
	f.ok("erase", "name=my-token\n")
	f.expectGet("name=my-token\n", "")
}

func TestLookupBare(t *testing.T) {
	f := newFixture(t)
	f.creds = []discovery.Credential{{Provider: "openai", Value: "sk-openai", Source: "codex", Kind: discovery.KindAPIKey}}
	if v, err := Lookup("codex", f.options()); err != nil || v != "sk-openai" {
		t.Errorf("Lookup(codex) = %q, %v", v, err)
	}
	f.st.Set(store.Secret{Name: "deploy-token", Value: "dt", Meta: store.Meta{Type: store.TypeGeneric}})
	if v, err := Lookup("deploy-token", f.options()); err != nil || v != "dt" {
		t.Errorf("Lookup(deploy-token) = %q, %v", v, err)
	}
	if _, err := Lookup("nothing-here", f.options()); !errors.Is(err, ErrNoCredential) {
		t.Errorf("Lookup(nothing-here) err = %v", err)
	}
}

func TestProviderForHost(t *testing.T) {
	for host, want := range map[string]string{
		"api.anthropic.com": "anthropic", "API.OpenAI.com": "openai", "api.x.ai:443": "xai",
		"generativelanguage.googleapis.com": "google", "api.groq.com": "groq", "api.mistral.ai": "mistral",
		"api.deepseek.com": "deepseek", "openrouter.ai": "openrouter",
	} {
		if got, ok := ProviderForHost(host); !ok || got != want {
			t.Errorf("%s → %q, %v", host, got, ok)
		}
	}
	if _, ok := ProviderForHost("evil-api.anthropic.com"); ok {
		t.Error("lookalike host mapped")
	}
}

// FuzzServe: any request, any action, never a panic, and never output next to an error.
func FuzzServe(f *testing.F) {
	f.Add("store", "protocol=https\nhost=h\nusername=u\npassword=p\n")
	f.Add("get", "protocol=https\nhost=h\n")
	f.Add("erase", "host=h\n")
	f.Add("get", "capability[]=authtype\nprotocol=https\nhost=api.anthropic.com\n")
	f.Add("store", "url=https://u:p@h/x\npassword_expiry_utc=99999999999\n")
	f.Fuzz(func(t *testing.T, action, in string) {
		fx := newFixture(t)
		fx.creds = []discovery.Credential{{Provider: "anthropic", Value: "k", Source: "claude_api", Kind: discovery.KindAPIKey}}
		opt := fx.options()
		opt.LockPath = ""
		for _, a := range []string{action, "get"} {
			var out bytes.Buffer
			err := Serve(a, strings.NewReader(in), &out, opt)
			if err != nil && out.Len() > 0 {
				t.Fatalf("%s: error %v with output %q", a, err, out.String())
			}
		}
	})
}

func TestStoreIgnoresUnknownKeys(t *testing.T) {
	f := newFixture(t)
	f.ok("store", "protocol=https\nhost=example.com\nusername=u\npassword=p\nfuture-key=a\rb\nwwwauth[]=x\n")
	f.expectGet("protocol=https\nhost=example.com\n", "username=u\npassword=p\n")
}

func TestGitNames(t *testing.T) {
	str := func(s string) *string { return &s }
	long := strings.Repeat("h", 300) + ".example.com"
	seen := map[string]bool{}
	for _, k := range [][2]*string{
		{str("https"), str("github.com")}, {str("https"), str("github.com:443")}, {str("https"), str("github.com_443")},
		{str("http"), str("github.com")}, {str("https"), str("")}, {str("https"), nil}, {nil, str("github.com")},
		{str("https"), str(long)}, {str("https"), str(long + "x")}, {str("https"), str("ünï/code host")},
	} {
		name := gitName(k[0], k[1])
		if err := store.ValidateName(name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
		if seen[name] {
			t.Errorf("%q twice", name)
		}
		seen[name] = true
	}
	if got := gitName(str("https"), str("github.com:443")); !strings.HasPrefix(got, "git-credential.https.github.com_443.") {
		t.Errorf("name %q", got)
	}
}
