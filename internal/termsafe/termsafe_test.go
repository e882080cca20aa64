package termsafe

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"anthropic":          "anthropic",
		"api_key":            "api_key",
		"pr\x1b]0;PWN\x07ov": `"pr\x1b]0;PWN\aov"`,
		"api\x1b[5mkey":      `"api\x1b[5mkey"`,
		"a\tb\nc\rd":         `"a\tb\nc\rd"`,
		"csi\u009b2J":        `"csi\u009b2J"`,
		"bad\xffutf8":        `"bad\xffutf8"`,
		"anthropıc":          `"anthrop\u0131c"`,
		`quote"back\`:        `"quote\"back\\"`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %s, want %s", in, got, want)
		}
	}
}

// Nothing a row holds reaches the terminal as a control character, whether the row went
// through Row or was written raw; tabs and newlines written raw still make the layout.
func TestTable(t *testing.T) {
	var b strings.Builder
	tw := NewTable(&b)
	tw.Write([]byte("NAME\tPROVIDER\n"))
	tw.Row("A_KEY", "pr\x1b]0;PWN\x07ov")
	tw.Row("B\tC", "two\nlines")
	tw.Write([]byte("RAW\tx\x1b[5my\u009b\xff\n"))
	tw.Flush()
	got := b.String()
	for i := 0; i < len(got); i++ {
		if c := got[i]; c < 0x20 && c != '\n' || c == 0x7f {
			t.Fatalf("control character %#x in the table:\n%s", c, got)
		}
	}
	want := `NAME    PROVIDER
A_KEY   "pr\x1b]0;PWN\aov"
"B\tC"  "two\nlines"
RAW     x\x1b[5my\u009b\xff
`
	if got != want {
		t.Fatalf("table:\n%s\nwant:\n%s", got, want)
	}
}
