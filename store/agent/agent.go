// Package agent finds the credentials Claude Code and Codex keep on this machine, as whole
// values fit for the store (an API key, or the OAuth credential JSON with its refresh token),
// and reads the access token back out of a stored OAuth JSON.
package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
	"github.com/amika-dev/amika/store"
)

// Title is how messages name an agent: Claude, Codex.
func Title(agent string) string {
	switch agent {
	case "claude":
		return "Claude"
	case "codex":
		return "Codex"
	}
	return agent
}

// Provider is the canonical provider of an agent's credentials: claude → anthropic,
// codex → openai, as discovery canonicalizes them.
func Provider(agent string) string { return discovery.Canonical(agent) }

// EnvKey is the variable an agent's API key is read from when no value is given: the
// provider's first variable name (ANTHROPIC_API_KEY, OPENAI_API_KEY).
func EnvKey(agent string) string { return discovery.EnvNames(Provider(agent), discovery.KindAPIKey)[0] }

// Candidate is one credential found for an agent.
type Candidate struct {
	Agent   string
	Type    store.Type
	Value   string // the API key, or the whole OAuth credential JSON
	Origin  string // a path, "$ANTHROPIC_API_KEY", "macOS Keychain"
	Expires time.Time
}

// Masked shows a candidate without its value: the key masked, or the access token masked.
func (c Candidate) Masked() string {
	if c.Type == store.TypeOAuth {
		if o, err := ParseOAuth(c.Agent, c.Value); err == nil {
			return discovery.Mask(o.Token)
		}
		return "(OAuth JSON)"
	}
	return discovery.Mask(c.Value)
}

// ExpiryWarning says, for an OAuth credential whose access token has expired at now, what
// that means; "" otherwise.
func (c Candidate) ExpiryWarning(now time.Time) string {
	if c.Type != store.TypeOAuth || c.Expires.IsZero() || c.Expires.After(now) {
		return ""
	}
	return fmt.Sprintf("this OAuth credential expired at %s: amika does not hand it out, and %s cannot refresh a token given in its environment; %s",
		c.Expires.UTC().Format(time.RFC3339), clientName(c.Agent), renewHint(c.Agent))
}

func clientName(agent string) string {
	if agent == "codex" {
		return "Codex"
	}
	return "Claude Code"
}

// renewHint says how to get an OAuth credential that lasts.
func renewHint(agent string) string {
	if agent == "claude" {
		return "store a long-lived token instead: claude setup-token, then amika secret claude push --type oauth"
	}
	return "log in to " + clientName(agent) + " again and push the new credential"
}

// maxCredentialFile bounds an OAuth credential file read whole.
const maxCredentialFile = 1 << 20

// Find lists the credentials of agent on this machine: its files, the API key in the
// environment, and on macOS Claude Code's Keychain item. want filters by type ("" for all);
// for an API key, the one in the environment, when set, is the only one. A file of the
// agent's that cannot be read (a FIFO, a device, too large, malformed) is a warning; the
// others still count.
func Find(agent string, p discovery.Paths, getenv func(string) string, want store.Type) ([]Candidate, []discovery.Warning) {
	if v := strings.TrimSpace(getenv(EnvKey(agent))); v != "" && want == store.TypeAPIKey {
		c, err := FromValue(agent, want, v, "$"+EnvKey(agent))
		if err != nil {
			return nil, []discovery.Warning{{Path: "$" + EnvKey(agent), Reason: strings.TrimPrefix(err.Error(), "$"+EnvKey(agent)+": ")}}
		}
		return []Candidate{c}, nil
	}
	var out []Candidate
	var warns []discovery.Warning
	add := func(c Candidate) {
		if agent == "claude" && c.Type == store.TypeAPIKey && store.IsAnthropicOAuth(c.Value) {
			c.Type = store.TypeOAuth // an OAuth token where a key was expected is still one
		}
		if want != "" && c.Type != want {
			return
		}
		for _, o := range out {
			if o.Value == c.Value {
				return
			}
		}
		out = append(out, c)
	}
	res := discovery.Discover(discovery.Options{Paths: p, Now: time.Now(), NoOAuth: true})
	warned := map[string]bool{}
	for _, w := range res.Warnings {
		if ownSource(agent, w.Source) {
			warns = append(warns, w)
			warned[w.Path] = true
		}
	}
	for _, f := range res.Files {
		if !ownSource(agent, f.Source) {
			continue
		}
		for _, c := range f.Found {
			if c.Kind == discovery.KindAPIKey {
				add(Candidate{Agent: agent, Type: store.TypeAPIKey, Value: c.Value, Origin: f.Path})
			}
		}
	}
	// OAuth credentials are read whole, expired access tokens included: the refresh token
	// is what keeps them useful.
	for _, src := range discovery.Sources {
		if !ownSource(agent, src.ID) || src.ID == "claude_api" {
			continue
		}
		for _, path := range src.Files(p) {
			data, err := safefile.ReadFile(path, maxCredentialFile)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				if !warned[path] {
					warns = append(warns, discovery.Warning{Source: src.ID, Path: path, Reason: err.Error()})
				}
				continue
			}
			if o, err := ParseOAuth(agent, string(data)); err == nil && o.JSON {
				add(Candidate{Agent: agent, Type: store.TypeOAuth, Value: compact(data), Origin: path, Expires: o.Expires})
			}
		}
	}
	if v := strings.TrimSpace(getenv(EnvKey(agent))); v != "" {
		add(Candidate{Agent: agent, Type: store.TypeAPIKey, Value: v, Origin: "$" + EnvKey(agent)})
	}
	if agent == "claude" && runtime.GOOS == "darwin" {
		if v, err := keyring.Get("Claude Code-credentials", getenv("USER")); err == nil && strings.TrimSpace(v) != "" {
			if o, err := ParseOAuth(agent, v); err == nil && o.JSON {
				add(Candidate{Agent: agent, Type: store.TypeOAuth, Value: compact([]byte(v)), Origin: "macOS Keychain (Claude Code-credentials)", Expires: o.Expires})
			}
		}
	}
	return out, warns
}

func ownSource(agent, source string) bool {
	switch agent {
	case "claude":
		return source == "claude_api" || source == "claude_oauth"
	case "codex":
		return source == "codex"
	}
	return false
}

func compact(data []byte) string {
	var b bytes.Buffer
	if json.Compact(&b, data) == nil {
		return b.String()
	}
	return strings.TrimSpace(string(data))
}

// InferType is the type of a value given without --type: an OAuth credential JSON, or for
// Claude a token starting with sk-ant-oat (what `claude setup-token` prints), is OAuth;
// anything else an API key.
func InferType(agent, value string) store.Type {
	if o, err := ParseOAuth(agent, value); err == nil && (o.JSON || store.IsAnthropicOAuth(o.Token)) {
		return store.TypeOAuth
	}
	return store.TypeAPIKey
}

// FromValue checks a value given for an agent credential of type t: an OAuth value is the
// credential JSON with an access token or, for Claude, a bare token; an API key is taken as
// it is, unless it is an Anthropic OAuth token, which Claude Code would send as a key.
func FromValue(agent string, t store.Type, value, origin string) (Candidate, error) {
	value = strings.TrimSpace(value)
	c := Candidate{Agent: agent, Type: t, Value: value, Origin: origin}
	switch t {
	case store.TypeOAuth:
		o, err := ParseOAuth(agent, value)
		if err != nil {
			return Candidate{}, fmt.Errorf("%s: %v", origin, err)
		}
		if o.JSON {
			c.Value = compact([]byte(value))
		}
		c.Expires = o.Expires
	case store.TypeAPIKey:
		if agent == "claude" && store.IsAnthropicOAuth(value) {
			return Candidate{}, fmt.Errorf("%s: an Anthropic OAuth token (sk-ant-oat…), not an API key: store it with --type oauth", origin)
		}
	}
	return c, nil
}

// OAuth is what amika uses of an OAuth credential.
type OAuth struct {
	Token   string    // the access token
	Expires time.Time // when it stops working; zero: not said
	JSON    bool      // given as the credential JSON (else a bare token)
}

// ParseOAuth reads an OAuth credential of agent: the credential JSON (see AccessToken),
// with Claude Code's claudeAiOauth.expiresAt (epoch milliseconds, or RFC 3339), or for
// Claude a bare token, one line without spaces (what `claude setup-token` prints). Errors
// never quote the value.
func ParseOAuth(agent, value string) (OAuth, error) {
	value = strings.TrimSpace(value)
	if !strings.HasPrefix(value, "{") {
		switch {
		case agent != "claude" || value == "":
			return OAuth{}, errors.New("not an OAuth credential JSON object")
		case strings.IndexFunc(value, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
			return OAuth{}, errors.New("neither an OAuth credential JSON object nor a token (one line without spaces)")
		case strings.HasPrefix(value, "sk-ant-api"):
			return OAuth{}, errors.New("an Anthropic API key (sk-ant-api…), not an OAuth token: store it with --type api_key")
		}
		return OAuth{Token: value}, nil
	}
	tok, err := AccessToken(agent, value)
	if err != nil {
		return OAuth{}, err
	}
	o := OAuth{Token: tok, JSON: true}
	if agent == "claude" {
		var top, inner map[string]json.RawMessage
		json.Unmarshal([]byte(value), &top)
		inner = top
		if raw, ok := top["claudeAiOauth"]; ok {
			json.Unmarshal(raw, &inner)
		}
		if o.Expires, err = expiresAt(inner["expiresAt"]); err != nil {
			return OAuth{}, err
		}
	}
	return o, nil
}

// expiresAt reads Claude Code's expiresAt: epoch milliseconds, or an RFC 3339 string;
// absent or null, no expiry.
func expiresAt(raw json.RawMessage) (time.Time, error) {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil || v == nil {
		return time.Time{}, nil
	}
	switch x := v.(type) {
	case float64:
		return time.UnixMilli(int64(x)), nil
	case string:
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(x)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("expiresAt is neither epoch milliseconds nor an RFC 3339 time")
}

// Given is a credential the user gives for agent: value, or else the contents of file.
// t "" infers the type (InferType): an OAuth JSON, or a Claude token starting with
// sk-ant-oat, is OAuth; anything else an API key.
func Given(agent string, t store.Type, value, file string) (Candidate, error) {
	v, origin := value, "--value"
	if file != "" {
		data, err := safefile.ReadInput(file, store.MaxValueLen)
		if errors.Is(err, fs.ErrNotExist) {
			return Candidate{}, fmt.Errorf("%s: no such file or directory", file)
		}
		if err != nil {
			return Candidate{}, fmt.Errorf("%s: %v", file, err)
		}
		v, origin = string(data), file
	}
	if t == "" {
		t = InferType(agent, v)
	}
	return FromValue(agent, t, v, origin)
}

// Secret is c as stored under label (DefaultLabel for its type when empty): named
// ID(agent, label), its metadata saying whose and what it is, and when an OAuth
// credential's access token expires.
func (c Candidate) Secret(label string) (store.Secret, error) {
	if err := store.ValidateValue(c.Agent, c.Value); err != nil {
		return store.Secret{}, err
	}
	if label == "" {
		label = DefaultLabel(c.Type)
	}
	m := store.Meta{Type: c.Type, Provider: Provider(c.Agent), Origin: c.Origin, Agent: c.Agent, Label: label}
	if !c.Expires.IsZero() {
		m.Expires = store.Time{Time: c.Expires.UTC().Truncate(time.Second)}
	}
	return store.Secret{Name: ID(c.Agent, label), Value: c.Value, Meta: m}, nil
}

// AccessToken reads the access token out of an OAuth credential JSON: Claude Code's
// {"claudeAiOauth":{"accessToken":…}} (or the inner object alone), Codex's
// {"tokens":{"access_token":…}}. Errors never quote the value.
func AccessToken(agent, value string) (string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(value), &top); err != nil || top == nil {
		return "", errors.New("not an OAuth credential JSON object")
	}
	inner, field := top, "accessToken"
	switch agent {
	case "claude":
		if raw, ok := top["claudeAiOauth"]; ok {
			if json.Unmarshal(raw, &inner) != nil || inner == nil {
				return "", errors.New("claudeAiOauth is not an object")
			}
		}
	case "codex":
		field = "access_token"
		if raw, ok := top["tokens"]; ok {
			if json.Unmarshal(raw, &inner) != nil || inner == nil {
				return "", errors.New("tokens is not an object")
			}
		}
	}
	var tok string
	if raw, ok := inner[field]; !ok || json.Unmarshal(raw, &tok) != nil || strings.TrimSpace(tok) == "" {
		return "", fmt.Errorf("no %s string in the OAuth credential JSON", field)
	}
	return strings.TrimSpace(tok), nil
}

// ID is the store name of an agent credential labelled label: "claude-" + label.
func ID(agent, label string) string {
	return agent + "-" + label
}

// DefaultLabel is the label of a credential pushed without --name.
func DefaultLabel(t store.Type) string {
	if t == store.TypeOAuth {
		return "oauth"
	}
	return "api-key"
}

// List returns the stored credentials of agent, and the store's warnings.
func List(s store.Store, agent string) ([]store.Secret, []store.Warning, error) {
	all, warns, err := s.List()
	if err != nil {
		return nil, nil, err
	}
	var out []store.Secret
	for _, x := range all {
		if x.Agent == agent {
			out = append(out, x)
		}
	}
	return out, warns, nil
}

// Lookup finds a stored credential of agent by ID or by label. The error quotes what it was
// given only when that is a valid name: anything else may be a value pasted by mistake.
func Lookup(s store.Store, agent, idOrLabel string) (store.Secret, error) {
	if err := store.ValidateName(idOrLabel); err != nil {
		return store.Secret{}, fmt.Errorf("no %s credential: %v", agent, err)
	}
	list, _, err := List(s, agent)
	if err != nil {
		return store.Secret{}, err
	}
	for _, x := range list {
		if x.Name == idOrLabel || x.Label == idOrLabel || x.Name == ID(agent, idOrLabel) {
			return s.Get(x.Name)
		}
	}
	return store.Secret{}, fmt.Errorf("no %s credential %q (amika secret %s list shows them)", agent, idOrLabel, agent)
}
