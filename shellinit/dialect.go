package shellinit

import "strings"

// A dialect is how one family of shells says what amika tells it: posix for bash and any
// sh (dash reads `auth extract`), zsh (posix with its own file test), fish for fish.
// Everything else a shell needs is in its real shell files (see scripts); what differs
// between them is only which file.
type dialect interface {
	// quote makes s one word whose value is s, byte for byte.
	quote(s string) string
	// expand is the value of the variable name, for use inside double quotes: empty when
	// the variable is unset, also under set -u.
	expand(name string) string
	// set assigns word (a quoted value, or an expression of the shell's) to the shell
	// variable name; export makes it an environment variable.
	set(b *strings.Builder, name, word string, export bool)
	// exportIfUnset exports name=word unless the shell holds a variable of that name,
	// exported or not.
	exportIfUnset(b *strings.Builder, name, word string)
	// unset removes the variable name, exported or not.
	unset(b *strings.Builder, name string)
	// olderThan is the file test that path exists and stamp is newer.
	olderThan(stamp, path string) string
	// notNewer is the file test that path is missing or stamp is newer.
	notNewer(stamp, path string) string
	// all joins file tests (-e P, ! -e P, A -nt B: the same in [[ ]] and fish's test) into
	// the one test the fast path runs.
	all(tests []string) string
}

// sigVars choose the paths amika reads: when one of them changes, the hook refreshes.
var sigVars = []string{"HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "CLAUDE_CONFIG_DIR", "CODEX_HOME", "AMIKA_STORE"}

// sigExpr is the shell expression whose value the hook compares with the one it had at the
// last refresh.
func sigExpr(d dialect) string {
	parts := make([]string, len(sigVars))
	for i, v := range sigVars {
		parts[i] = d.expand(v)
	}
	return `"` + strings.Join(parts, "|") + `"`
}
