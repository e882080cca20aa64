// Package inject launches one command with exactly the secrets it was given added to its
// environment: `amika run --secret env:NAME=SECRET -- CMD ARGS…`. Values travel in the
// environment only, never in argv.
package inject

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store"
	"github.com/amika-dev/amika/store/agent"
)

// OAuthTokenVar is the variable Claude Code reads an OAuth token from.
const OAuthTokenVar = discovery.OAuthTokenVar

// SecretRef is one --secret env:VAR=SECRET.
type SecretRef struct {
	Var, Secret string
}

// ParseSecretRef reads env:VAR=SECRET or env:SECRET (the secret's own name as variable).
// Its errors never quote the argument, which may hold a value given by mistake
// (--secret ANTHROPIC_API_KEY=sk-…): they describe what is wrong, and show a name only as
// store.NameText would.
func ParseSecretRef(arg string) (SecretRef, error) {
	rest, ok := strings.CutPrefix(arg, "env:")
	if !ok {
		return SecretRef{}, fmt.Errorf("--secret: want env:NAME=SECRET or env:SECRET, SECRET the name of a stored secret (the argument given, %s, does not start with env:)", store.LengthText(arg))
	}
	v, secret, hasEq := strings.Cut(rest, "=")
	if !hasEq {
		secret = v
	}
	shown := "env:…"
	if discovery.ValidName(v) && !store.LooksLikeKey(v) {
		shown = "env:" + v + "=…"
	}
	if err := store.ValidateName(secret); err != nil {
		return SecretRef{}, fmt.Errorf("--secret %s: %v", shown, err)
	}
	if !discovery.ValidName(v) {
		bad := store.DescribeInvalid("variable name", v, discovery.ValidNameByte, "a variable name is A-Z a-z 0-9 _, not starting with a digit")
		if !hasEq {
			name := store.NameText(secret)
			if name != secret {
				return SecretRef{}, fmt.Errorf("--secret env:…: the secret's name is not a variable name: %s; name one with env:NAME=SECRET", bad)
			}
			return SecretRef{}, fmt.Errorf("--secret env:%s: the secret's name is not a variable name: %s; name one with env:NAME=%s", name, bad, name)
		}
		return SecretRef{}, fmt.Errorf("--secret env:…: %s", bad)
	}
	return SecretRef{Var: v, Secret: secret}, nil
}

// ParseSecretRefs reads every --secret. A variable named twice is an error naming it:
// which of the two was meant is not amika's to guess.
func ParseSecretRefs(args []string) ([]SecretRef, error) {
	refs := make([]SecretRef, 0, len(args))
	seen := make(map[string]bool, len(args))
	for _, a := range args {
		ref, err := ParseSecretRef(a)
		if err != nil {
			return nil, err
		}
		if seen[ref.Var] {
			return nil, fmt.Errorf("--secret: the variable %s is given more than once; give each variable once", ref.Var)
		}
		seen[ref.Var] = true
		refs = append(refs, ref)
	}
	return refs, nil
}

// Options are what to inject.
type Options struct {
	Secrets    []SecretRef
	Providers  []string
	Claude     string // a stored Claude credential's ID or label
	Codex      string // a stored Codex credential's ID or label
	Discovered bool
	// Optional makes a --provider that resolves nothing add nothing instead of failing: the
	// lazy wrappers start an agent that is not logged in yet, so it can offer its own login.
	Optional bool
	// IfUnset adds nothing discovered (--provider, --discovered) for a provider when one of
	// the variables its client reads a credential from (discovery.CredentialVars) is set,
	// not empty, in the environment Getenv reads: the lazy wrappers never override what the
	// user set. Named secrets (--secret, --claude, --codex) are added whatever is set.
	IfUnset bool
	Getenv  func(string) string
	// Store opens the store; called only when a secret is named.
	Store func() (store.Store, error)
	// Discover runs discovery; called only for --provider and --discovered.
	Discover func() (discovery.Result, error)
	// Now is the time stored OAuth expiries are compared with; zero: time.Now().
	Now time.Time
}

// Var is one variable to add to the command's environment.
type Var struct {
	Name, Value string
	From        string // what it came from, for messages: "secret NAME", "provider P"
}

// Resolve turns the options into variables, sorted by name. Later kinds override earlier
// ones: --discovered, then --provider, then --claude/--codex, then --secret. Every missing
// secret or provider is an error naming it; nothing is returned then.
//
// Discovered credentials are handed over as the paths that start agents hand them
// (discovery.ModeHandout): an agent's own login is left to the agent (its provider still
// counts as resolved, and nothing is added for it) and an Anthropic OAuth token goes in
// as CLAUDE_CODE_OAUTH_TOKEN only. A credential named explicitly (--claude, --codex,
// --secret) is handed over even when it is an OAuth token, in the form its client takes.
func Resolve(opt Options) ([]Var, []discovery.Warning, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	vars := map[string]Var{}
	set := func(name, value, from string) { vars[name] = Var{name, value, from} }
	var warnings []discovery.Warning
	if opt.Discovered || len(opt.Providers) > 0 {
		res, err := opt.Discover()
		if err != nil {
			return nil, nil, err
		}
		warnings = res.Warnings
		// userSet: the user's environment already gives p's client a credential
		userSet := func(p string) bool {
			if !opt.IfUnset || opt.Getenv == nil {
				return false
			}
			for _, name := range discovery.CredentialVars(p) {
				if opt.Getenv(name) != "" {
					return true
				}
			}
			return false
		}
		byProvider := map[string]discovery.Credential{}
		var creds []discovery.Credential
		for _, c := range res.Handout {
			if !userSet(c.Provider) {
				byProvider[c.Provider] = c
				creds = append(creds, c)
			}
		}
		var handed []discovery.Assignment
		if opt.Discovered {
			as, warns := discovery.Assignments(creds, discovery.ModeHandout)
			warnings = append(warnings, warns...)
			for _, a := range as {
				set(a.Name, a.Value, "discovered "+a.Provider)
			}
			handed = append(handed, as...)
		}
		var missing []string
		for _, p := range opt.Providers {
			p = discovery.Canonical(p)
			c, ok := byProvider[p]
			if !ok {
				if !userSet(p) {
					missing = append(missing, p)
				}
				continue
			}
			as, warns := discovery.Assignments([]discovery.Credential{c}, discovery.ModeHandout)
			warnings = append(warnings, warns...)
			if len(as) == 0 && len(warns) == 0 && !c.LeftToAgent {
				warnings = append(warnings, discovery.Warning{Source: c.Source, Path: c.File, Reason: fmt.Sprintf("provider %s: its credential is an OAuth token no variable of its client takes: nothing added", p)})
			}
			for _, a := range as {
				set(a.Name, a.Value, "provider "+p)
			}
			handed = append(handed, as...)
		}
		if len(missing) > 0 && !opt.Optional {
			return nil, warnings, fmt.Errorf("no credential discovered for provider %s (amika auth sources shows what was looked at)", strings.Join(missing, ", "))
		}
		for _, w := range discovery.LoginOverride(res, handed, nil) {
			w.Reason += "; to keep the subscription, start Claude Code without amika run --provider anthropic or --discovered (past an amika init --lazy wrapper: command claude)"
			warnings = append(warnings, w)
		}
	}
	if opt.Claude != "" || opt.Codex != "" || len(opt.Secrets) > 0 {
		st, err := opt.Store()
		if err != nil {
			return nil, warnings, err
		}
		for _, a := range []struct{ agent, id string }{{"claude", opt.Claude}, {"codex", opt.Codex}} {
			if a.id == "" {
				continue
			}
			s, err := agent.Lookup(st, a.agent, a.id)
			if err != nil {
				return nil, warnings, err
			}
			value, oauth, err := credentialValue(s, opt.Now)
			if err != nil {
				return nil, warnings, err
			}
			kind := discovery.KindAPIKey
			if oauth {
				kind = discovery.KindOAuth
			}
			names := discovery.EnvNames(agent.Provider(a.agent), kind)
			if len(names) == 0 {
				return nil, warnings, fmt.Errorf("%s credential %s is an OAuth login, and %s takes none from a variable (store an API key with amika secret %s push --type api_key)", a.agent, s.Name, agentName(a.agent), a.agent)
			}
			for _, name := range names {
				set(name, value, a.agent+" "+s.Name)
			}
		}
		var missing []string
		for _, ref := range opt.Secrets {
			s, err := st.Get(ref.Secret)
			if errors.Is(err, store.ErrNotFound) {
				missing = append(missing, ref.Secret)
				continue
			}
			if err != nil {
				return nil, warnings, err
			}
			value, oauth, err := credentialValue(s, opt.Now)
			if err != nil {
				return nil, warnings, err
			}
			switch {
			case oauth && isAnthropic(s) && isAPIKeyName(ref.Var):
				// Claude Code sends whatever sits in an API-key variable as an API key,
				// which an OAuth token is not.
				warnings = append(warnings, discovery.Warning{Path: "secret " + s.Name, Reason: fmt.Sprintf("an Anthropic OAuth token: handed over as %s, not %s", OAuthTokenVar, ref.Var)})
				set(OAuthTokenVar, value, "secret "+s.Name)
			case oauth && isAnthropic(s):
				set(ref.Var, value, "secret "+s.Name)
				set(OAuthTokenVar, value, "secret "+s.Name)
			default:
				set(ref.Var, value, "secret "+s.Name)
			}
		}
		if len(missing) > 0 {
			word := "secret"
			if len(missing) > 1 {
				word = "secrets"
			}
			return nil, warnings, fmt.Errorf("%s not found in the %s store: %s (amika secret list shows what is stored)", word, st.Name(), store.NamesText(missing))
		}
	}
	out := make([]Var, 0, len(vars))
	for _, v := range vars {
		if strings.IndexByte(v.Value, 0) >= 0 {
			return nil, warnings, fmt.Errorf("%s: value holds a NUL byte and cannot go into the environment", v.From)
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, warnings, nil
}

// isAPIKeyName reports whether name is a variable an API key goes in (NAME_API_KEY).
func isAPIKeyName(name string) bool {
	_, ok := discovery.ProviderForVariable(name)
	return ok
}

func agentName(a string) string {
	if a == "codex" {
		return "Codex"
	}
	return "Claude Code"
}

func isAnthropic(s store.Secret) bool {
	return s.Agent == "claude" || s.Provider == "anthropic" || store.IsAnthropicOAuth(s.Value)
}

// credentialValue is what goes into the environment for a stored secret: its value, or for
// an agent's OAuth credential JSON, the access token in it. An OAuth token past its expiry
// (the JSON's, else the one recorded) is an error: a token handed over in the environment
// cannot be refreshed, and would only fail later, inside the agent.
func credentialValue(s store.Secret, now time.Time) (value string, oauth bool, err error) {
	if !s.IsOAuth() {
		return s.Value, false, nil
	}
	value, expires := s.Value, s.Expires.Time
	if strings.HasPrefix(strings.TrimSpace(s.Value), "{") {
		a := s.Agent
		if a == "" {
			a = "claude"
			if s.Provider == "openai" {
				a = "codex"
			}
		}
		o, err := agent.ParseOAuth(a, s.Value)
		if err != nil {
			return "", true, fmt.Errorf("secret %s: %v", store.NameText(s.Name), err)
		}
		value = o.Token
		if !o.Expires.IsZero() {
			expires = o.Expires
		}
	}
	if !expires.IsZero() && !expires.After(now) {
		hint := "store a current one"
		if isAnthropic(s) {
			hint = "store a long-lived token: claude setup-token, then amika secret claude push --type oauth"
		}
		return "", true, fmt.Errorf("secret %s: its OAuth token expired at %s, and a token handed over in the environment cannot be refreshed: %s", store.NameText(s.Name), expires.UTC().Format(time.RFC3339), hint)
	}
	return value, true, nil
}

// Environ is base with vars set, replacing any variable of the same name.
func Environ(base []string, vars []Var) []string {
	replace := map[string]bool{}
	for _, v := range vars {
		replace[v.Name] = true
	}
	out := make([]string, 0, len(base)+len(vars))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if !replace[name] {
			out = append(out, kv)
		}
	}
	for _, v := range vars {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}
