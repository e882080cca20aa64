package testscripts

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creack/pty"
	"github.com/rogpeppe/go-internal/testscript"
)

// The shell hooks only run where a shell really shows prompts, so shell-session drives real
// interactive shells in a pseudo-terminal, one typed line per prompt.

// Every session shell's prompt is "@@P<n>@@ ", n a number that changes from one prompt to
// the next (fish redraws a prompt while input is typed; a redraw repeats the number). A line
// is typed only after a new prompt.
var promptRe = regexp.MustCompile(`@@P(\d+)@@ `)

// sessionTimeout bounds one whole session: a hung shell fails the script instead of the run.
const sessionTimeout = 30 * time.Second

// shell-session [-strace LOG] SHELL RCFILE SESSION
//
// Starts SHELL (bash, zsh or fish) interactively in a pty, with RCFILE as its startup file,
// then types each line of SESSION after the next prompt and finally `exit`. stdout is the
// transcript, each prompt written as "$ ". Lines of SESSION starting with "#>" are
// directives: "#> wait TEXT" waits until TEXT appears in the output, "#> ctrl-c" types ^C,
// "#> sleep DURATION" pauses. With -strace, the shell runs under `strace -f` tracing process
// creation and openat into LOG.
func cmdShellSession(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("shell-session", flag.ContinueOnError)
	straceLog := fs.String("strace", "", "trace process creation into this file")
	if err := fs.Parse(args); err != nil || fs.NArg() != 3 {
		ts.Fatalf("usage: shell-session [-strace LOG] bash|zsh|fish RCFILE SESSION")
	}
	shell, rc, session := fs.Arg(0), ts.MkAbs(fs.Arg(1)), ts.MkAbs(fs.Arg(2))
	lines, err := os.ReadFile(session)
	ts.Check(err)
	dir := ts.MkAbs(".")
	tmp, err := os.MkdirTemp(ts.Getenv("WORK"), ".session-")
	ts.Check(err)

	env := scriptEnv(ts)
	env = append(env, "TERM=dumb", "PAGER=cat")

	var argv []string
	switch shell {
	case "bash":
		wrapper := filepath.Join(tmp, "bashrc")
		ts.Check(os.WriteFile(wrapper, []byte("PS1='@@P\\#@@ '\nPS2=\nsource "+shQuote(rc)+"\n"), 0o644))
		argv = []string{"bash", "--noprofile", "--rcfile", wrapper, "-i"}
	case "zsh":
		ts.Check(os.WriteFile(filepath.Join(tmp, ".zshrc"), []byte("PS1='@@P%!@@ '\nPS2=\nPROMPT_EOL_MARK=\nunsetopt prompt_sp\nsource "+shQuote(rc)+"\n"), 0o644))
		env = append(env, "ZDOTDIR="+tmp)
		argv = []string{"zsh", "-i"}
	case "fish":
		initCmd := "set -g _session_prompts 0; function _session_count --on-event fish_prompt; set _session_prompts (math $_session_prompts + 1); end; " +
			"function fish_prompt; printf '@@P%s@@ ' $_session_prompts; end; function fish_greeting; end; function fish_title; end; source " + shQuote(rc)
		argv = []string{"fish", "--no-config", "-i", "-C", initCmd}
	default:
		ts.Fatalf("shell-session: unknown shell %q", shell)
	}
	if *straceLog != "" {
		argv = append([]string{"strace", "-f", "-qq", "-s", "256", "-e", "trace=process,openat", "-o", ts.MkAbs(*straceLog)}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 400})
	ts.Check(err)
	defer ptmx.Close()

	var (
		mu  sync.Mutex
		out bytes.Buffer
	)
	done := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				close(done)
				return
			}
		}
	}()
	deadline := time.Now().Add(sessionTimeout)
	pos := 0
	// alive fails the script, with the transcript, when the shell ended or time ran out.
	alive := func(what string) {
		select {
		case <-done:
			mu.Lock()
			ts.Logf("transcript:\n%s", transcript(out.String()))
			mu.Unlock()
			ts.Fatalf("shell-session: the shell ended while waiting for %s", what)
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			mu.Lock()
			ts.Logf("transcript:\n%s", transcript(out.String()))
			mu.Unlock()
			ts.Fatalf("shell-session: timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
	// waitFor finds text in the output after pos and moves pos past it.
	waitFor := func(text string) {
		for {
			mu.Lock()
			i := bytes.Index(out.Bytes()[pos:], []byte(text))
			if i >= 0 {
				pos += i + len(text)
			}
			mu.Unlock()
			if i >= 0 {
				return
			}
			alive(strconv.Quote(text))
		}
	}
	lastPrompt := ""
	// waitPrompt waits for a prompt other than the last one seen and moves pos past it.
	waitPrompt := func() {
		for {
			mu.Lock()
			found := false
			for !found {
				m := promptRe.FindSubmatchIndex(out.Bytes()[pos:])
				if m == nil {
					break
				}
				n := string(out.Bytes()[pos+m[2] : pos+m[3]])
				pos += m[1]
				if n != lastPrompt {
					lastPrompt, found = n, true
				}
			}
			mu.Unlock()
			if found {
				return
			}
			alive("a prompt")
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(lines))
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		if d, ok := strings.CutPrefix(line, "#>"); ok {
			verb, arg, _ := strings.Cut(strings.TrimSpace(d), " ")
			switch verb {
			case "wait":
				waitFor(arg)
			case "ctrl-c":
				_, err := ptmx.Write([]byte{3})
				ts.Check(err)
			case "sleep":
				dur, err := time.ParseDuration(arg)
				ts.Check(err)
				time.Sleep(dur)
			default:
				ts.Fatalf("shell-session: unknown directive %q", line)
			}
			continue
		}
		waitPrompt()
		_, err := ptmx.Write([]byte(line + "\n"))
		ts.Check(err)
	}
	waitPrompt()
	_, err = ptmx.Write([]byte("exit\n"))
	ts.Check(err)
	select {
	case <-done:
	case <-time.After(time.Until(deadline)):
		cmd.Process.Kill()
		<-done
	}
	werr := cmd.Wait()
	mu.Lock()
	raw := out.String()
	mu.Unlock()
	text := transcript(raw)
	os.WriteFile(filepath.Join(tmp, "raw"), []byte(raw), 0o644) // for debugging a session
	fmt.Fprint(ts.Stdout(), text)
	if werr != nil && !neg {
		ts.Fatalf("shell-session: %s: %v", shell, werr)
	}
	if werr == nil && neg {
		ts.Fatalf("shell-session: %s exited 0 unexpectedly", shell)
	}
}

// scriptEnv is the environment the script set up (HOME=$WORK/home and the rest).
func scriptEnv(ts *testscript.TestScript) []string {
	names := map[string]bool{}
	var env []string
	add := func(name string) {
		if names[name] {
			return
		}
		names[name] = true
		env = append(env, name+"="+ts.Getenv(name))
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if v := ts.Getenv(name); v != "" {
			add(name)
		}
	}
	for _, name := range []string{"PATH", "HOME", "WORK", "TMPDIR", "LANG", "AMIKA_STORE", "XDG_CACHE_HOME", "XDG_DATA_HOME",
		"XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "CLAUDE_CONFIG_DIR", "CODEX_HOME", "DBUS_SESSION_BUS_ADDRESS",
		"GNUPGHOME", "PASSWORD_STORE_DIR", "AMIKA_TEAM_STORES"} {
		if ts.Getenv(name) != "" {
			add(name)
		}
	}
	return env
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>]`)

// transcript makes the pty output readable: no escapes, each line as a terminal would
// finally show it (what follows its last carriage return), prompts as "$ ".
func transcript(s string) string {
	lines := strings.Split(ansi.ReplaceAllString(s, ""), "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		if j := strings.LastIndexByte(l, '\r'); j >= 0 {
			l = l[j+1:]
		}
		lines[i] = l
	}
	return promptRe.ReplaceAllString(strings.Join(lines, "\n"), "$ ")
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// strace-forks LOG BEGIN END
//
// Prints "forks=N": the processes created (fork, vfork, execve, and clone or clone3 without
// CLONE_THREAD) between the shell's openat of a path ending in BEGIN and the next openat of
// a path ending in END, in a log written by shell-session -strace. A session marks the window
// with `true < BEGIN` and `true < END`, which open the files without creating a process.
func cmdStraceForks(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: strace-forks LOG BEGIN END")
	}
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	n, err := countForks(f, args[1], args[2])
	if err != nil {
		ts.Fatalf("strace-forks: %v", err)
	}
	fmt.Fprintf(ts.Stdout(), "forks=%d\n", n)
}

var (
	straceOpen    = regexp.MustCompile(`openat\([^,]*, "([^"]*)"`)
	straceProcess = regexp.MustCompile(`^\d+\s+(fork|vfork|execve|execveat|clone|clone3)\(`)
)

func countForks(r io.Reader, begin, end string) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	in, seenBegin, seenEnd := false, false, false
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if m := straceOpen.FindStringSubmatch(line); m != nil {
			switch {
			case !in && !seenEnd && strings.HasSuffix(m[1], begin):
				in, seenBegin = true, true
			case in && strings.HasSuffix(m[1], end):
				in, seenEnd = false, true
			}
			continue
		}
		if in && straceProcess.MatchString(line) && !strings.Contains(line, "CLONE_THREAD") {
			n++
		}
	}
	if !seenBegin || !seenEnd {
		return 0, fmt.Errorf("markers %q and %q not both found (begin %v, end %v)", begin, end, seenBegin, seenEnd)
	}
	return n, sc.Err()
}
