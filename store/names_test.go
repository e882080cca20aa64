package store

import (
	"strings"
	"testing"
)

// A name that could be a pasted value is never shown; a name that is a name is.
func TestNameText(t *testing.T) {
	for _, name := range []string{
		"ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "my-work-key", "claude-work", "db.prod.password",
		"GITHUB_PERSONAL_ACCESS_TOKEN_FOR_CI", "OPENROUTER_API_KEY", "AWS_SECRET_ACCESS_KEY2", "key1", "SUPERCALIFRAGILISTIC",
		"amika-git-v1-github.com-0123456789ab", // git records: a 12-digit hash
	} {
		if got := NameText(name); got != name {
			t.Errorf("%s shown as %q", name, got)
		}
	}
	for name, want := range map[string]string{
		"sk-ant-api03-LEAK3": "a name that looks like a key (****EAK3)",
		"sk-proj-abc":        "a name that looks like a key (********)",
		"ghp_0123456789abcdefghij0123456789abcdef": "a name that looks like a key (****cdef)",
		"AIzaSyA1234567890":                        "a name that looks like a key (****7890)",
		"9f86d081884c7d659a2feaa0c55ad015":         "a name that looks like a key (****d015)",
		"X_4f2Ab9cD1e8F7g6H5":                      "a name that looks like a key (****g6H5)",
		"postgres://admin:pw@db":                   "an invalid name (22 characters)",
		"":                                         "an invalid name (0 characters)",
	} {
		if got := NameText(name); got != want {
			t.Errorf("%q shown as %q, want %q", name, got, want)
		}
	}
	if got := NamesText([]string{"A_KEY", "sk-ant-x1"}); !strings.HasPrefix(got, "A_KEY, a name that looks like a key (********) (a name, not a value,") {
		t.Errorf("NamesText: %q", got)
	}
}

func TestValidTeamNameQuotesNothing(t *testing.T) {
	for name, want := range map[string]string{
		"sk-ant-api03-LEAK":     "invalid store name (17 characters): character 14 is an upper-case letter",
		"Team":                  "invalid store name (4 characters): character 1 is an upper-case letter",
		"_x":                    "invalid store name (2 characters): character 1 is '_'",
		"":                      "invalid store name: empty",
		strings.Repeat("a", 33): "invalid store name (33 characters): longer than 32",
		"user":                  "user is the personal store's scope",
	} {
		err := ValidTeamName(name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", name, err, want)
		}
	}
	if ValidTeamName("team-1") != nil {
		t.Error("team-1 refused")
	}
}
