package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/amika-dev/amika/store"
)

// fakeStreams are streams over strings; tty says whether they pass for a terminal.
func fakeStreams(in string, tty bool) (*ioStreams, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	s := &ioStreams{In: strings.NewReader(in), Out: &out, ErrOut: &errOut, tty: -1}
	if tty {
		s.tty = 1
	}
	return s, &out, &errOut
}

// testStore gives the test a file store of its own under a fresh home, holding secrets.
func testStore(t *testing.T, secrets ...store.Secret) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AMIKA_STORE", "file")
	for _, name := range []string{"XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "AMIKA_TEAM_STORES"} {
		t.Setenv(name, "")
	}
	saved := stores
	stores = &store.Opener{}
	t.Cleanup(func() { stores = saved })
	if len(secrets) > 0 {
		st, err := stores.Open()
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Set(secrets...); err != nil {
			t.Fatal(err)
		}
	}
}

func stored(t *testing.T, name string) bool {
	t.Helper()
	st, err := stores.Open()
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.Get(name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func deleteOptions(s *ioStreams, yes bool) *secretDeleteOptions {
	return &secretDeleteOptions{io: s, yes: yes, scope: scopeFlag{"user"}, names: []string{"DEPLOY_TOKEN"}}
}

var token = store.Secret{Name: "DEPLOY_TOKEN", Value: "tok-never-shown"}

// Without a terminal a command that asks first refuses, as a usage error naming --yes,
// before it touches anything or reads standard input (which may be data for another
// program).
func TestPromptRefusesWithoutTerminal(t *testing.T) {
	testStore(t, token)
	s, _, errOut := fakeStreams("y\n", false)
	err := runSecretDelete(deleteOptions(s, false))
	var usage usageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), "secret delete: standard input is not a terminal") || !strings.HasSuffix(err.Error(), "pass --yes") {
		t.Fatalf("err = %v, want a usage error naming --yes", err)
	}
	if !stored(t, "DEPLOY_TOKEN") {
		t.Fatal("deleted without confirmation")
	}
	if rest, _ := s.In.(*strings.Reader); rest.Len() != 2 || errOut.Len() != 0 {
		t.Fatalf("read %d bytes of standard input, wrote %q", 2-rest.Len(), errOut)
	}
}

// --yes needs no terminal and asks nothing.
func TestPromptYes(t *testing.T) {
	testStore(t, token)
	s, _, errOut := fakeStreams("", false)
	if err := runSecretDelete(deleteOptions(s, true)); err != nil {
		t.Fatal(err)
	}
	if stored(t, "DEPLOY_TOKEN") {
		t.Fatal("not deleted")
	}
	if got := errOut.String(); got != "amika: deleted DEPLOY_TOKEN from the file store (~/.local/share/amika/keychain.json)\n" {
		t.Fatalf("stderr = %q", got)
	}
}

// On a terminal only y or yes goes on; anything else changes nothing.
func TestPromptConfirms(t *testing.T) {
	for _, tc := range []struct {
		answer  string
		deleted bool
	}{{"y\n", true}, {" YES \r\n", true}, {"n\n", false}, {"\n", false}, {"", false}, {"yess\n", false}} {
		testStore(t, token)
		s, _, errOut := fakeStreams(tc.answer, true)
		err := runSecretDelete(deleteOptions(s, false))
		if !strings.Contains(errOut.String(), "Delete DEPLOY_TOKEN from the file store (~/.local/share/amika/keychain.json)? [y/N] ") {
			t.Errorf("%q: stderr = %q, want the question", tc.answer, errOut)
		}
		if tc.deleted && err != nil || !tc.deleted && (err == nil || err.Error() != "secret delete: not confirmed; nothing changed") {
			t.Errorf("%q: err = %v", tc.answer, err)
		}
		if stored(t, "DEPLOY_TOKEN") == tc.deleted {
			t.Errorf("%q: deleted = %v, want %v", tc.answer, !tc.deleted, tc.deleted)
		}
	}
}

// Choosing takes a number from 1 to n; empty cancels; without a terminal it refuses.
func TestPromptChoose(t *testing.T) {
	for _, tc := range []struct {
		in    string
		tty   bool
		want  int
		err   string
		usage bool
	}{
		{"2\n", true, 1, "", false},
		{"\n", true, 0, "x: cancelled; nothing stored", false},
		{"3\n", true, 0, "x: the answer is not a number from 1 to 2; nothing stored", true},
		{"two\n", true, 0, "x: the answer is not a number from 1 to 2; nothing stored", true},
		{"1\n", false, 0, "x: found 2 credentials, and standard input is not a terminal to choose on; pass --yes", true},
	} {
		s, _, _ := fakeStreams(tc.in, tc.tty)
		got, err := s.Choose("x", 2, "pass --yes")
		var usage usageError
		if got != tc.want || tc.err == "" && err != nil || tc.err != "" && (err == nil || err.Error() != tc.err || errors.As(err, &usage) != tc.usage) {
			t.Errorf("%q tty=%v: %d, %v; want %d, %q (usage %v)", tc.in, tc.tty, got, err, tc.want, tc.err, tc.usage)
		}
	}
}

// secret push without a terminal takes its value from standard input whole, one trailing
// newline dropped, and never shows it.
func TestSecretPushStdin(t *testing.T) {
	testStore(t)
	s, out, errOut := fakeStreams("line one\nline two\n", false)
	opts := &secretPushOptions{io: s, stdin: "NOTES", yes: true, scope: scopeFlag{"user"}}
	if err := runSecretPush(opts); err != nil {
		t.Fatal(err)
	}
	st, _ := stores.Open()
	if v, err := st.Value("NOTES"); err != nil || v != "line one\nline two" {
		t.Fatalf("stored %q, %v", v, err)
	}
	if strings.Contains(out.String()+errOut.String(), "line") {
		t.Fatalf("the value shows: %q %q", out, errOut)
	}
}
