package helper

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"strings"
	"testing"
)

func mustParse(t *testing.T, in string) attributes {
	t.Helper()
	a, err := parseRequest(strings.NewReader(in))
	if err != nil {
		t.Fatalf("Parse(%q): %v", in, err)
	}
	return a
}

func TestParseBasics(t *testing.T) {
	a := mustParse(t, "protocol=https\r\nhost=example.com:8443\npassword=a=b=c\nunknown=x\nusername=\n\nhost=after-blank\n")
	for key, want := range map[string]string{"protocol": "https", "host": "example.com:8443", "password": "a=b=c", "unknown": "x", "username": ""} {
		if got, ok := a.Get(key); !ok || got != want {
			t.Errorf("%s = %q, %v; want %q", key, got, ok, want)
		}
	}
	if _, ok := a.Get("path"); ok {
		t.Error("path given though absent")
	}
}

func TestParseDuplicateKeysLastWins(t *testing.T) {
	a := mustParse(t, "host=first\nhost=second\n")
	if got, _ := a.Get("host"); got != "second" {
		t.Errorf("host = %q, want second", got)
	}
}

func TestParseListsAndClear(t *testing.T) {
	a := mustParse(t, "wwwauth[]=one\nwwwauth[]=two\ncapability[]=authtype\nwwwauth[]=\nwwwauth[]=three\n")
	if got := a.List("wwwauth"); len(got) != 1 || got[0] != "three" {
		t.Errorf("wwwauth = %q, want [three]", got)
	}
	if !a.Has("capability", "authtype") {
		t.Error("capability[]=authtype lost")
	}
}

func TestParseMissingFinalBlankLine(t *testing.T) {
	a := mustParse(t, "protocol=https\nhost=x")
	if got, _ := a.Get("host"); got != "x" {
		t.Errorf("host = %q", got)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", "\n", "\r\n", "\n\nhost=x\n"} {
		if a := mustParse(t, in); !a.Empty() {
			t.Errorf("Parse(%q) not empty", in)
		}
	}
}

// A long line is read whole: its tail must never become an attribute of its own.
func TestParseLongLineIsOneAttribute(t *testing.T) {
	long := strings.Repeat("a", 200<<10)
	a := mustParse(t, "protocol=https\nhost=badguy.example.com\nwwwauth[]=basic realm="+long+"host=victim.example.com\n")
	if got, _ := a.Get("host"); got != "badguy.example.com" {
		t.Errorf("host = %q", got)
	}
	if got := a.List("wwwauth"); len(got) != 1 || !strings.HasSuffix(got[0], long+"host=victim.example.com") {
		t.Errorf("wwwauth not kept whole (%d values)", len(got))
	}
}

func TestParseRefusals(t *testing.T) {
	for name, in := range map[string]string{
		"no equals":     "protocol=https\ngarbage line\nhost=x\n",
		"garbage first": "garbage\nprotocol=https\n",
		"NUL":           "protocol=https\npassword=Zq9\x00Zq9\n",
		"too large":     "wwwauth[]=" + strings.Repeat("b", maxInput) + "\n",
		"url newline":   "url=https://u:Zq9%0AZq9@example.com\n",
		"url no scheme": "url=example.com/path\n",
	} {
		_, err := parseRequest(strings.NewReader(in))
		var ie *inputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: err = %v, want an InputError", name, err)
			continue
		}
		if strings.Contains(err.Error(), "Zq9") {
			t.Errorf("%s: error %q echoes the secret", name, err)
		}
	}
}

// Parse stops at the blank line: whatever follows, even a reader that never ends, is not read.
func TestParseDoesNotReadPastBlankLine(t *testing.T) {
	r := io.MultiReader(strings.NewReader("host=x\n\n"), blockingReader{t})
	if _, err := parseRequest(r); err != nil {
		t.Fatal(err)
	}
}

type blockingReader struct{ t *testing.T }

func (b blockingReader) Read([]byte) (int, error) {
	b.t.Fatal("read past the blank line")
	return 0, io.EOF
}

func TestParseURL(t *testing.T) {
	a := mustParse(t, "host=old\nusername=old\nurl=https://us%40er:p%3Ass@example.com:8443/org/repo.git/\n")
	for key, want := range map[string]string{"protocol": "https", "host": "example.com:8443", "path": "org/repo.git", "username": "us@er", "password": "p:ss"} {
		if got, ok := a.Get(key); !ok || got != want {
			t.Errorf("%s = %q, %v; want %q", key, got, ok, want)
		}
	}
	a = mustParse(t, "url=https://example.com\nusername=later\n")
	if got, _ := a.Get("username"); got != "later" {
		t.Errorf("username = %q, want later", got)
	}
	if _, ok := a.Get("path"); ok {
		t.Error("path set from a URL without one")
	}
}

func TestWriteRefusesWholeAnswer(t *testing.T) {
	for _, bad := range []string{"a\nb", "a\rb", "a\x00b"} {
		var buf bytes.Buffer
		err := writeAnswer(&buf, []pair{{Key: "username", Value: "u"}, {Key: "password", Value: bad}})
		if err == nil || buf.Len() != 0 {
			t.Errorf("Write(%q): err %v, wrote %q", bad, err, buf.String())
		}
		if err != nil && strings.Contains(err.Error(), bad) {
			t.Errorf("error %q echoes the value", err)
		}
	}
}

// Any writable attributes survive a write and a parse unchanged; this always runs over
// many generated adversarial values.
func TestRoundTripGenerated(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "=", "[]", " ", "\t", "é", "\\", "%0A", "\x7f", "\xff", "key=", "=\r", "\r", "\n", "\x00"}
	for i := 0; i < 5000; i++ {
		var b strings.Builder
		for n := rng.Intn(12); n > 0; n-- {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		value := b.String()
		var buf bytes.Buffer
		err := writeAnswer(&buf, []pair{{Key: "protocol", Value: "https"}, {Key: "password", Value: value}})
		if unwritable(value) != "" {
			if err == nil {
				t.Fatalf("%q written", value)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Write(%q): %v", value, err)
		}
		a := mustParse(t, buf.String())
		if got, _ := a.Get("password"); got != value {
			t.Fatalf("round trip %q → %q", value, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"protocol=https\nhost=example.com\n\n",
		"capability[]=authtype\nauthtype=Bearer\ncredential=t\nprotocol=https\nhost=h\n",
		"wwwauth[]=a\nwwwauth[]=\nwwwauth[]=b\r\n",
		"url=https://u:p@h/p\n", "garbage\n", "a=b\x00\n", "=\n", "[]=x\n", "\r\n", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := parseRequest(bytes.NewReader(data))
		if err != nil {
			return
		}
		var pairs []pair
		for k, v := range a.single {
			pairs = append(pairs, pair{Key: k, Value: v})
		}
		for k, vs := range a.multi {
			for _, v := range vs {
				pairs = append(pairs, pair{Key: k, Value: v, List: true})
			}
		}
		var buf bytes.Buffer
		if err := writeAnswer(&buf, pairs); err != nil {
			// Keys like "x[]" or values holding \r can be parsed but not written back.
			return
		}
		b, err := parseRequest(&buf)
		if err != nil {
			t.Fatalf("reparse of %q: %v", buf.String(), err)
		}
		for k, v := range a.single {
			if k == "url" {
				continue
			}
			if got, ok := b.Get(k); !ok || got != v {
				t.Fatalf("%s: %q → %q", k, v, got)
			}
		}
	})
}
