package shellinit

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/amika-dev/amika/discovery"
)

// The round-trip tests render values with WriteAssignments, have the real shell evaluate
// the output, print each variable back into a file, and compare the bytes. Every value a
// credential file can hold (valid UTF-8 without NUL) must come back unchanged.

// shells are the programs each format is meant for; the tests fail when one is missing.
var shells = []struct {
	name   string
	format Format
	argv   []string
}{
	{"bash", FormatSh, []string{"bash", "--norc", "--noprofile"}},
	{"zsh", FormatSh, []string{"zsh", "-f"}},
	{"dash", FormatSh, []string{"dash"}},
	{"fish", FormatFish, []string{"fish", "--no-config"}},
}

// adversarial are values chosen to break quoting.
func adversarial() []string {
	vs := []string{
		"", " ", "  leading and trailing  ", "plain", "sk-ant-api03-abcDEF_123-xyz",
		"'", "''", "'''", `"`, `""`, `\`, `\\`, `\\\`, `\'`, `'\`, `\"`, `'\''`, `'"'"'`,
		"a'b", `a\b`, `a\\'b`, `it's`, `end\`, `end\\`, `'start`, `\'start`,
		"\n", "\n\n", "line1\nline2", "trailing newline\n", "\nleading newline",
		"\r", "\r\n", "cr\rin the middle", "\t", "tab\there", "\v\f\b\a\x1b[31mred\x1b[0m", "\x7f",
		"\x01\x02\x03\x1f",
		"$(id)", "$(echo pwned >&2)", "`id`", "${HOME}", "$HOME", "$", "$$", "$?", "$'\\n'",
		"$\"x\"", "!", "!!", "!$", "!-1", "history !1 expansion", "%", "%%", "%s%d%n", "%self",
		"% echo", "^", "~", "~root", "*", "?", "[a-z]", "{a,b}", "{}", "a{b}c", "#not a comment",
		"a #comment", ";", "a; rm -rf /", "a && b", "a || b", "a | b", "&", "a & b", "(x)", "<in",
		">out", "2>&1", "=", "a=b", "==", "X=1 Y=2", "-", "--", "-n", "-e", "--help", "-x foo",
		"-", "- leading dash", "--export", "set -e", "export A=1", "eval", "\\u0041", "\\x41",
		"\\n", "\\t", "\\0", "\\e", "\\c", "\\U0001F600", "\\$", "\\(", `\{`, `\*`,
		"()", "end", "begin; end", "function f; end", "(echo fish)", "{$HOME}", "$status",
		"caf\u00e9", "na\u0131ve", "\u00fc\u00f1\u00ef\u00e7\u00f8d\u00e9", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
		"\u4e2d\u6587", "\ud55c\uad6d\uc5b4", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "\u05e2\u05d1\u05e8\u05d9\u05ea",
		"\U0001F600", "\U0001F680\U0001F525", "\U0001F468\u200d\U0001F469\u200d\U0001F467", "\u00e9\u0301",
		"e\u0301", "\ufeffBOM", "\u200b", "\u2028\u2029", "\u00a0nbsp", "\u0085", "\u0080\u009f",
		"\ufffd", "\uffff", "\ufffe", "\U0010FFFF", "\U000E0001",
		"\uf600", "\uf5ff", "\uf6ff", "\uf700", "\uf67f", "\uf680", "a\uf600b\uf6ffc",
		"\ufdd0", "\ufdd7", "\ufdef", "\ue000", "\uf8ff", "\U000F0000",
		strings.Repeat("'", 1000), strings.Repeat(`\`, 1001), strings.Repeat("\n", 500),
	}
	for cp := rune(0xF5F8); cp <= 0xF740; cp++ {
		vs = append(vs, "<"+string(cp)+">")
	}
	for c := byte(1); c < 0x80; c++ {
		vs = append(vs, string([]byte{c}), "x"+string([]byte{c})+"y")
	}
	// Very long values: 100 KiB of everything above, and of plain text.
	var long strings.Builder
	for long.Len() < 100<<10 {
		for _, v := range vs[:200] {
			long.WriteString(v)
		}
	}
	vs = append(vs, long.String(), strings.Repeat("0123456789abcdef", 100<<10/16))
	vs = append(vs, generated(500)...)
	return vs
}

// generated returns n random values from a fixed seed: mostly tricky ASCII, some runes from
// every plane.
func generated(n int) []string {
	r := rand.New(rand.NewPCG(0x616d696b61, 2))
	tricky := []rune("'\"\\$`!%*?[]{}()<>|&;#~^=-+ \t\n\r\v\fabcXYZ019\u00e9\u65e5\U0001F600\uf600\uf6ff\ufdd0\u2028")
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range r.IntN(80) {
			var c rune
			switch k := r.IntN(10); {
			case k < 6:
				c = tricky[r.IntN(len(tricky))]
			case k < 8:
				c = rune(1 + r.IntN(0x7f))
			default:
				c = rune(1 + r.IntN(0x10FFFF))
				if c >= 0xD800 && c <= 0xDFFF {
					c = 0xFFFD
				}
			}
			b.WriteRune(c)
		}
		out[i] = b.String()
	}
	return out
}

// roundTrip evaluates values through one shell and returns what came back, by index.
func roundTrip(t testing.TB, argv []string, format Format, locale string, values []string) []string {
	t.Helper()
	if _, err := exec.LookPath(argv[0]); err != nil {
		t.Fatalf("%s is needed for this test (scripts/test installs it): %v", argv[0], err)
	}
	dir := t.TempDir()
	as := make([]discovery.Assignment, len(values))
	for i, v := range values {
		as[i] = discovery.Assignment{Name: fmt.Sprintf("V%d", i), Credential: discovery.Credential{Value: v}}
	}
	var script bytes.Buffer
	if err := WriteAssignments(&script, format, true, as); err != nil {
		t.Fatal(err)
	}
	for i := range values {
		out := filepath.Join(dir, fmt.Sprint(i))
		if format == FormatFish {
			fmt.Fprintf(&script, "printf '%%s' $V%d > %s\n", i, out)
		} else {
			fmt.Fprintf(&script, "printf '%%s' \"$V%d\" > %s\n", i, out)
		}
	}
	file := filepath.Join(dir, "script")
	if err := os.WriteFile(file, script.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], append(argv[1:], file)...)
	cmd.Env = append(os.Environ(), "LANG="+locale, "LC_ALL="+locale, "HOME="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("%s: %v\n%s", argv[0], err, stderr.Bytes())
	}
	got := make([]string, len(values))
	for i := range values {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprint(i)))
		if err != nil {
			t.Fatalf("%s: value %d: %v", argv[0], i, err)
		}
		got[i] = string(b)
	}
	return got
}

func TestRoundTrip(t *testing.T) {
	values := adversarial()
	for _, v := range values {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			t.Fatalf("test value %q cannot come out of discovery", v)
		}
	}
	for _, sh := range shells {
		for _, locale := range []string{"C.UTF-8", "C"} {
			t.Run(sh.name+"/"+locale, func(t *testing.T) {
				t.Parallel()
				got := roundTrip(t, sh.argv, sh.format, locale, values)
				bad := 0
				for i, v := range values {
					if got[i] != v {
						if bad++; bad <= 10 {
							t.Errorf("value %d: %s gave back %s for %s", i, sh.name, clip(got[i]), clip(v))
						}
					}
				}
				if bad > 0 {
					t.Errorf("%d of %d values did not round-trip through %s", bad, len(values), sh.name)
				}
			})
		}
	}
}

func clip(s string) string {
	if len(s) > 80 {
		return fmt.Sprintf("%q… (%d bytes)", s[:80], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// FuzzRoundTrip runs each input through every shell. Inputs that no credential file can
// produce (invalid UTF-8, NUL) are out of scope.
func FuzzRoundTrip(f *testing.F) {
	for _, v := range []string{"", "'", `\'`, "a\nb", "$(id)`id`", "!%", "\uf600\ufdd0", "\U0001F600\u65e5", "- =x", `\\'\\`} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return
		}
		for _, sh := range shells {
			if got := roundTrip(t, sh.argv, sh.format, "C.UTF-8", []string{v}); got[0] != v {
				t.Fatalf("%s gave back %q for %q", sh.name, got[0], v)
			}
		}
	})
}
