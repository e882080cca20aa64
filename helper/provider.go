package helper

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/amika-dev/amika/discovery"
)

// providerForHost maps a provider's API host to the provider. The match is exact: ASCII
// letters compare without case (as DNS compares them), anything else byte for byte, so a
// lookalike (evil-api.openai.com, api.openai.com.evil.example, non-ASCII letters that
// Unicode folds to ASCII ones, a trailing dot) maps to nothing.
func providerForHost(host string) (string, bool) {
	switch asciiLower(host) {
	case "api.anthropic.com":
		return "anthropic", true
	case "api.openai.com":
		return "openai", true
	case "openrouter.ai":
		return "openrouter", true
	case "generativelanguage.googleapis.com":
		return "google", true
	case "api.groq.com":
		return "groq", true
	case "api.mistral.ai":
		return "mistral", true
	case "api.deepseek.com":
		return "deepseek", true
	case "api.x.ai":
		return "xai", true
	}
	return "", false
}

// asciiLower lower-cases A-Z only; "" when s holds a byte outside ASCII.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 0x80:
			return ""
		case c >= 'A' && c <= 'Z':
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// destinationProvider says whose API key a request may carry to where it says it goes:
// a provider's, only over https to exactly that provider's API host, on the default port.
// Over http (or any other scheme) git would send the key in the clear; to any other host or
// port it would hand the key to someone else.
func destinationProvider(q gitRequest) (string, bool) {
	if q.protocol == nil || *q.protocol != "https" || q.host == nil {
		return "", false
	}
	host := *q.host
	if len(host) > 4 && host[len(host)-4:] == ":443" {
		host = host[:len(host)-4]
	}
	return providerForHost(host)
}

// oauthOnlyError is a request for a provider's API key where only OAuth tokens exist: the
// clients that ask for a key (Claude Code's apiKeyHelper sends it as x-api-key) cannot use
// a token.
type oauthOnlyError struct {
	provider, source string
	leftToAgent      bool
}

func (e *oauthOnlyError) Error() string {
	switch {
	case e.provider == "anthropic" && e.leftToAgent:
		return fmt.Sprintf("anthropic: only an OAuth login exists (%s), no API key: Claude Code uses that login by itself, so unset apiKeyHelper in its settings", e.source)
	case e.provider == "anthropic":
		return fmt.Sprintf("anthropic: only an OAuth token exists (%s), no API key: Claude Code takes it as CLAUDE_CODE_OAUTH_TOKEN, never from apiKeyHelper, so unset apiKeyHelper in its settings", e.source)
	case e.leftToAgent:
		return fmt.Sprintf("%s: only an OAuth login exists (%s), no API key: its agent uses that login by itself", e.provider, e.source)
	}
	return fmt.Sprintf("%s: only an OAuth token exists (%s), no API key", e.provider, e.source)
}

// errNoCredential is a lookup finding nothing.
var errNoCredential = errors.New("no credential found")

// apiKey returns the API key discovery finds for a canonical provider: the one of highest
// priority, even where an OAuth token outranks it, since a caller asking for a key cannot
// use a token. Without one the error is *oauthOnlyError when an OAuth token was found, else
// errNoCredential.
func (o Options) apiKey(provider string) (discovery.Credential, error) {
	if o.Discover == nil {
		return discovery.Credential{}, errors.New("no discovery configured")
	}
	res, err := o.Discover()
	if err != nil {
		return discovery.Credential{}, err
	}
	var oauth *discovery.Credential
	// Files come in priority order, and each file's credentials in the order that decides
	// between them: the first API key is the one resolution would pick among API keys.
	for _, f := range res.Files {
		for i := range f.Found {
			c := &f.Found[i]
			if c.Provider != provider {
				continue
			}
			if c.Kind != discovery.KindOAuth {
				return *c, nil
			}
			if oauth == nil {
				oauth = c
			}
		}
	}
	if oauth != nil {
		return discovery.Credential{}, &oauthOnlyError{provider: provider, source: oauth.Source, leftToAgent: oauth.LeftToAgent}
	}
	return discovery.Credential{}, errNoCredential
}

// keyAnswer is the answer for a provider's API key.
func keyAnswer(c discovery.Credential) []pair {
	out := []pair{
		{Key: "provider", Value: c.Provider},
		{Key: "kind", Value: string(c.Kind)},
		{Key: "source", Value: c.Source},
	}
	for _, env := range discovery.EnvNames(c.Provider, c.Kind) {
		out = append(out, pair{Key: "env", Value: env, List: true})
	}
	out = append(out, pair{Key: "password", Value: c.Value})
	if !c.Expires.IsZero() {
		out = append(out, pair{Key: "password_expiry_utc", Value: strconv.FormatInt(c.Expires.Unix(), 10)})
	}
	return out
}
