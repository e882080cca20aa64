package helper

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store"
)

var (
	claudeOAuth  = discovery.Credential{Provider: "anthropic", Value: "sk-ant-oat01-token", Source: "claude_oauth", Kind: discovery.KindOAuth, Expires: time.Unix(1_900_000_000, 0), LeftToAgent: true}
	storedOAuth  = discovery.Credential{Provider: "anthropic", Value: "sk-ant-oat01-stored", Source: "amika_oauth", Kind: discovery.KindOAuth}
	anthropicKey = discovery.Credential{Provider: "anthropic", Value: "sk-ant-api03-key", Source: "amika_keychain", Kind: discovery.KindAPIKey}
	openaiKey    = discovery.Credential{Provider: "openai", Value: "sk-proj-key", Source: "codex", Kind: discovery.KindAPIKey}
	codexOAuth   = discovery.Credential{Provider: "openai", Value: "eyJchatgpt", Source: "codex", Kind: discovery.KindOAuth, LeftToAgent: true}
	openrouter   = discovery.Credential{Provider: "openrouter", Value: "sk-or-key", Source: "opencode", Kind: discovery.KindAPIKey}
)

const (
	anthropicKeyAnswer = "provider=anthropic\nkind=api_key\nsource=amika_keychain\nenv[]=ANTHROPIC_API_KEY\nenv[]=CLAUDE_API_KEY\npassword=sk-ant-api03-key\n"
	openaiKeyAnswer    = "provider=openai\nkind=api_key\nsource=codex\nenv[]=OPENAI_API_KEY\nenv[]=CODEX_API_KEY\npassword=sk-proj-key\n"
)

// provider= is asked by clients that send what they get as an API key: they get the API
// key of highest priority, even where an OAuth token outranks it, and never a token.
func TestProviderAnswersAPIKeysOnly(t *testing.T) {
	f := newFixture(t)
	f.creds = []discovery.Credential{claudeOAuth, anthropicKey, openrouter}
	f.expectGet("provider=Claude\n", anthropicKeyAnswer)
	if f.opens != 0 {
		t.Error("a provider lookup opened the store")
	}
	f.expectGet("provider=openrouter\n", "provider=openrouter\nkind=api_key\nsource=opencode\nenv[]=OPENROUTER_API_KEY\npassword=sk-or-key\n")
	// nobody has one: nothing, exit 0
	f.expectGet("provider=groq\n", "")
	if v, err := Lookup("claude", f.options()); err != nil || v != "sk-ant-api03-key" {
		t.Errorf("Lookup(claude) = %q, %v", v, err)
	}
}

func TestProviderOAuthOnly(t *testing.T) {
	for _, tc := range []struct {
		creds []discovery.Credential
		arg   string
		want  string
	}{
		{[]discovery.Credential{claudeOAuth}, "anthropic",
			"anthropic: only an OAuth login exists (claude_oauth), no API key: Claude Code uses that login by itself, so unset apiKeyHelper in its settings"},
		{[]discovery.Credential{claudeOAuth, storedOAuth}, "claude",
			"anthropic: only an OAuth login exists (claude_oauth), no API key: Claude Code uses that login by itself, so unset apiKeyHelper in its settings"},
		{[]discovery.Credential{storedOAuth}, "anthropic",
			"anthropic: only an OAuth token exists (amika_oauth), no API key: Claude Code takes it as CLAUDE_CODE_OAUTH_TOKEN, never from apiKeyHelper, so unset apiKeyHelper in its settings"},
		{[]discovery.Credential{codexOAuth}, "codex",
			"openai: only an OAuth login exists (codex), no API key: its agent uses that login by itself"},
	} {
		f := newFixture(t)
		f.creds = tc.creds
		v, err := Lookup(tc.arg, f.options())
		if err == nil || err.Error() != tc.want {
			t.Errorf("Lookup(%s) = %q, %v\nwant error %s", tc.arg, v, err, tc.want)
		}
		out, err := f.run("get", "provider="+tc.arg+"\n")
		if out != "" || err == nil || err.Error() != "get: "+tc.want {
			t.Errorf("get provider=%s: %q, %v", tc.arg, out, err)
		}
		// git asking for the API host: no answer, no error (git asks the next helper)
		host := map[string]string{"anthropic": "api.anthropic.com", "openai": "api.openai.com"}[discovery.Canonical(tc.arg)]
		f.expectGet("protocol=https\nhost="+host+"\n", "")
	}
}

func TestLookupBare(t *testing.T) {
	f := newFixture(t)
	f.creds = []discovery.Credential{openaiKey}
	if v, err := Lookup("codex", f.options()); err != nil || v != "sk-proj-key" {
		t.Errorf("Lookup(codex) = %q, %v", v, err)
	}
	f.st.Set(store.Secret{Name: "deploy-token", Value: "dt", Meta: store.Meta{Type: store.TypeGeneric}})
	if v, err := Lookup("deploy-token", f.options()); err != nil || v != "dt" {
		t.Errorf("Lookup(deploy-token) = %q, %v", v, err)
	}
	// a secret stored under the provider's name beats the OAuth-only message
	f.creds = []discovery.Credential{claudeOAuth}
	f.st.Set(store.Secret{Name: "anthropic", Value: "by-name", Meta: store.Meta{Type: store.TypeGeneric}})
	if v, err := Lookup("anthropic", f.options()); err != nil || v != "by-name" {
		t.Errorf("Lookup(anthropic) = %q, %v", v, err)
	}
	// nothing: the error does not repeat what was asked (it may be a pasted key)
	_, err := Lookup("sk-Zq9-pasted", f.options())
	if !errors.Is(err, errNoCredential) || strings.Contains(err.Error(), "Zq9") {
		t.Errorf("Lookup(pasted key) err = %v", err)
	}
}

// A provider's key goes only to that provider's API, over https: git sends whatever the
// helper answers to the host it asked for, over the protocol it asked for.
func TestProviderKeyOnlyOverHTTPSToItsHost(t *testing.T) {
	f := newFixture(t)
	f.creds = []discovery.Credential{openaiKey, openrouter}
	for _, req := range []string{
		"protocol=https\nhost=api.openai.com\n",
		"protocol=https\nhost=API.OpenAI.COM\n",
		"protocol=https\nhost=api.openai.com:443\n",
		"protocol=https\nhost=api.openai.com\nusername=me\npath=v1/models\n",
		"url=https://api.openai.com/v1\n",
		"provider=openai\nprotocol=https\nhost=api.openai.com\n",
	} {
		f.expectGet(req, openaiKeyAnswer)
	}
	for _, req := range []string{
		"protocol=http\nhost=api.openai.com\n",
		"protocol=HTTPS\nhost=api.openai.com\n",
		"protocol=ftp\nhost=api.openai.com\n",
		"protocol=\nhost=api.openai.com\n",
		"host=api.openai.com\n",
		"url=http://api.openai.com/v1\n",
		"protocol=https\nhost=api.openai.com:80\n",
		"protocol=https\nhost=api.openai.com:8443\n",
		"protocol=https\nhost=api.openai.com:0443\n",
		"protocol=https\nhost=api.openai.com:443:443\n",
		"protocol=https\nhost=api.openai.com.\n",
		"protocol=https\nhost=api.openai.com.evil.example\n",
		"protocol=https\nhost=evil-api.openai.com\n",
		"protocol=https\nhost=evil.example/api.openai.com\n",
		"protocol=https\nhost=user@api.openai.com\n",
		"protocol=https\nhost= api.openai.com\n",
		"protocol=https\nhost=api.openai.com\x20\n",
		"protocol=https\nhost=api.openaı.com\n",        // dotless ı
		"protocol=https\nhost=api.deepsee\u212a.com\n", // Kelvin sign folds to k in Unicode
		"protocol=https\nhost=openrouter.ai.\n",
		"protocol=https\nhost=127.0.0.1\n",
	} {
		f.expectGet(req, "")
	}
	// provider= naming another destination is refused outright
	for _, req := range []string{
		"provider=openai\nprotocol=http\nhost=api.openai.com\n",
		"provider=openai\nprotocol=https\nhost=openrouter.ai\n",
		"provider=openai\nhost=evil.example\n",
		"provider=Zq9\nprotocol=http\nhost=evil.example\n",
	} {
		if out, err := f.run("get", req); err == nil || out != "" || strings.Contains(err.Error(), "Zq9") {
			t.Errorf("get %q: %q, %v", req, out, err)
		}
	}
	// a git credential stored for the host keeps git's own matching, http included
	f.ok("store", "protocol=http\nhost=api.openai.com\nusername=me\npassword=git-pass\n")
	f.expectGet("protocol=http\nhost=api.openai.com\n", "username=me\npassword=git-pass\n")
	f.ok("store", "protocol=https\nhost=api.openai.com\nusername=me\npassword=git-pass-tls\n")
	f.expectGet("protocol=https\nhost=api.openai.com\n", "username=me\npassword=git-pass-tls\n")
}

func TestProviderForHost(t *testing.T) {
	for host, want := range map[string]string{
		"api.anthropic.com": "anthropic", "API.OpenAI.com": "openai", "api.x.ai": "xai",
		"generativelanguage.googleapis.com": "google", "api.groq.com": "groq", "api.mistral.ai": "mistral",
		"api.deepseek.com": "deepseek", "openrouter.ai": "openrouter",
	} {
		if got, ok := providerForHost(host); !ok || got != want {
			t.Errorf("%s → %q, %v", host, got, ok)
		}
	}
	for _, host := range []string{"evil-api.anthropic.com", "api.anthropic.com.", "api.x.ai:443", "", "\u212a"} {
		if p, ok := providerForHost(host); ok {
			t.Errorf("%q mapped to %s", host, p)
		}
	}
}

// store and erase with provider= act on the amika store, and keep API keys only.
func TestProviderStoreAndErase(t *testing.T) {
	f := newFixture(t)
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
	for _, in := range []string{
		"provider=anthropic\nkind=oauth\npassword=sk-ant-oat01-Zq9\n",
		"provider=anthropic\nkind=\npassword=sk-ant-oat01-Zq9\n",
		"provider=Zq9 ü\npassword=x\n",
	} {
		_, err := f.run("store", in)
		if err == nil || strings.Contains(err.Error(), "Zq9") {
			t.Errorf("store %q: %v", in, err)
		}
	}
	if f.st.sets != 1 {
		t.Errorf("%d writes, want the one groq key", f.st.sets)
	}
}
