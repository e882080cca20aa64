package discovery

import (
	"slices"
	"strings"
	"testing"
)

// selectionCreds are one resolved credential per provider, of every kind of name.
var selectionCreds = []Credential{
	{Provider: "anthropic", Value: "a", Kind: KindAPIKey},
	{Provider: "openai", Value: "o", Kind: KindOAuth, LeftToAgent: true},
	{Provider: "openrouter", Value: "r", Kind: KindAPIKey},
	{Provider: "groq", Value: "g", Kind: KindOAuth},
}

func TestSelectionAssignments(t *testing.T) {
	as, _ := Assignments(selectionCreds, ModeHandout)
	for _, tt := range []struct {
		words []string
		want  string
	}{
		{nil, "ANTHROPIC_API_KEY CLAUDE_API_KEY OPENROUTER_API_KEY"},
		{[]string{"claude"}, "ANTHROPIC_API_KEY CLAUDE_API_KEY"},
		{[]string{"Codex", "OPENROUTER_API_KEY"}, "OPENROUTER_API_KEY"},
		{[]string{"CLAUDE_API_KEY"}, "CLAUDE_API_KEY"},
		{[]string{" claude_api_key "}, "CLAUDE_API_KEY"},
		{[]string{"anthropıc", "ANTHROPİC_API_KEY"}, ""}, // not ASCII: no provider, no name
		{[]string{"nothing"}, ""},
		{[]string{""}, ""},
	} {
		var got []string
		for _, a := range Select(tt.words).Assignments(as) {
			got = append(got, a.Name)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("Select(%q).Assignments = %q, want %q", tt.words, got, tt.want)
		}
	}
}

// What a word keeps among credentials (secret extract --only) is what it keeps among their
// assignments (init, use amika) in some mode: a credential is kept exactly when one of
// its assignments is.
func TestSelectionAgrees(t *testing.T) {
	words := []string{"anthropic", "claude", "Codex", "openai", "OpenRouter", "open_router", "groq", "nothing", ""}
	for _, c := range selectionCreds {
		for _, mode := range []Mode{ModePrint, ModeHandout, ModeReference} {
			as, _ := Assignments([]Credential{c}, mode)
			for _, a := range as {
				words = append(words, a.Name, strings.ToLower(a.Name))
			}
		}
	}
	for _, w := range words {
		sel := Select([]string{w})
		var viaAssignments []string
		for _, mode := range []Mode{ModePrint, ModeHandout, ModeReference} {
			as, _ := Assignments(selectionCreds, mode)
			for _, a := range sel.Assignments(as) {
				if !slices.Contains(viaAssignments, a.Provider) {
					viaAssignments = append(viaAssignments, a.Provider)
				}
			}
		}
		var viaCredentials []string
		for _, c := range sel.Credentials(selectionCreds) {
			viaCredentials = append(viaCredentials, c.Provider)
		}
		slices.Sort(viaAssignments)
		slices.Sort(viaCredentials)
		if !slices.Equal(viaAssignments, viaCredentials) {
			t.Errorf("%q keeps %q among credentials but %q among assignments", w, viaCredentials, viaAssignments)
		}
	}
	// secret extract stores a credential under its provider's first API-key name: naming
	// that name keeps it, whatever its kind.
	for _, c := range selectionCreds {
		name := EnvNames(c.Provider, KindAPIKey)[0]
		if got := Select([]string{name}).Credentials(selectionCreds); len(got) != 1 || got[0].Provider != c.Provider {
			t.Errorf("%s keeps %v, want %s alone", name, got, c.Provider)
		}
	}
}
