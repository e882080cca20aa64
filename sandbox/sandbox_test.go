package sandbox

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"a", "fix-login", "A_1.b", strings.Repeat("x", 64)} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "-a", ".a", "a/b", "a b", "a..b", "a.", "a.lock", strings.Repeat("x", 65), "é", "a\nb"} {
		if err := ValidateName(bad); err == nil {
			t.Errorf("ValidateName(%q) = nil, want an error", bad)
		}
	}
}

func TestCommandMounts(t *testing.T) {
	d := t.TempDir()
	d, _ = filepath.EvalSymlinks(d)
	home := filepath.Join(d, "home")
	// an npm global prefix: bin/x -> ../lib/node_modules/pkg/bin/x.js, a node script
	nm := filepath.Join(home, ".npm-global", "lib", "node_modules")
	mkexec(t, filepath.Join(nm, "pkg", "bin", "x.js"), "#!/usr/bin/env -S node --no-warnings\n")
	mkdir(t, filepath.Join(home, ".npm-global", "bin"))
	must(t, os.Symlink("../lib/node_modules/pkg/bin/x.js", filepath.Join(home, ".npm-global", "bin", "x")))
	// node from a prefix, with its global node_modules
	nodePrefix := filepath.Join(home, ".nvm", "versions", "node", "v20")
	mkexec(t, filepath.Join(nodePrefix, "bin", "node"), "\x7fELF")
	mkdir(t, filepath.Join(nodePrefix, "lib", "node_modules"))
	// a venv
	venv := filepath.Join(d, "venv")
	mkfile(t, filepath.Join(venv, "pyvenv.cfg"), "home = /usr/bin\n")
	mkexec(t, filepath.Join(venv, "bin", "tool"), "#!"+filepath.Join(venv, "bin", "python")+"\n")
	must(t, os.Symlink("/usr/bin/python3", filepath.Join(venv, "bin", "python")))
	// a lone binary in ~/.local/bin, and a script in the workspace
	mkexec(t, filepath.Join(home, ".local", "bin", "lone"), "\x7fELF")
	ws := filepath.Join(d, "ws")
	mkexec(t, filepath.Join(ws, "run.sh"), "#!"+filepath.Join(home, ".local", "bin", "lone")+"\n")
	must(t, os.Symlink(filepath.Join(home, ".local", "bin", "lone"), filepath.Join(ws, "out")))

	pathEnv := strings.Join([]string{filepath.Join(nodePrefix, "bin"), filepath.Join(home, ".npm-global", "bin"), filepath.Join(home, ".local", "bin"), "/usr/bin", "/bin"}, ":")
	hidden := []string{home, filepath.Join(home, ".local", "share", "amika")}
	cases := []struct {
		cmd  string
		want []Mount
	}{
		{"x", []Mount{
			{BindRO, nm, nm},
			{Symlink, "../lib/node_modules/pkg/bin/x.js", filepath.Join(home, ".npm-global", "bin", "x")},
			{BindRO, filepath.Join(nodePrefix, "bin", "node"), filepath.Join(nodePrefix, "bin", "node")},
			{BindRO, filepath.Join(nodePrefix, "lib", "node_modules"), filepath.Join(nodePrefix, "lib", "node_modules")},
		}},
		{filepath.Join(venv, "bin", "tool"), []Mount{
			{BindRO, venv, venv},
		}},
		{"lone", []Mount{
			{BindRO, filepath.Join(home, ".local", "bin", "lone"), filepath.Join(home, ".local", "bin", "lone")},
		}},
		{"sh", nil},
		// in the workspace: visible already, and its #! line binds nothing
		{filepath.Join(ws, "run.sh"), nil},
	}
	for _, c := range cases {
		_, got, err := commandMounts(c.cmd, pathEnv, ws, hidden, []string{ws})
		if err != nil {
			t.Errorf("%s: %v", c.cmd, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: mounts\n%v\nwant\n%v", c.cmd, got, c.want)
		}
	}
	if _, _, err := commandMounts(filepath.Join(ws, "out"), pathEnv, ws, hidden, []string{ws}); err == nil || !strings.Contains(err.Error(), "leads out of it") {
		t.Errorf("a symlink from the workspace to the home: err = %v", err)
	}
	if _, _, err := commandMounts("no-such-tool", pathEnv, ws, hidden, nil); err == nil {
		t.Error("a missing command was found")
	}
	// a relative PATH entry is never searched
	if _, _, err := commandMounts("run.sh", ".:"+ws[:0], ws, hidden, nil); err == nil {
		t.Error("found through a relative PATH entry")
	}
	// a node_modules that holds a hidden directory is not bound whole
	c := commandResolver{hidden: []string{filepath.Join(d, "node_modules", "x", ".amika")}}
	if got := c.installation(filepath.Join(d, "node_modules", "x", "bin", "y")); !reflect.DeepEqual(got, []string{filepath.Join(d, "node_modules", "x", "bin", "y")}) {
		t.Errorf("installation over a hidden directory = %v", got)
	}
}

func TestLoginOfIsCanonical(t *testing.T) {
	a, err := loginOf([]byte(`{"claudeAiOauth":{"accessToken":"sk-ant-oat01-a","expiresAt":1767225600000,"refreshToken":"r"}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := loginOf([]byte(" {\"refreshToken\" : \"r\",\n \"expiresAt\": 1767225600000, \"accessToken\":\"sk-ant-oat01-a\"}"))
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("the same login in two spellings: %s != %s", a, b)
	}
	if !strings.Contains(a, "1767225600000") {
		t.Errorf("a number was rewritten: %s", a)
	}
	for _, bad := range []string{``, `[]`, `{"claudeAiOauth":[]}`, `{"claudeAiOauth":{"refreshToken":"r"}}`, `{"accessToken":""}`} {
		if _, err := loginOf([]byte(bad)); err == nil {
			t.Errorf("loginOf(%q) = nil error", bad)
		}
	}
	doc, err := withLogin([]byte(`{"mcpOAuth":{"x":1},"claudeAiOauth":{"accessToken":"old"}}`), a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), `"mcpOAuth":{"x":1}`) || !strings.Contains(string(doc), "sk-ant-oat01-a") || strings.Contains(string(doc), "old") {
		t.Errorf("withLogin = %s", doc)
	}
}

// The host reads and writes a sandbox's home, which the sandbox wrote: a symlink in it never
// takes amika to the user's files.
func TestHomeFilesStayInTheHome(t *testing.T) {
	d := t.TempDir()
	user := filepath.Join(d, "user")
	mkfile(t, filepath.Join(user, ".claude", ".credentials.json"), "the user's own")
	home := filepath.Join(d, "sandbox-home")
	mkdir(t, home)
	must(t, os.Symlink(filepath.Join(user, ".claude"), filepath.Join(home, ".claude")))           // absolute, out
	must(t, os.Symlink("../user", filepath.Join(home, "rel")))                                    // relative, out
	must(t, os.Symlink(filepath.Join(user, ".claude.json"), filepath.Join(home, ".claude.json"))) // the file itself
	h, err := openHome(home)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if _, err := h.read(".claude/.credentials.json", 1<<20); err == nil {
		t.Error("read through a symlink out of the home")
	}
	if _, err := h.read("rel/.claude/.credentials.json", 1<<20); err == nil {
		t.Error("read through a relative symlink out of the home")
	}
	must(t, h.write(".claude/.credentials.json", []byte("the sandbox's")))
	must(t, h.write(".claude.json", []byte("{}")))
	must(t, h.dir("rel/x"))
	must(t, h.file("rel/y/z"))
	must(t, h.symlink("rel/l", "/usr/bin/true"))
	if data, _ := os.ReadFile(filepath.Join(user, ".claude", ".credentials.json")); string(data) != "the user's own" {
		t.Errorf("the user's file now holds %q", data)
	}
	entries, _ := os.ReadDir(user)
	if len(entries) != 1 {
		t.Errorf("the user's directory holds %d entries, want 1 (.claude)", len(entries))
	}
	if fi, err := os.Lstat(filepath.Join(home, ".claude")); err != nil || !fi.IsDir() {
		t.Errorf(".claude in the home is not a real directory now: %v", err)
	}
	if data, err := h.read(".claude/.credentials.json", 1<<20); err != nil || string(data) != "the sandbox's" {
		t.Errorf("read back %q, %v", data, err)
	}
	fi, err := os.Stat(filepath.Join(home, ".claude", ".credentials.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials mode %v, %v", fi.Mode(), err)
	}
}

func TestMountpointsAreMadeInTheHome(t *testing.T) {
	d := t.TempDir()
	hostHome := filepath.Join(d, "user")
	mkexec(t, filepath.Join(hostHome, ".local", "share", "tool", "v1"), "#!/bin/sh\n")
	mkdir(t, filepath.Join(hostHome, "src", "proj", ".git", "objects"))
	sbx := filepath.Join(d, "sbx")
	mkdir(t, sbx)
	must(t, os.Symlink(filepath.Join(hostHome, ".local"), filepath.Join(sbx, ".local"))) // planted
	h, err := openHome(sbx)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	tool := filepath.Join(hostHome, ".local", "share", "tool", "v1")
	git := filepath.Join(hostHome, "src", "proj", ".git")
	in := []Mount{
		{BindRO, "/usr", "/usr"},
		{BindRW, sbx, hostHome},
		{BindRO, git, git},
		{BindRW, filepath.Join(git, "objects"), filepath.Join(git, "objects")},
		{BindRO, tool, tool},
		{Symlink, "../share/tool/v1", filepath.Join(hostHome, ".local", "bin", "tool")},
	}
	got, err := mountpoints(append([]Mount(nil), in...), hostHome, h)
	if err != nil {
		t.Fatal(err)
	}
	if want := in[:5]; !reflect.DeepEqual(got, want) {
		t.Errorf("mounts\n%v\nwant\n%v", got, want)
	}
	if to, err := os.Readlink(filepath.Join(sbx, ".local", "bin", "tool")); err != nil || to != "../share/tool/v1" {
		t.Errorf("symlink in the home: %q, %v", to, err)
	}
	if fi, err := os.Lstat(filepath.Join(sbx, ".local")); err != nil || !fi.IsDir() {
		t.Error("the planted .local symlink is still there")
	}
	if fi, err := os.Stat(filepath.Join(sbx, ".local", "share", "tool", "v1")); err != nil || fi.Size() != 0 {
		t.Errorf("the mountpoint of a file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(sbx, "src", "proj", ".git", "objects")); err == nil {
		t.Error("a mountpoint made inside another bind's target")
	}
	if _, err := os.Stat(filepath.Join(hostHome, ".local", "bin")); err == nil {
		t.Error("made something in the user's home")
	}
}

// docs/sandbox.md lists what is visible inside; it must name every entry of the lists here.
func TestLayoutIsDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "sandbox.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range systemDirs {
		if !strings.Contains(string(doc), "`"+d+"`") {
			t.Errorf("docs/sandbox.md does not name the system directory %s", d)
		}
	}
	for _, list := range [][]string{envPassed[:], envIdentity[:], identityVars[:]} {
		for _, v := range list {
			if !strings.Contains(string(doc), v) {
				t.Errorf("docs/sandbox.md does not name the variable %s", v)
			}
		}
	}
}

// docs/sandbox.md names only documents that exist, and its examples never put a secret in
// argv (--value: other processes can read it).
func TestDocReferences(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "docs", "sandbox.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, f := range strings.FieldsFunc(doc, func(r rune) bool { return strings.ContainsRune(" \n\t()[]`,;:", r) }) {
		f = strings.TrimRight(f, ".")
		if !strings.HasSuffix(f, ".md") || strings.Contains(f, "://") {
			continue
		}
		if !isFile(filepath.Join("..", "docs", f)) && !isFile(filepath.Join("..", f)) {
			t.Errorf("docs/sandbox.md names %s, which does not exist", f)
		}
	}
	parts := strings.Split(doc, "```")
	for i := 1; i < len(parts); i += 2 { // the code blocks
		if block := parts[i]; strings.Contains(block, "--value") {
			t.Errorf("docs/sandbox.md: an example puts a value in argv: %q", block)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, dir string) { t.Helper(); must(t, os.MkdirAll(dir, 0o755)) }

func mkfile(t *testing.T, path, content string) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	must(t, os.WriteFile(path, []byte(content), 0o644))
}

func mkexec(t *testing.T, path, content string) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	must(t, os.WriteFile(path, []byte(content), 0o755))
}
