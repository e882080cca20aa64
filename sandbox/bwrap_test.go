//go:build linux

package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/creack/pty"
)

// The test binary doubles as the programs these tests run, chosen by SANDBOX_TEST_HELPER.
func TestMain(m *testing.M) {
	switch os.Getenv("SANDBOX_TEST_HELPER") {
	case "":
		os.Exit(m.Run())
	case "tiocsti":
		os.Exit(tiocstiHelper())
	case "session":
		os.Exit(sessionHelper())
	}
	os.Exit(2)
}

// tiocstiHelper pushes a character into its terminal's input, as a process escaping its
// sandbox would type a command into the caller's shell.
func tiocstiHelper() int {
	c := byte('x')
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, 0, syscall.TIOCSTI, uintptr(unsafe.Pointer(&c))); errno != 0 {
		fmt.Printf("refused: %v\n", errno)
		return 3
	}
	fmt.Println("injected")
	return 0
}

// sessionHelper leads a session whose controlling terminal is its stdin, a pty, like a
// user's shell: it runs tiocstiHelper outside a sandbox, then inside one.
func sessionHelper() int {
	self, _ := os.Executable()
	outside := exec.Command(self)
	outside.Env = []string{"SANDBOX_TEST_HELPER=tiocsti"}
	outside.Stdin, outside.Stdout = os.Stdin, os.Stdout
	outside.Run()

	home, _ := os.MkdirTemp("", "sandbox-test-home")
	defer os.RemoveAll(home)
	mounts := append(layout(view{home: home}), Mount{Kind: ReadOnly, Src: self, Dst: self})
	p, err := (&Bubblewrap{}).Start(&Spec{
		Mounts: mounts, Env: []string{"SANDBOX_TEST_HELPER=tiocsti"}, Dir: home, Argv: []string{self},
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
	})
	if err != nil {
		fmt.Println("start:", err)
		return 1
	}
	status, err := p.Wait()
	fmt.Printf("inside: status %d %v\n", status, err)
	return 0
}

func needBwrap(t *testing.T) {
	t.Helper()
	if err := (&Bubblewrap{}).Check(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("bubblewrap: %v (CI runs the real bubblewrap)", err)
		}
		t.Skip("bubblewrap:", err)
	}
}

// A command in a sandbox shares the caller's terminal but cannot type into it.
func TestNoTypingIntoTheTerminal(t *testing.T) {
	needBwrap(t)
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	go func() { // drain the echo, so nothing blocks on a full terminal
		buf := make([]byte, 4096)
		for {
			if _, err := master.Read(buf); err != nil {
				return
			}
		}
	}()
	self, _ := os.Executable()
	var out bytes.Buffer
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), "SANDBOX_TEST_HELPER=session")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("session: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("session: still running after 30s\n%s", out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || lines[0] != "injected" || lines[1] != "refused: operation not permitted" || lines[2] != "inside: status 3 <nil>" {
		t.Fatalf("want TIOCSTI to work outside (the control) and be refused inside; got:\n%s", out.String())
	}
}

// CMD installed by npm under a directory of the user's: the bin symlink is recreated and the
// whole node_modules bound read-only, so its dependencies come along.
func TestCommandInstalledByNpm(t *testing.T) {
	root := t.TempDir()
	nm := filepath.Join(root, "prefix", "lib", "node_modules")
	pkgBin := filepath.Join(nm, "@scope", "tool", "bin")
	binDir := filepath.Join(root, "prefix", "bin")
	for _, d := range []string{pkgBin, binDir, filepath.Join(nm, "dep")} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(pkgBin, "tool.js"), []byte("#!/usr/bin/env node\n"), 0o755)
	os.Symlink("../lib/node_modules/@scope/tool/bin/tool.js", filepath.Join(binDir, "tool"))
	real, _ := filepath.EvalSymlinks(root)
	base := layout(view{home: t.TempDir()})

	inside, added, err := command("tool", binDir+":/usr/bin", "/", base)
	if err != nil {
		t.Fatal(err)
	}
	if inside != "tool" {
		t.Errorf("inside = %q, want the name as typed", inside)
	}
	want := []Mount{
		{Kind: Symlink, Src: "../lib/node_modules/@scope/tool/bin/tool.js", Dst: filepath.Join(real, "prefix", "bin", "tool")},
		{Kind: ReadOnly, Src: filepath.Join(real, "prefix", "lib", "node_modules"), Dst: filepath.Join(real, "prefix", "lib", "node_modules")},
	}
	if len(added) < 2 || added[0].Kind != want[0].Kind || added[0].Src != want[0].Src || added[0].Dst != want[0].Dst ||
		added[1].Kind != want[1].Kind || added[1].Src != want[1].Src {
		t.Fatalf("mounts = %+v, want %+v first", added, want)
	}

	// A program in a system directory needs nothing more.
	if _, added, err := command("sh", "/usr/bin:/bin", "/", base); err != nil || len(added) != 0 {
		t.Fatalf("sh: %v, %+v", err, added)
	}
	if _, _, err := command("no-such-tool-here", binDir, "/", base); err == nil || err.Error() != "no-such-tool-here: not found on PATH" {
		t.Fatalf("missing: %v", err)
	}
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"a", "work", "Work-2", "a_b", strings.Repeat("x", 63)} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-a", "_a", "a b", "a/b", "a..b", "a.lock", "..", strings.Repeat("x", 64), "é"} {
		if err := ValidateName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		} else if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("%q: the error quotes the name: %v", bad, err)
		}
	}
}
