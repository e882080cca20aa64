package agent

import (
	"strings"
	"testing"

	"github.com/amika-dev/amika/store"
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

func TestParseOAuth(t *testing.T) {
	for _, c := range []struct {
		agent, in, token string
		expires          int64 // Unix seconds; 0: none
		json             bool
	}{
		{"claude", " sk-ant-oat01-setup \n", "sk-ant-oat01-setup", 0, false},
		{"claude", `{"claudeAiOauth":{"accessToken":"a1","expiresAt":1704067200000}}`, "a1", 1704067200, true},
		{"claude", `{"accessToken":"a2","expiresAt":"2024-01-01T00:00:00Z"}`, "a2", 1704067200, true},
		{"claude", `{"claudeAiOauth":{"accessToken":"a3","expiresAt":null}}`, "a3", 0, true},
		{"codex", `{"tokens":{"access_token":"a4"}}`, "a4", 0, true},
	} {
		o, err := ParseOAuth(c.agent, c.in)
		var exp int64
		if !o.Expires.IsZero() {
			exp = o.Expires.Unix()
		}
		if err != nil || o.Token != c.token || exp != c.expires || o.JSON != c.json {
			t.Errorf("%s %s: %+v, %v", c.agent, c.in, o, err)
		}
	}
	for _, c := range []struct{ agent, in string }{
		{"codex", "bare-secretvalue"}, {"claude", "sk-ant-api03-secretvalue"}, {"claude", "two secretvalue"},
		{"claude", `{"claudeAiOauth":{"accessToken":"secretvalue","expiresAt":"soon"}}`}, {"claude", ""},
	} {
		if _, err := ParseOAuth(c.agent, c.in); err == nil {
			t.Errorf("%s %q accepted", c.agent, c.in)
		} else if strings.Contains(err.Error(), "secretvalue") {
			t.Errorf("error %q shows the value", err)
		}
	}
}

func TestInferType(t *testing.T) {
	for _, c := range []struct {
		agent, in string
		want      store.Type
	}{
		{"claude", "sk-ant-oat01-x", store.TypeOAuth},
		{"claude", "sk-ant-api03-x", store.TypeAPIKey},
		{"claude", `{"claudeAiOauth":{"accessToken":"a"}}`, store.TypeOAuth},
		{"codex", "sk-proj-x", store.TypeAPIKey},
		{"codex", `{"tokens":{"access_token":"a"}}`, store.TypeOAuth},
	} {
		if got := InferType(c.agent, c.in); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.agent, c.in, got, c.want)
		}
	}
}
