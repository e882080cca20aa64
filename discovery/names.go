package discovery

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Provider names and variable names follow ASCII rules only: Unicode case mapping turns
// "anthropıc" (dotless ı) into ANTHROPIC, so a crafted entry could take another provider's
// variable. A provider name holding anything but ASCII is skipped with a warning.

// Canonical normalizes a provider name: trimmed, lower-cased (ASCII letters only), `_`,
// space, `.` and `/` as `-`, runs of `-` folded, no leading or trailing `-`; claude →
// anthropic, codex → openai. Non-ASCII bytes are kept as they are (such a name is never a
// credential's provider).
func Canonical(provider string) string {
	provider = trimASCII(provider)
	var b strings.Builder
	b.Grow(len(provider))
	dash := false
	for i := 0; i < len(provider); i++ {
		c := provider[i]
		switch c {
		case '-', '_', ' ', '.', '/':
			dash = true
			continue
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	switch p := b.String(); p {
	case "claude":
		return "anthropic"
	case "codex":
		return "openai"
	default:
		return p
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func upperASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isSpaceASCII(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func trimASCII(s string) string {
	for len(s) > 0 && isSpaceASCII(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpaceASCII(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// quoteName quotes a name from a file for a message: ASCII only, control and non-ASCII
// characters escaped, and cut short, so the message stays one readable line.
func quoteName(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.QuoteToASCII(s[:max]) + "…"
	}
	return strconv.QuoteToASCII(s)
}

// Printable shows text from a file on one line of a terminal: text holding control or
// non-ASCII characters (or a quote or backslash) is quoted with them escaped, so nothing read
// from a file can move the cursor, change colours or forge a row. Plain text is shown as it
// is.
func Printable(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}

// OAuthTokenVar is the variable Claude Code reads an OAuth token from.
const OAuthTokenVar = "CLAUDE_CODE_OAUTH_TOKEN"

// EnvNames gives the variables a provider's credential of kind is handed over in: the
// form its client accepts.
//
//	anthropic api_key → ANTHROPIC_API_KEY, CLAUDE_API_KEY
//	anthropic oauth   → CLAUDE_CODE_OAUTH_TOKEN
//	openai api_key    → OPENAI_API_KEY, CODEX_API_KEY
//	other api_key     → P_API_KEY (P upper-cased, `-` as `_`)
//	other oauth       → none: no client takes it from a variable
func EnvNames(provider string, kind Kind) []string {
	if kind == KindOAuth {
		if provider == "anthropic" {
			return []string{OAuthTokenVar}
		}
		return nil
	}
	return referenceNames(provider)
}

// CredentialVars lists the variables through which a credential of provider's reaches
// its client: the names amika hands one out under (EnvNames, either kind) and the others
// that client reads a credential from (Claude Code: ANTHROPIC_AUTH_TOKEN; Codex:
// CODEX_ACCESS_TOKEN; Gemini CLI: GOOGLE_API_KEY). When one of them is set, the client
// already has a credential from its environment (`amika run --if-unset`).
func CredentialVars(provider string) []string {
	switch provider {
	case "anthropic":
		return []string{"ANTHROPIC_API_KEY", "CLAUDE_API_KEY", OAuthTokenVar, "ANTHROPIC_AUTH_TOKEN"}
	case "openai":
		return []string{"OPENAI_API_KEY", "CODEX_API_KEY", "CODEX_ACCESS_TOKEN"}
	case "gemini":
		return []string{"GEMINI_API_KEY", "GOOGLE_API_KEY"}
	}
	return referenceNames(provider)
}

// KnownProviders are the canonical providers discovery's own sources yield (OpenCode's
// entries and amika's store may hold any other).
func KnownProviders() []string {
	return []string{"amp", "anthropic", "gemini", "openai"}
}

// referenceNames are the reference tool's names, the same for every kind.
func referenceNames(provider string) []string {
	switch provider {
	case "anthropic":
		return []string{"ANTHROPIC_API_KEY", "CLAUDE_API_KEY"}
	case "openai":
		return []string{"OPENAI_API_KEY", "CODEX_API_KEY"}
	}
	return []string{upperASCII(strings.ReplaceAll(provider, "-", "_")) + "_API_KEY"}
}

// Mode is what a list of assignments is for.
type Mode int

const (
	// ModePrint is `amika auth extract`: every credential under the names its kind takes.
	// An OAuth token no variable takes comes out with an empty Name: a --format json
	// entry, never a shell line.
	ModePrint Mode = iota
	// ModeHandout is every path that starts agents here (shell hooks, direnv, amika run),
	// given Result.Handout: as ModePrint, but an agent's own login (LeftToAgent) and OAuth
	// tokens no variable takes are left out.
	ModeHandout
	// ModeReference is `auth extract --reference-names`: the reference tool's names for
	// every kind (anthropic → ANTHROPIC_API_KEY and CLAUDE_API_KEY, OAuth included).
	ModeReference
)

// Assignment is one environment variable to set to a credential's value.
type Assignment struct {
	Name string
	Credential
}

// Assignments turns resolved credentials into variables sorted by name. Each variable is
// resolved once: when two credentials would set the same name, the higher priority one
// does and the other is left out with a warning. Names that are not valid variable names
// and values holding NUL are left out with a warning.
func Assignments(creds []Credential, mode Mode) ([]Assignment, []Warning) {
	order := make([]int, len(creds))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return creds[order[a]].Priority > creds[order[b]].Priority })
	var out []Assignment
	var warns []Warning
	taken := map[string]Credential{}
	for _, i := range order {
		c := creds[i]
		if c.Provider == "" {
			warns = append(warns, Warning{c.Source, c.File, "empty provider name: skipped"})
			continue
		}
		if !isASCII(c.Provider) {
			warns = append(warns, Warning{c.Source, c.File, fmt.Sprintf("provider %s is not ASCII: skipped", quoteName(c.Provider))})
			continue
		}
		if strings.IndexByte(c.Value, 0) >= 0 {
			warns = append(warns, Warning{c.Source, c.File, fmt.Sprintf("provider %s: value holds a NUL byte and cannot be exported: skipped", quoteName(c.Provider))})
			continue
		}
		var names []string
		switch mode {
		case ModeReference:
			names = referenceNames(c.Provider)
		case ModeHandout:
			if c.LeftToAgent {
				continue
			}
			names = EnvNames(c.Provider, c.Kind)
		default:
			names = EnvNames(c.Provider, c.Kind)
			if len(names) == 0 {
				out = append(out, Assignment{Credential: c})
			}
		}
		for _, name := range names {
			if !ValidName(name) {
				warns = append(warns, Warning{c.Source, c.File, fmt.Sprintf("provider %s gives %s, not a valid variable name: skipped", quoteName(c.Provider), quoteName(name))})
				continue
			}
			if w, dup := taken[name]; dup {
				warns = append(warns, Warning{c.Source, c.File, fmt.Sprintf("provider %s: %s is already set from %s (priority %d): skipped", quoteName(c.Provider), name, w.Source, w.Priority)})
				continue
			}
			taken[name] = c
			out = append(out, Assignment{Name: name, Credential: c})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, warns
}

// ValidName reports whether name matches ^[A-Za-z_][A-Za-z0-9_]*$.
func ValidName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if !ValidNameByte(i, name[i]) {
			return false
		}
	}
	return true
}

// ValidNameByte says whether c may stand at index i of a variable name (ValidName).
func ValidNameByte(i int, c byte) bool {
	return c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9'
}

// ProviderForVariable maps an environment-style name to its provider:
// ANTHROPIC_API_KEY/CLAUDE_API_KEY → anthropic, OPENAI_API_KEY/CODEX_API_KEY → openai,
// any other NAME_API_KEY (NAME of ASCII A-Z, 0-9, _ and -, either case) → canonical NAME.
func ProviderForVariable(name string) (string, bool) {
	name = upperASCII(trimASCII(name))
	switch name {
	case "ANTHROPIC_API_KEY", "CLAUDE_API_KEY":
		return "anthropic", true
	case "OPENAI_API_KEY", "CODEX_API_KEY":
		return "openai", true
	}
	prefix, ok := strings.CutSuffix(name, "_API_KEY")
	if !ok || prefix == "" {
		return "", false
	}
	for i := 0; i < len(prefix); i++ {
		if r := prefix[i]; !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return "", false
		}
	}
	return Canonical(prefix), true
}

// LoginOverride warns when as sets ANTHROPIC_API_KEY while Claude Code has its own login
// on this machine: Claude Code ranks that variable above its login, so it bills the key,
// not the subscription. newly, when not nil, says which names this hand-out sets for the
// first time (a shell hook warns once, at the refresh that first exports the key); nil
// counts every name. That holds for primaryApiKey in Claude Code's own config too: Claude
// Code ranks its login above that field, but not above the variable, so exporting it
// switches Claude Code from the subscription to the key. The caller adds the way out it
// offers.
func LoginOverride(res Result, as []Assignment, newly func(name string) bool) []Warning {
	const name = "ANTHROPIC_API_KEY"
	var key *Assignment
	for i := range as {
		if as[i].Name == name && (newly == nil || newly(name)) {
			key = &as[i]
		}
	}
	if key == nil {
		return nil
	}
	login := claudeLogin(res)
	if login == "" {
		return nil
	}
	return []Warning{{key.Source, key.File, fmt.Sprintf("%s overrides Claude Code's own login (%s): Claude Code bills this key, not the subscription", name, login)}}
}

// claudeLogin is where Claude Code's own login was found ("" for nowhere): a claude_oauth
// file or keychain item holding a token, expired or not (Claude Code refreshes it), or a
// file that --no-oauth left unread.
func claudeLogin(res Result) string {
	for _, f := range res.Files {
		if f.Source == "claude_oauth" && f.AgentLogin && (len(f.Found) > 0 || len(f.Expired) > 0 || f.Present) {
			return f.Path
		}
	}
	return ""
}
