package store

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/amika-dev/amika/discovery"
)

// Messages never quote what may be a secret. A name that fails validation may be a value
// pasted where a name belongs, so it is described (its length, the position and class of
// its first bad character), never shown. A valid secret name is shown, unless it looks like
// a key: a value can be a valid name too (sk-ant-api03-…, a hex token), and a message
// naming "the secret sk-ant-api03-… not found" would leak it. Those are masked.

// keyPrefixes start API keys and tokens of common providers; a name starting with one is
// taken for a pasted key.
var keyPrefixes = []string{
	"sk-", "sk_", "rk_", "pk_", "gsk_", "xai-", "pplx-", "r8_", "hf_", "AIza", "ya29.",
	"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "npm_", "pypi-",
	"xoxb-", "xoxp-", "xapp-", "AKIA", "ASIA", "eyJ", "dop_v1_", "shpat_", "sgp_",
}

// minKeyRun is the length from which a run of letters and digits mixing both, between the
// separators _ . - of a name, is taken for a key (words in names are shorter).
const minKeyRun = 16

// LooksLikeKey says whether a valid secret name could be a credential pasted where a name
// belongs: it starts with a prefix API keys and tokens carry (sk-, ghp_, AIza, …), or it
// holds a run of 16 or more letters and digits that mixes both, between the separators
// _ . - (ANTHROPIC_API_KEY and my-work-key do not; a hex or base62 token does).
func LooksLikeKey(name string) bool {
	for _, p := range keyPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	run, letter, digit := 0, false, false
	for i := 0; i <= len(name); i++ {
		if i == len(name) || name[i] == '_' || name[i] == '.' || name[i] == '-' {
			if run >= minKeyRun && letter && digit {
				return true
			}
			run, letter, digit = 0, false, false
			continue
		}
		run++
		c := name[i]
		letter = letter || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		digit = digit || c >= '0' && c <= '9'
	}
	return false
}

// NameText is a secret's name as a message shows it: the name, when it is a valid secret
// name that does not look like a key; otherwise a description that gives none of it away
// ("an invalid name (29 characters)") or the mask a value gets ("a name that looks like a
// key (****EAK5)").
func NameText(name string) string { return nameText(name, "name", ValidateName(name)) }

// nameText is a name of some kind (a secret's, a store's) as a message shows it: itself, or
// described when invalid says it is no such name, or masked when it looks like a key.
func nameText(name, kind string, invalid error) string {
	switch {
	case invalid != nil:
		return "an invalid " + kind + " (" + LengthText(name) + ")"
	case LooksLikeKey(name):
		return "a name that looks like a key (" + discovery.Mask(name) + ")"
	}
	return name
}

// NamesText is NameText for a list, comma-separated, with a hint when one of them looks
// like a key: a value given where a name belongs.
func NamesText(names []string) string {
	shown := make([]string, len(names))
	hint := ""
	for i, n := range names {
		shown[i] = NameText(n)
		if shown[i] != n && ValidateName(n) == nil {
			hint = " (a name, not a value, goes here: amika secret push stores a value under a name)"
		}
	}
	return strings.Join(shown, ", ") + hint
}

// DescribeInvalid says what is wrong with s, which ok rejects, without showing any of it:
// "invalid WHAT (N characters): character I is CLASS (RULE)". ok is asked about each byte
// with its index; a letter or digit it rejects is classed, not shown.
func DescribeInvalid(what, s string, ok func(i int, c byte) bool, rule string) string {
	if s == "" {
		return "invalid " + what + ": empty (" + rule + ")"
	}
	for i := 0; i < len(s); i++ {
		if !ok(i, s[i]) {
			return fmt.Sprintf("invalid %s (%s): character %d is %s (%s)", what, LengthText(s), utf8.RuneCountInString(s[:i])+1, charClass(s[i:]), rule)
		}
	}
	return "invalid " + what + " (" + LengthText(s) + ") (" + rule + ")"
}
