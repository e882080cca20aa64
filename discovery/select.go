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
	return keep(s, as, func(a Assignment) (string, []string) { return a.Provider, []string{a.Name} })
}

// Credentials keeps the credentials whose provider is selected, or a name any mode hands
// them out under (EnvNames for their kind, the reference names for every kind).
func (s Selection) Credentials(cs []Credential) []Credential {
	return keep(s, cs, func(c Credential) (string, []string) {
		return c.Provider, append(EnvNames(c.Provider, c.Kind), referenceNames(c.Provider)...)
	})
}

// keep keeps the items of xs whose provider and names, as what says, are selected.
func keep[T any](s Selection, xs []T, what func(T) (provider string, names []string)) []T {
	if s.all {
		return xs
	}
	var out []T
	for _, x := range xs {
		if p, names := what(x); s.keeps(p, names...) {
			out = append(out, x)
		}
	}
	return out
}
