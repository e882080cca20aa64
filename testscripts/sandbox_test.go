package testscripts

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creack/pty"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/amika-dev/amika/sandbox"
)

// Sandboxes run in real bubblewrap.
//
//	bwrap-ready          bubblewrap can start a sandbox here; otherwise the script is skipped,
//	                     and in CI (CI=true) it fails
//	chown-nobody PATH…   as root, gives PATH and everything in it to uid/gid 65534 (for
//	                     `unprivileged amika`); otherwise does nothing
//	abstract-socket start
//	                     listen on an abstract Unix socket (an X server's, a D-Bus bus's kind);
//	                     its address, unix:abstract=NAME, in $ABSTRACT_SOCKET
//	abstract-socket connections N
//	                     assert that N connections reached it
//	tty-session SCRIPT CMD ARGS…
//	                     run CMD in a terminal (a pty, 50×120) driven by SCRIPT; the
//	                     transcript, escapes removed, on stdout
func init() {
	commands["abstract-socket"] = cmdAbstractSocket
	commands["tty-session"] = cmdTTYSession
	commands["bwrap-ready"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 0 {
			ts.Fatalf("usage: bwrap-ready")
		}
		err := (&sandbox.Bubblewrap{}).Check()
		if err == nil {
			return
		}
		if os.Getenv("CI") == "true" {
			ts.Fatalf("bubblewrap: %v (CI runs the real bubblewrap)", err)
		}
		t, ok := scriptTs.Load(ts.Getenv("WORK"))
		if !ok {
			ts.Fatalf("bubblewrap: %v", err)
		}
		t.(testscript.T).Skip("bubblewrap: " + err.Error())
	}
	commands["chown-nobody"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) == 0 {
			ts.Fatalf("usage: chown-nobody PATH…")
		}
		if os.Geteuid() != 0 {
			return
		}
		for _, p := range args {
			ts.Check(filepath.WalkDir(ts.MkAbs(p), func(path string, _ fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				return os.Lchown(path, 65534, 65534)
			}))
		}
	}
}

var abstractSockets sync.Map // *testscript.TestScript → *atomic.Int64

func cmdAbstractSocket(ts *testscript.TestScript, neg bool, args []string) {
	switch {
	case !neg && len(args) == 1 && args[0] == "start":
		name := fmt.Sprintf("amika-test-%d-%d", os.Getpid(), time.Now().UnixNano())
		l, err := net.Listen("unix", "@"+name)
		ts.Check(err)
		count := new(atomic.Int64)
		abstractSockets.Store(ts, count)
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				count.Add(1)
				c.Close()
			}
		}()
		ts.Defer(func() { l.Close(); abstractSockets.Delete(ts) })
		ts.Setenv("ABSTRACT_SOCKET", "unix:abstract="+name)
	case !neg && len(args) == 2 && args[0] == "connections":
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		v, ok := abstractSockets.Load(ts)
		if !ok {
			ts.Fatalf("abstract-socket: not started")
		}
		// A connection is counted once accepted: give the listener a moment.
		deadline := time.Now().Add(2 * time.Second)
		for v.(*atomic.Int64).Load() < int64(want) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := v.(*atomic.Int64).Load(); got != int64(want) {
			ts.Fatalf("abstract-socket: %d connection(s), want %d", got, want)
		}
	default:
		ts.Fatalf("usage: abstract-socket start | abstract-socket connections N")
	}
}

var cursorForward = regexp.MustCompile(`\x1b\[[0-9]*C`)

// ttyTimeout bounds each expect of a tty-session.
const ttyTimeout = 90 * time.Second

// tty-session SCRIPT CMD ARGS…
//
// Runs CMD in a pty, as a person at a terminal would (TERM=xterm-256color), following
// SCRIPT line by line: "expect TEXT" waits until TEXT shows on the screen after what the
// previous expect found (escapes and all white space left out of both, as full-screen
// programs move the cursor instead of writing spaces), "send TEXT" types TEXT (Go escapes:
// \r is Enter, \x03 Ctrl-C). Then CMD gets 20 seconds to end before it is killed. The
// transcript goes to stdout; an expect that times out fails the script with it.
func cmdTTYSession(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: tty-session SCRIPT CMD ARGS…")
	}
	script, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	path := args[1]
	if !strings.Contains(path, "/") {
		for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
			if fi, err := os.Stat(filepath.Join(dir, path)); err == nil && fi.Mode()&0o111 != 0 {
				path = filepath.Join(dir, path)
				break
			}
		}
	}
	cmd := exec.Command(path, args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = append(scriptEnv(ts), "TERM=xterm-256color")
	// scriptEnv passes what it knows of; add what the mock API and the clients set.
	for _, name := range []string{"MOCK_URL", "MOCK_ADDR", "CLIENTS_BIN", "ANTHROPIC_BASE_URL", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
		"DISABLE_AUTOUPDATER", "DISABLE_TELEMETRY", "DISABLE_ERROR_REPORTING", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy"} {
		if v := ts.Getenv(name); v != "" {
			cmd.Env = append(cmd.Env, name+"="+v)
		}
	}
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 120})
	ts.Check(err)
	defer ptmx.Close()
	var (
		mu  sync.Mutex
		out bytes.Buffer
	)
	ended := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				close(ended)
				return
			}
		}
	}()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	screen := func() string {
		mu.Lock()
		defer mu.Unlock()
		// The cursor moved forward stands for the spaces it skips.
		text := cursorForward.ReplaceAllStringFunc(out.String(), func(esc string) string {
			n, err := strconv.Atoi(esc[2 : len(esc)-1])
			if err != nil {
				n = 1
			}
			return strings.Repeat(" ", min(n, 200))
		})
		return ansi.ReplaceAllString(text, "")
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	pos := 0
	for _, line := range strings.Split(strings.TrimSpace(string(script)), "\n") {
		verb, text, _ := strings.Cut(line, " ")
		switch verb {
		case "expect":
			want := squash(text)
			deadline := time.Now().Add(ttyTimeout)
			for {
				seen := squash(screen())
				if i := strings.Index(seen[min(pos, len(seen)):], want); i >= 0 {
					pos += i + len(want)
					break
				}
				select {
				case <-exited:
					ts.Logf("transcript:\n%s", screen())
					ts.Fatalf("tty-session: %s ended before showing %q", args[1], text)
				default:
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					ts.Logf("transcript:\n%s", screen())
					ts.Fatalf("tty-session: %q did not show within %v", text, ttyTimeout)
				}
				time.Sleep(20 * time.Millisecond)
			}
		case "send":
			typed, err := strconv.Unquote(`"` + text + `"`)
			ts.Check(err)
			_, err = ptmx.Write([]byte(typed))
			ts.Check(err)
		case "sleep":
			d, err := time.ParseDuration(text)
			ts.Check(err)
			time.Sleep(d)
		case "", "#":
		default:
			ts.Fatalf("tty-session: %s: want expect, send or sleep", line)
		}
	}
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-exited
	}
	select {
	case <-ended:
	case <-time.After(2 * time.Second):
	}
	fmt.Fprint(ts.Stdout(), screen())
}
