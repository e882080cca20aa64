package testscripts

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"github.com/rogpeppe/go-internal/testscript"
)

// Commands of the sandbox scripts (sandbox_*.txtar), which run the real bubblewrap:
//
//	need TOOL…               skip the script when a tool is not on PATH (fail it in CI)
//	need-landlock N          skip the script on a kernel without Landlock ABI N
//	wait-file PATH           wait (up to 60 s) until PATH exists
//	abstract-listen NAME     listen on the abstract Unix socket @NAME until the script ends
//	give-nobody PATH…        hand PATH (recursively) to uid/gid 65534, when running as root
//	pty-expect STEPS CMD…    run CMD on a terminal, following STEPS (expect REGEXP, send
//	                         "TEXT"); stdout is what the terminal showed, escapes removed
//
// (registered in commands_test.go).

// noBwrapPath, a setup, sets $NOBWRAP_PATH: $PATH without the directories that hold a
// bwrap.
func noBwrapPath(env *testscript.Env) error {
	var keep []string
	for _, dir := range filepath.SplitList(env.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "bwrap")); err != nil {
			keep = append(keep, dir)
		}
	}
	env.Setenv("NOBWRAP_PATH", strings.Join(keep, string(os.PathListSeparator)))
	return nil
}

// skipScript skips the running script, or fails it in CI when a tool is missing.
func skipScript(ts *testscript.TestScript, ciFails bool, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if ciFails && os.Getenv("CI") == "true" {
		ts.Fatalf("%s", msg)
	}
	t, ok := scriptTs.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("%s", msg)
	}
	t.(testscript.T).Skip(msg)
}

// need TOOL…: bwrap, npm… (scripts/test installs them)
func cmdNeed(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: need TOOL…")
	}
	for _, tool := range args {
		found := false
		for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
			if isExecutable(filepath.Join(dir, tool)) {
				found = true
				break
			}
		}
		if !found {
			skipScript(ts, true, "need: %s is not installed (scripts/test installs it)", tool)
		}
	}
}

// need-landlock N: Landlock ABI N is a property of the kernel, not a tool to install, so the
// script is skipped without it, in CI too.
func cmdNeedLandlock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: need-landlock N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	// landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
	v, _, e := syscall.Syscall(444, 0, 0, 1)
	if e != 0 || int(v) < want {
		skipScript(ts, false, "need-landlock: this kernel's Landlock ABI is below %d", want)
	}
}

// wait-file PATH
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: wait-file PATH")
	}
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("wait-file: %s did not appear within 60s", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// abstract-listen NAME: a listener on @NAME in this process's network namespace; every
// connection it accepts is answered "hello" and closed.
func cmdAbstractListen(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: abstract-listen NAME")
	}
	l, err := net.Listen("unix", "@"+args[0])
	ts.Check(err)
	ts.Defer(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hello\n"))
			c.Close()
		}
	}()
}

// give-nobody PATH…
func cmdGiveNobody(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: give-nobody PATH…")
	}
	if os.Geteuid() != 0 {
		return
	}
	for _, a := range args {
		ts.Check(filepath.Walk(ts.MkAbs(a), func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, 65534, 65534)
		}))
	}
}

// ptyTimeout bounds each step of pty-expect and the wait for CMD's exit after the last one.
const ptyTimeout = 90 * time.Second

// pty-expect STEPS CMD ARGS…
//
// Runs CMD (found on the script's PATH, with the script's environment) on a terminal of 120
// columns and 40 rows. STEPS is a file of lines "expect REGEXP" (wait until what the terminal
// showed since the last match matches) and "send "TEXT"" (type TEXT, a Go string literal:
// "\r" is Enter). After the last step CMD has ptyTimeout to exit, then it is killed. stdout
// is the whole transcript, escape sequences removed (a cursor move right counts as a space).
func cmdPtyExpect(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: pty-expect STEPS CMD [ARGS…]")
	}
	type step struct{ expect, send string }
	var steps []step
	for i, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		line = strings.TrimSpace(line)
		verb, arg, _ := strings.Cut(line, " ")
		switch verb {
		case "", "#":
		case "expect":
			if _, err := regexp.Compile(arg); err != nil {
				ts.Fatalf("pty-expect: %s:%d: %v", args[0], i+1, err)
			}
			steps = append(steps, step{expect: arg})
		case "send":
			text, err := strconv.Unquote(arg)
			if err != nil {
				ts.Fatalf("pty-expect: %s:%d: send wants a Go string literal", args[0], i+1)
			}
			steps = append(steps, step{send: text})
		default:
			ts.Fatalf("pty-expect: %s:%d: unknown step %q", args[0], i+1, verb)
		}
	}
	env := scriptEnv(ts)
	path := args[1]
	if !strings.Contains(path, "/") {
		for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
			if p := filepath.Join(dir, path); isExecutable(p) {
				path = p
				break
			}
		}
	}
	cmd := exec.Command(path, args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = env
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	ts.Check(err)
	defer ptmx.Close()
	var (
		mu  sync.Mutex
		raw bytes.Buffer
	)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			raw.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	// exited closes once the command has exited and what it wrote has been read: a process
	// can exit before the reader has seen its last output.
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		select {
		case <-drained:
		case <-time.After(2 * time.Second):
		}
		close(exited)
	}()
	screen := func() string {
		mu.Lock()
		defer mu.Unlock()
		return stripTerminal(raw.String())
	}
	fail := func(format string, a ...any) {
		cmd.Process.Kill()
		ts.Logf("terminal:\n%s", screen())
		ts.Fatalf(format, a...)
	}
	pos := 0
	for _, st := range steps {
		if st.send != "" {
			_, err := ptmx.Write([]byte(st.send))
			ts.Check(err)
			continue
		}
		re := regexp.MustCompile(st.expect)
		deadline := time.Now().Add(ptyTimeout)
		for {
			text := screen()
			if loc := re.FindStringIndex(text[min(pos, len(text)):]); loc != nil {
				pos += loc[1]
				break
			}
			select {
			case <-exited:
				if loc := re.FindStringIndex(screen()[min(pos, len(screen())):]); loc != nil {
					continue // the last output arrived with the exit
				}
				fail("pty-expect: %s exited while waiting for %q", args[1], st.expect)
			default:
			}
			if time.Now().After(deadline) {
				fail("pty-expect: timed out waiting for %q", st.expect)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	select {
	case <-exited:
	case <-time.After(ptyTimeout):
		fail("pty-expect: %s did not exit after the last step", args[1])
	}
	fmt.Fprint(ts.Stdout(), screen())
}

// stripTerminal removes escape sequences from what a terminal program wrote; a cursor move to
// the right, which full-screen programs use for spaces, becomes one space.
func stripTerminal(s string) string {
	s = regexp.MustCompile(`\x1b\[[0-9]*C`).ReplaceAllString(s, " ")
	s = ansi.ReplaceAllString(s, "")
	return strings.ReplaceAll(s, "\r", "")
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
