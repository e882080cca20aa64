package discovery

// Selection is what a user names to keep: providers (anthropic, claude, openai, groq, …)
// and variable names (OPENAI_API_KEY, CLAUDE_CODE_OAUTH_TOKEN, …). `amika init`'s and
// `use amika`'s arguments and `amika secret extract --only` are selections, with one rule:
//
//   - a provider, canonicalized (claude → anthropic), keeps everything of that provider;
//   - a variable name, in either case, keeps what is handed out under that name: one
//     assignment, or the credential that name stands for.
//
// An empty selection keeps everything.
type Selection struct {
	all       bool
	providers []string // canonical
	names     []string // upper-cased
}

// Select makes the selection words name.
func Select(words []string) Selection {
	s := Selection{all: len(words) == 0}
	for _, w := range words {
		s.providers = append(s.providers, Canonical(w))
		s.names = append(s.names, upperASCII(trimASCII(w)))
	}
	return s
}

// keeps says whether a credential of provider handed out under names is selected.
func (s Selection) keeps(provider string, names ...string) bool {
	if s.all {
		return true
	}
	for i, p := range s.providers {
		if p == provider {
			return true
		}
		for _, n := range names {
			if n != "" && n == s.names[i] {
				return true
			}
		}
	}
	return false
}

// Assignments keeps the assignments whose provider or own name is selected.
func (s Selection) Assignments(as []Assignment) []Assignment {
	if s.all {
		return as
	}
	var out []Assignment
	for _, a := range as {
		if s.keeps(a.Provider, a.Name) {
			out = append(out, a)
		}
	}
	return out
}

// Credentials keeps the credentials whose provider is selected, or a name any mode hands
// them out under (EnvNames for their kind, the reference names for every kind).
func (s Selection) Credentials(cs []Credential) []Credential {
	if s.all {
		return cs
	}
	var out []Credential
	for _, c := range cs {
		if s.keeps(c.Provider, append(EnvNames(c.Provider, c.Kind), referenceNames(c.Provider)...)...) {
			out = append(out, c)
		}
	}
	return out
}
