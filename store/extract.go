package store

import "github.com/amika-dev/amika/discovery"

// ExtractName is the name `amika secret extract --push` stores a discovered credential
// under: the first variable its kind is handed out as (ANTHROPIC_API_KEY, GROQ_API_KEY,
// CLAUDE_CODE_OAUTH_TOKEN for an Anthropic OAuth token, …); "" for an OAuth token no
// variable takes.
func ExtractName(c discovery.Credential) string {
	if names := discovery.EnvNames(c.Provider, c.Kind); len(names) > 0 {
		return names[0]
	}
	return ""
}

// NotExtracted is a discovered credential `amika secret extract --push` does not store, and
// why.
type NotExtracted struct {
	discovery.Credential
	Why string
}

// Extracted are the secrets `amika secret extract --push` stores for discovered
// credentials, into a team store (team) or the user's own: each under ExtractName, typed by
// its kind, with its expiry. A credential read from that very store (amika_team,
// amika_keychain) is there already, and one that makes no valid secret is left out. Those
// that are not stored for a reason the user should hear come back in skipped: an agent's
// own login is left to the agent, which refreshes it (a copy would expire, and then
// override the fresh one), and an OAuth token no variable takes would be handed out
// nowhere.
func Extracted(creds []discovery.Credential, team bool) (secrets []Secret, skipped []NotExtracted) {
	for _, c := range creds {
		if c.Source == "amika_keychain" && !team || c.Source == "amika_team" && team {
			continue
		}
		if why := notExtracted(c); why != "" {
			skipped = append(skipped, NotExtracted{c, why})
			continue
		}
		name := ExtractName(c)
		if ValidateName(name) != nil || ValidateValue(name, c.Value) != nil {
			continue
		}
		t := TypeAPIKey
		if c.Kind == discovery.KindOAuth {
			t = TypeOAuth
		}
		s := Secret{Name: name, Value: c.Value, Meta: Meta{Type: t, Provider: c.Provider, Origin: c.Source + " " + c.File}}
		if !c.Expires.IsZero() {
			s.Expires = timeOf(c.Expires)
		}
		secrets = append(secrets, s)
	}
	return secrets, skipped
}

func notExtracted(c discovery.Credential) string {
	switch {
	case c.LeftToAgent:
		why := c.Agent() + "'s own login, left to " + c.Agent() + ", which refreshes it (a copy would expire)"
		switch c.Source {
		case "claude_oauth":
			why += "; to store a token amika hands out: claude setup-token, then amika secret claude push --type oauth"
		case "codex":
			why += "; amika secret codex push --type oauth copies it deliberately"
		}
		return why
	case ExtractName(c) == "":
		return "an OAuth token no client takes from a variable: not handed out, so not stored"
	}
	return ""
}
