package shellinit

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/store"
)

// exportedVar is the exported variable listing what amika exported, as NAME:fingerprint
// separated by spaces. Exported, so a shell started from this one knows which of the
// values it inherits are amika's.
const exportedVar = "_AMIKA_EXPORTED"

// fingerprint identifies the value amika gave a variable without holding it: a truncated
// SHA-256, enough to tell whether someone changed the value since.
func fingerprint(name, value string) string {
	sum := sha256.Sum256([]byte("amika\x00" + name + "\x00" + value))
	return hex.EncodeToString(sum[:12])
}

func parseExported(s string) map[string]string {
	out := map[string]string{}
	for _, f := range strings.Fields(s) {
		if name, fp, ok := strings.Cut(f, ":"); ok && discovery.ValidName(name) {
			out[name] = fp
		}
	}
	return out
}

// Op is what a refresh does to one variable.
type Op int

const (
	OpSet        Op = iota // amika's own variable: overwrite
	OpSetIfUnset           // nobody's: set it unless the shell holds an unexported one
	OpUnset                // amika's own, no longer resolved
)

// Change is one variable a refresh sets or unsets.
type Change struct {
	Op    Op
	Name  string
	Value string
}

// write renders the change in dialect d.
func (c Change) write(b *strings.Builder, d dialect) {
	switch c.Op {
	case OpSet:
		d.set(b, c.Name, d.quote(c.Value), true)
	case OpSetIfUnset:
		d.exportIfUnset(b, c.Name, d.quote(c.Value))
	case OpUnset:
		d.unset(b, c.Name)
	}
}

// Plan decides what a refresh does: it sets what resolves, unsets what amika exported that no
// longer resolves (under whichever name: a name amika no longer uses is cleaned up too), and
// leaves alone every variable the user set or changed. lookup reads the environment the hook
// runs amika in. It returns the changes and the new _AMIKA_EXPORTED.
func Plan(as []discovery.Assignment, lookup func(string) (string, bool)) ([]Change, string) {
	prev, _ := lookup(exportedVar)
	owned := parseExported(prev)
	mine := func(name string) bool {
		fp, listed := owned[name]
		v, set := lookup(name)
		return listed && set && fp == fingerprint(name, v)
	}
	var changes []Change
	var claims []string
	resolved := map[string]bool{}
	for _, a := range as {
		resolved[a.Name] = true
		v, set := lookup(a.Name)
		switch {
		case mine(a.Name):
			if v != a.Value {
				changes = append(changes, Change{OpSet, a.Name, a.Value})
			}
		case set:
			continue // the user's
		default:
			changes = append(changes, Change{OpSetIfUnset, a.Name, a.Value})
		}
		claims = append(claims, a.Name+":"+fingerprint(a.Name, a.Value))
	}
	names := make([]string, 0, len(owned))
	for name := range owned {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !resolved[name] && mine(name) {
			changes = append(changes, Change{Op: OpUnset, Name: name})
		}
	}
	return changes, strings.Join(claims, " ")
}

// CheckFilter warns about each filter word that can select nothing (discovery.Select):
// neither a provider amika knows (discovery.KnownProviders and their aliases, or one found
// on this machine in res) nor, in either case, a variable name amika hands out
// (NAME_API_KEY, CLAUDE_CODE_OAUTH_TOKEN). Nothing is refused: a provider amika does not
// know yet is selected by its NAME_API_KEY without a warning.
func CheckFilter(words []string, res discovery.Result) []discovery.Warning {
	var warns []discovery.Warning
	for _, w := range words {
		if filterWordKnown(w, res) {
			continue
		}
		shown := "filter " + strconv.QuoteToASCII(w)
		if store.LooksLikeKey(w) {
			shown = "a filter word that looks like a key (" + discovery.Mask(w) + ")"
		}
		warns = append(warns, discovery.Warning{Path: shown,
			Reason: "names no provider amika knows or found here (" + strings.Join(discovery.KnownProviders(), ", ") + ") and no variable it hands out (e.g. OPENAI_API_KEY): it selects nothing"})
	}
	return warns
}

// LeftOnly explains an empty hand-out: when the filter selects none of what is handed out
// but does select an agent's own login, it says that the agent uses that login itself.
// Without it `use amika anthropic`, where Claude Code is logged in, would export nothing
// without a word.
func LeftOnly(words []string, res discovery.Result, handedOut []discovery.Assignment) []discovery.Warning {
	if len(words) == 0 || len(handedOut) > 0 {
		return nil
	}
	var agents []string
	for _, c := range discovery.Select(words).Credentials(res.Credentials) {
		if a := c.Agent(); a != "" && !slices.Contains(agents, a) {
			agents = append(agents, a)
		}
	}
	if len(agents) == 0 {
		return nil
	}
	return []discovery.Warning{{Path: "nothing to export",
		Reason: "the filter selects only an agent's own login (" + strings.Join(agents, ", ") + "), which the agent reads and refreshes itself (amika auth sources shows it)"}}
}

func filterWordKnown(w string, res discovery.Result) bool {
	name := strings.ToUpper(strings.TrimSpace(w))
	if _, ok := discovery.ProviderForVariable(name); ok || name == discovery.OAuthTokenVar {
		return true
	}
	p := discovery.Canonical(w)
	for _, k := range discovery.KnownProviders() {
		if p == k {
			return true
		}
	}
	for _, f := range res.Files {
		for _, c := range f.Found {
			if c.Provider == p {
				return true
			}
		}
		for _, c := range f.Expired {
			if c.Provider == p {
				return true
			}
		}
	}
	return false
}
