package agent

import (
	"strings"
	"testing"
)

func TestAccessToken(t *testing.T) {
	for _, c := range []struct{ agent, in, want string }{
		{"claude", `{"claudeAiOauth":{"accessToken":" a1 ","refreshToken":"r"}}`, "a1"},
		{"claude", `{"accessToken":"a2"}`, "a2"},
		{"codex", `{"OPENAI_API_KEY":null,"tokens":{"access_token":"a3"}}`, "a3"},
	} {
		got, err := AccessToken(c.agent, c.in)
		if err != nil || got != c.want {
			t.Errorf("%s %s: %q, %v", c.agent, c.in, got, err)
		}
	}
	for _, c := range []struct{ agent, in string }{
		{"claude", `sk-ant-secretvalue`}, {"claude", `{"claudeAiOauth":"sk-ant-secretvalue"}`},
		{"claude", `{"claudeAiOauth":{"accessToken":""}}`}, {"codex", `{"tokens":{"access_token":5}}`}, {"claude", `null`},
	} {
		_, err := AccessToken(c.agent, c.in)
		if err == nil {
			t.Errorf("%s %s accepted", c.agent, c.in)
		} else if strings.Contains(err.Error(), "secretvalue") {
			t.Errorf("error %q shows the value", err)
		}
	}
}
