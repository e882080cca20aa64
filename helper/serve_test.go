package helper

import (
	"bytes"
	"encoding/json"
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
		Discover:  func() (discovery.Result, error) { f.finds++; return f.result(), nil },
		LockPath:  f.t.TempDir() + "/lock",
		Now:       f.clock,
	}
}

// result is what discovery would find: f.creds in priority order, one file each.
func (f *fixture) result() discovery.Result {
	var res discovery.Result
	won := map[string]bool{}
	for _, c := range f.creds {
		res.Files = append(res.Files, discovery.FileReport{Source: c.Source, Found: []discovery.Credential{c}})
		if !won[c.Provider] {
			won[c.Provider] = true
			res.Credentials = append(res.Credentials, c)
		}
	}
	return res
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
	if len(list) != 1 || !strings.HasPrefix(list[0].Name, gitPrefix) || list[0].Type != store.TypeGeneric || list[0].Origin != "git credential https://example.com" {
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
		if strings.HasPrefix(s.Name, gitPrefix) {
			if _, err := f.run("get", "name="+s.Name+"\n"); err == nil {
				t.Error("a git record was readable by name")
			}
		}
	}
	f.ok("erase", "name=my-token\n")
	f.expectGet("name=my-token\n", "")
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

// A value under a git record's name that amika did not write as one is refused, quoted
// nowhere, and never overwritten.
func TestNotAGitRecord(t *testing.T) {
	str := func(s string) *string { return &s }
	name := gitName(str("https"), str("example.com"))
	other := gitName(str("https"), str("other.example"))
	f := newFixture(t)
	f.ok("store", "protocol=https\nhost=other.example\nusername=u\npassword=p\n")
	moved, _ := f.st.Get(other)
	for _, value := range []string{
		"Zq9-plain-secret",
		`{"protocol":"https","host":"example.com","credentials":"Zq9"}`,
		`{"protocol":"https","host":"example.com","credentials":[{"password":"Zq9"}],"extra":"Zq9"}`,
		`{"protocol":"https","host":"example.com","credentials":[{"password":"Zq9"}]} Zq9`,
		`{"protocol":"https","host":"example.com","credentials":[]}`,
		`{"Zq9":1}`, "null", "\"Zq9\"",
		moved.Value, // a real record, under another host's name
	} {
		f.st.secrets[name] = store.Secret{Name: name, Value: value, Meta: store.Meta{Type: store.TypeGeneric}}
		sets := f.st.sets
		for _, req := range []struct{ action, in string }{
			{"get", "protocol=https\nhost=example.com\n"},
			{"get", "username=u\n"},
			{"store", "protocol=https\nhost=example.com\nusername=u\npassword=p\n"},
			{"erase", "protocol=https\nhost=example.com\n"},
		} {
			out, err := f.run(req.action, req.in)
			if err == nil || out != "" {
				t.Errorf("%s over %q: %q, %v", req.action, value, out, err)
				continue
			}
			if strings.Contains(err.Error(), "Zq9") || !strings.Contains(err.Error(), name+" holds something other than a git credential record") {
				t.Errorf("%s over %q: error %q", req.action, value, err)
			}
		}
		if f.st.sets != sets || f.st.secrets[name].Value != value {
			t.Errorf("%q overwritten", value)
		}
	}
}

func TestNameErrorsQuoteNothing(t *testing.T) {
	f := newFixture(t)
	for _, in := range []string{"name=Zq9 secret\n", "name=Zq9\x01\n", "name=" + gitPrefix + "Zq9\n", "name=" + strings.Repeat("Zq9", 50) + "\n"} {
		for _, action := range []string{"get", "store", "erase"} {
			_, err := f.run(action, in+"password=p\n")
			if err == nil || strings.Contains(err.Error(), "Zq9") {
				t.Errorf("%s %q: %v", action, in, err)
			}
		}
	}
}
