package store

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// keychain.json and the keyring index written before Meta existed load the same, and what
// amika writes now is byte for byte what it wrote then.
func TestFormatsUnchanged(t *testing.T) {
	const oldFile = `{
  "ANTHROPIC_API_KEY": {
    "value": "sk-ant-api03-x",
    "type": "api_key",
    "provider": "anthropic",
    "created": "2026-01-02T03:04:05Z",
    "updated": "2026-02-03T04:05:06Z",
    "origin": "argument"
  },
  "BIN": {
    "value_base64": "//5iaW4=",
    "type": "generic",
    "created": "2026-01-02T03:04:05Z",
    "updated": "2026-01-02T03:04:05Z",
    "origin": "stdin"
  },
  "HAND": "written by hand",
  "LOOSE": {
    "value": "v",
    "created": "yesterday"
  },
  "claude-work": {
    "value": "k",
    "type": "api_key",
    "provider": "anthropic",
    "created": "2026-01-02T03:04:05Z",
    "updated": "2026-01-02T03:04:05Z",
    "origin": "--value",
    "agent": "claude",
    "label": "work"
  }
}
`
	p := testPaths(t)
	f := NewFile(p)
	os.MkdirAll(filepath.Dir(f.Path()), 0o700)
	if err := os.WriteFile(f.Path(), []byte(oldFile), 0o600); err != nil {
		t.Fatal(err)
	}
	created := Time{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	for name, want := range map[string]Secret{
		"ANTHROPIC_API_KEY": {Value: "sk-ant-api03-x", Meta: Meta{Type: TypeAPIKey, Provider: "anthropic", Created: created, Updated: Time{time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)}, Origin: "argument"}},
		"BIN":               {Value: "\xff\xfebin", Meta: Meta{Type: TypeGeneric, Created: created, Updated: created, Origin: "stdin"}},
		"HAND":              {Value: "written by hand", Meta: Meta{Type: TypeGeneric}},
		"LOOSE":             {Value: "v", Meta: Meta{Type: TypeGeneric}},
		"claude-work":       {Value: "k", Meta: Meta{Type: TypeAPIKey, Provider: "anthropic", Created: created, Updated: created, Origin: "--value", Agent: "claude", Label: "work"}},
	} {
		got, err := f.Get(name)
		want.Name, want.Store = name, "file"
		if err != nil || got != want {
			t.Errorf("Get(%s) = %+v, %v\nwant %+v", name, got, err, want)
		}
	}
	// A write rewrites the file in the same form: the untouched entries as they were, the
	// new one as the old code wrote it.
	f.now = func() time.Time { return created.Add(time.Hour) }
	if err := f.Set(Secret{Name: "NEW_API_KEY", Value: "n", Meta: Meta{Origin: "argument"}}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f.Path())
	want := strings.Replace(oldFile, "  \"claude-work\"", `  "NEW_API_KEY": {
    "value": "n",
    "type": "api_key",
    "provider": "new",
    "created": "2026-01-02T04:04:05Z",
    "updated": "2026-01-02T04:04:05Z",
    "origin": "argument"
  },
  "claude-work"`, 1)
	if string(data) != want {
		t.Errorf("after a write:\n%s\nwant:\n%s", data, want)
	}

	// the keyring index
	const oldIndex = `{"version":1,"secrets":{"A_API_KEY":{"type":"api_key","provider":"a","created":"2026-01-02T03:04:05Z","updated":"2026-01-02T03:04:05Z","origin":"argument"},"claude-oauth":{"type":"oauth","provider":"anthropic","created":"2026-01-02T03:04:05Z","updated":"2026-01-02T03:04:05Z","origin":"/h/.claude/.credentials.json","agent":"claude","label":"oauth"},"g":{"type":"generic"}}}`
	var idx index
	if err := json.Unmarshal([]byte(oldIndex), &idx); err != nil {
		t.Fatal(err)
	}
	if m := idx.Secrets["claude-oauth"]; m.Agent != "claude" || m.Created != created || m.Type != TypeOAuth {
		t.Errorf("index entry = %+v", m)
	}
	again, err := marshal(idx)
	if err != nil || string(again) != oldIndex {
		t.Errorf("index written back:\n%s\nwant:\n%s", again, oldIndex)
	}
}
