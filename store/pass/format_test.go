package pass

import (
	"reflect"
	"strings"
	"testing"
)

func TestFormatRoundTrip(t *testing.T) {
	fields := []Field{{"type", "api_key"}, {"provider", "anthropic"}, {"", "a free line"}}
	for _, v := range []string{
		"sk-ant-api03-abc",
		" spaced value ",
		"two\nlines",
		"ends with a newline\n",
		"\nstarts with one",
		"carriage\rreturn",
		"crlf\r\n",
		"a\nvalue-lines: 9",
		"type: looks like a field",
		"{\"claudeAiOauth\":{\"accessToken\":\"x\"}}",
		"\xff\xfe not UTF-8",
	} {
		got, err := Parse(Format(Entry{Value: v, Fields: fields}))
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if got.Value != v || !reflect.DeepEqual(got.Fields, fields) {
			t.Errorf("%q: round trip gave %q %v", v, got.Value, got.Fields)
		}
	}
}

func TestFormatIsWhatPassShows(t *testing.T) {
	got := string(Format(Entry{Value: "sk-1", Fields: []Field{{"type", "api_key"}, {"origin", "a\nb"}}}))
	want := "sk-1\ntype: api_key\norigin: a b\n"
	if got != want {
		t.Fatalf("Format = %q, want %q", got, want)
	}
	if got := string(Format(Entry{Value: "a\nb"})); got != "a\nb\nvalue-lines: 2\n" {
		t.Fatalf("multi-line Format = %q", got)
	}
}

// What pass insert, pass insert -m and gopass write.
func TestParseOtherClients(t *testing.T) {
	for _, c := range []struct {
		in, value string
		fields    []Field
	}{
		{"sk-plain\n", "sk-plain", nil},
		{"sk-no-newline", "sk-no-newline", nil},
		{"sk-crlf\r\n", "sk-crlf", nil},
		{"sk-1\nlogin: alice\nurl: https://x\n", "sk-1", []Field{{"login", "alice"}, {"url", "https://x"}}},
		{"sk-1\n---\nprovider: groq\n", "sk-1", []Field{{"provider", "groq"}}},
		{"sk-1\nsome notes here\n\nType: oauth\n", "sk-1", []Field{{"", "some notes here"}, {"Type", "oauth"}}},
	} {
		e, err := Parse([]byte(c.in))
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if e.Value != c.value || !reflect.DeepEqual(e.Fields, c.fields) {
			t.Errorf("%q: got %q %#v", c.in, e.Value, e.Fields)
		}
	}
	if e, _ := Parse([]byte("x\nType: oauth\n")); e.Get("type") != "oauth" {
		t.Errorf("Get is not case-insensitive")
	}
	for _, in := range []string{"", "\n", "\nlogin: alice\n"} {
		if _, err := Parse([]byte(in)); err == nil || strings.Contains(err.Error(), "alice") {
			t.Errorf("%q: err = %v, want an error naming no content", in, err)
		}
	}
}
