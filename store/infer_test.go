package store

import "testing"

func TestInfer(t *testing.T) {
	for _, c := range []struct {
		name, value, typ, provider string
		want                       Meta
	}{
		{"GROQ_API_KEY", "gsk", "", "", Meta{Type: TypeAPIKey, Provider: "groq"}},
		{"ANTHROPIC_API_KEY", "sk-ant-api03-x", "", "", Meta{Type: TypeAPIKey, Provider: "anthropic"}},
		{"ANTHROPIC_API_KEY", "sk-ant-oat01-x", "", "", Meta{Type: TypeOAuth, Provider: "anthropic"}},
		{"CLAUDE_CODE_OAUTH_TOKEN", "anything", "", "", Meta{Type: TypeOAuth, Provider: "anthropic"}},
		{"my-token", " sk-ant-oat01-x", "", "", Meta{Type: TypeOAuth, Provider: "anthropic"}},
		{"my-token", "sk-ant-oat01-x", "generic", "", Meta{Type: TypeGeneric}},
		{"GROQ_API_KEY", "sk-ant-oat01-x", "", "", Meta{Type: TypeAPIKey, Provider: "groq"}},
		{"DATABASE_URL", "postgres://", "", "", Meta{Type: TypeGeneric}},
	} {
		got := Infer(Secret{Name: c.name, Value: c.value, Meta: Meta{Type: Type(c.typ), Provider: c.provider}})
		if got.Meta != c.want {
			t.Errorf("%s=%s: %+v, want %+v", c.name, c.value, got.Meta, c.want)
		}
	}
}
