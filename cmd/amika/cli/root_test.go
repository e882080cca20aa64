package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A run that calls a leaf's RunE directly prints, and exits with, exactly what the same run
// through cobra's Execute does: output, errors, help and exit status, for the hot forms and
// for every way of getting them wrong.
func TestDirectLeafRunsAsCobra(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AMIKA_STORE", "file")
	for _, name := range []string{"XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "CLAUDE_CONFIG_DIR", "CODEX_HOME", "DBUS_SESSION_BUS_ADDRESS"} {
		t.Setenv(name, "")
	}
	if err := os.WriteFile(filepath.Join(home, ".claude.json.api"), []byte(`{"primaryApiKey":"sk-ant-api03-direct"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(home, ".codex"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".codex", "auth.json"), []byte(`{"OPENAI_API_KEY":"sk-proj-direct"`), 0o600); err != nil {
		t.Fatal(err) // malformed on purpose: a warning on stderr
	}
	gitStore := "protocol=https\nhost=example.com\nusername=u\npassword=p\n\n"
	gitGet := "protocol=https\nhost=example.com\n\n"
	if code, _, stderr := capture(t, gitStore, []string{"credential", "store"}, true); code != 0 {
		t.Fatalf("credential store: exit %d: %s", code, stderr)
	}

	for _, tc := range []struct {
		args   []string
		stdin  string
		direct bool // taken without cobra's Execute
	}{
		{[]string{"credential", "get"}, gitGet, true},
		{[]string{"credential", "get"}, "protocol=https\nhost=other.example\n\n", true},
		{[]string{"credential", "get"}, "not a line\n", true},
		{[]string{"credential", "get", "openai"}, "", true},
		{[]string{"credential", "get", "anthropic"}, "", true},
		{[]string{"credential", "get", "--no-oauth", "--homedir", home, "anthropic"}, "", true},
		{[]string{"credential", "get", "--homedir=" + home, "anthropic"}, "", true},
		{[]string{"credential", "erase", "x"}, "", true},
		{[]string{"credential", "bogus"}, "", true},
		{[]string{"credential"}, "", false},
		{[]string{"credential", "get", "a", "b"}, "", false},
		{[]string{"credential", "-h"}, "", false},
		{[]string{"credential", "get", "--help"}, "", false},
		{[]string{"credential", "get", "--bogus"}, "", false},
		{[]string{"credential", "get", "--homedir"}, "", false},
		{[]string{"auth", "extract"}, "", true},
		{[]string{"auth", "extract", "--export", "--format", "fish"}, "", true},
		{[]string{"auth", "extract", "--format=json", "--no-oauth"}, "", true},
		{[]string{"auth", "extract", "--format", "bogus"}, "", true},
		{[]string{"auth", "extract", "extra"}, "", false},
		{[]string{"auth", "extract", "-x"}, "", false},
		{[]string{"auth", "extract", "--version"}, "", false},
		{[]string{"auth", "--homedir", home, "extract"}, "", false},
		{[]string{"auth"}, "", false},
		{[]string{"auth", "bogus"}, "", false},
		{[]string{"auth", "sources"}, "", true},
		{[]string{"init", "bash", "--refresh-id", "0123abcd", "--slot", "0"}, "", true},
		{[]string{"init", "fish", "--refresh-id", "0123abcd", "--slot", "1", "--no-oauth", "anthropic"}, "", true},
		{[]string{"init", "bash", "--refresh-id", "zz", "--slot", "0"}, "", true},
		{[]string{"init", "bash", "--refresh-id", "0123abcd", "--slot", "2"}, "", true},
		{[]string{"init", "bash", "--refresh-id", "0123abcd", "--slot", "x"}, "", false},
		{[]string{"init", "bash"}, "", true},
		{[]string{"init", "zsh", "--no-completion"}, "", true},
		{[]string{"init", "fish", "--lazy"}, "", true},
		{[]string{"init", "bash", "--lazy", "anthropic"}, "", true},
		{[]string{"init", "tcsh"}, "", true},
		{[]string{"init"}, "", false},
		{[]string{"init", "--help"}, "", false},
		{[]string{"secret", "get", "NOPE"}, "", true},
		{[]string{"secret", "list"}, "", true},
		{[]string{"secret"}, "", false},
		{[]string{"--version"}, "", false},
		{[]string{"help", "init"}, "", false},
		{[]string{"completion", "bash"}, "", false},
		{[]string{"bogus"}, "", false},
		{nil, "", false},
	} {
		name := strings.Join(tc.args, " ")
		only := ""
		if len(tc.args) > 0 {
			only = tc.args[0]
		}
		if cmd, _ := leaf(newRoot(only), tc.args); (cmd != nil) != tc.direct {
			t.Errorf("%q: direct = %v, want %v", name, cmd != nil, tc.direct)
		}
		code, stdout, stderr := capture(t, tc.stdin, tc.args, true)
		wantCode, wantStdout, wantStderr := capture(t, tc.stdin, tc.args, false)
		if code != wantCode || stdout != wantStdout || stderr != wantStderr {
			t.Errorf("%q: direct run differs from cobra's:\nexit %d, want %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s\nwant:\n%s", name, code, wantCode, stdout, wantStdout, stderr, wantStderr)
		}
	}
}

// hookID is the random id each init prints; two runs differ only there.
var hookID = regexp.MustCompile(`\b[0-9a-f]{16}\b`)

// capture runs amika with args and stdin, directly or through cobra, and returns its exit
// status and output.
func capture(t *testing.T, stdin string, args []string, direct bool) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	files := make([]*os.File, 3)
	for i, name := range []string{"stdin", "stdout", "stderr"} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files[i] = f
	}
	if _, err := files[0].WriteString(stdin); err != nil {
		t.Fatal(err)
	}
	if _, err := files[0].Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	saved := []*os.File{os.Stdin, os.Stdout, os.Stderr}
	os.Stdin, os.Stdout, os.Stderr = files[0], files[1], files[2]
	code := runArgs(args, direct)
	os.Stdin, os.Stdout, os.Stderr = saved[0], saved[1], saved[2]
	out := make([]string, 2)
	for i, name := range []string{"stdout", "stderr"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = hookID.ReplaceAllString(string(b), "ID")
	}
	return code, out[0], out[1]
}
