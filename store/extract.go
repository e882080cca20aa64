package store

import "github.com/amika-dev/amika/discovery"

// ExtractName is the name `amika secret extract --push` stores a discovered credential
// under: its provider's first API-key variable (ANTHROPIC_API_KEY, GROQ_API_KEY, …).
func ExtractName(c discovery.Credential) string {
	return discovery.EnvNames(c.Provider, discovery.KindAPIKey)[0]
}

// Extracted are the secrets `amika secret extract --push` stores for discovered
// credentials, into a team store (team) or the user's own. A credential read from that
// very store (amika_team, amika_keychain) is there already; one that makes no valid
// secret is left out.
func Extracted(creds []discovery.Credential, team bool) []Secret {
	var out []Secret
	for _, c := range creds {
		if c.Source == "amika_keychain" && !team || c.Source == "amika_team" && team {
			continue
		}
		name := ExtractName(c)
		if ValidateName(name) != nil || ValidateValue(name, c.Value) != nil {
			continue
		}
		out = append(out, Secret{Name: name, Value: c.Value, Meta: Meta{Type: Type(c.Kind), Provider: c.Provider, Origin: c.Source + " " + c.File}})
	}
	return out
}
