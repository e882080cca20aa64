package store

import (
	"strings"
	"testing"
)

// FuzzParseEnvFile: whatever the input, parsing does not panic, every pair it returns is
// storable, writing the pairs back as NAME=VALUE lines parses to the same pairs, and a
// failure names a line and never carries text from after the first '=' of any line, nor a
// name that is not valid.
func FuzzParseEnvFile(f *testing.F) {
	for _, seed := range []string{
		"A=1\n", "# c\n\nB = x y \n", "C=\"q\" # not a comment\r\n", "noequals\n", "D=\x00\n",
		"\xef\xbb\xbfE==\n", "  # x\nF=sk-ant-api03-value\nG\n", "bad name=value\n", "DATABASE_URL: postgres://admin:pw@db/x?sslmode=require\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		pairs, err := parseEnvFile([]byte(in), "f.env")
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "env file f.env: line ") {
				t.Fatalf("error %q does not name a line", msg)
			}
			lines := strings.Split(in, "\n")
			// a valid name is shown; a value that is also some line's name is shown with it
			isName := func(v string) bool {
				for _, line := range lines {
					if name, _, _ := strings.Cut(line, "="); strings.Contains(name, v) {
						return true
					}
				}
				return false
			}
			for _, line := range lines {
				name, value, ok := strings.Cut(line, "=")
				value = strings.TrimRight(value, "\r")
				if ok && len(value) >= 8 && strings.Contains(msg, value) && !isName(value) {
					t.Fatalf("error %q shows a value", msg)
				}
				// a name that is not valid may be a pasted secret: never shown
				if name = strings.TrimSpace(name); len(name) >= 8 && ValidateName(name) != nil && strings.Contains(msg, name) {
					t.Fatalf("error %q shows an invalid name", msg)
				}
			}
			return
		}
		var b strings.Builder
		for _, p := range pairs {
			if err := ValidateName(p.Name); err != nil {
				t.Fatalf("returned invalid name %q", p.Name)
			}
			if err := ValidateValue(p.Name, p.Value); err != nil {
				t.Fatalf("returned invalid value for %q", p.Name)
			}
			b.WriteString(p.Name + "=" + p.Value + "\r\n") // CRLF: exactly one \r is dropped, as Docker does
		}
		again, err := parseEnvFile([]byte(b.String()), "f.env")
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if len(again) != len(pairs) {
			t.Fatalf("re-parse gave %d pairs, want %d", len(again), len(pairs))
		}
		for i := range pairs {
			if again[i].Name != pairs[i].Name || again[i].Value != pairs[i].Value {
				t.Fatalf("pair %d: %q=%q became %q=%q", i, pairs[i].Name, pairs[i].Value, again[i].Name, again[i].Value)
			}
		}
	})
}
