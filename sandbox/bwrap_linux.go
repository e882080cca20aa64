package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Bubblewrap is the engine on Linux: bwrap (Debian's bubblewrap, the sandbox Flatpak uses)
// with every namespace of its own but, by default, the network.
type Bubblewrap struct {
	// Getenv supplies PATH, where bwrap is looked up.
	Getenv func(string) string
}

// NewEngine returns the engine for this machine.
func NewEngine(getenv func(string) string) Engine { return Bubblewrap{Getenv: getenv} }

func (Bubblewrap) Name() string { return "bubblewrap" }

const installHint = "install it: apt install bubblewrap (Debian, Ubuntu), dnf install bubblewrap (Fedora), pacman -S bubblewrap (Arch)"

// path finds bwrap on PATH.
func (b Bubblewrap) path() (string, error) {
	for _, dir := range strings.Split(b.Getenv("PATH"), ":") {
		if dir == "" || dir[0] != '/' {
			continue
		}
		p := dir + "/bwrap"
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("bubblewrap is not installed: no bwrap on $PATH (%s)", installHint)
}

// setuid reports whether the bwrap at path is installed setuid root (older distributions do
// that where user namespaces are off); no_new_privs, which Landlock needs, would disarm it.
func setuid(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&os.ModeSetuid != 0
}

// Check runs bwrap once, the way a start does, and explains a failure.
func (b Bubblewrap) Check() error {
	bwrap, err := b.path()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bwrap, "--unshare-all", "--die-with-parent", "--cap-drop", "ALL", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	wait, _, err := startScoped(cmd, !setuid(bwrap))
	if err != nil {
		return fmt.Errorf("bubblewrap (%s) does not start: %v", bwrap, err)
	}
	if err := <-wait; err != nil {
		return explainFailure(bwrap, strings.TrimSpace(stderr.String()), err)
	}
	return nil
}

// explainFailure names the cause of a failed bwrap run and the fix.
func explainFailure(bwrap, msg string, err error) error {
	msg = strings.TrimPrefix(strings.TrimSpace(lastLine(msg)), "bwrap: ")
	userns := strings.Contains(msg, "namespace") || strings.Contains(msg, "uid map") || strings.Contains(msg, "Operation not permitted")
	if !userns {
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("bubblewrap (%s) cannot create a sandbox here: %s", bwrap, msg)
	}
	fix := "allow unprivileged user namespaces"
	switch {
	case readSysctl("kernel/unprivileged_userns_clone") == "0":
		fix = "enable them: sudo sysctl -w kernel.unprivileged_userns_clone=1 (and in /etc/sysctl.d/ to keep it)"
	case readSysctl("user/max_user_namespaces") == "0":
		fix = "enable them: sudo sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d/ to keep it)"
	case readSysctl("kernel/apparmor_restrict_unprivileged_userns") == "1":
		fix = "AppArmor restricts them: give bwrap a profile that allows userns (Ubuntu ships one as bwrap-userns-restrict in apparmor-profiles), or sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
	case strings.Contains(msg, "uid map"):
		fix = "a security module refuses the uid map; allow bwrap to create user namespaces"
	default:
		fix = "enable them (sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0), or run in a container started with user namespaces allowed"
	}
	return fmt.Errorf("bubblewrap cannot create a user namespace (%s): %s", msg, fix)
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func readSysctl(name string) string {
	data, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// args turns the plan into bwrap's arguments; values never go here, only paths.
func (p *Plan) bwrapArgs(statusFD, seccompFD int) []string {
	a := []string{"--unshare-all", "--die-with-parent", "--cap-drop", "ALL"}
	if p.Network != NetworkNone {
		a = append(a, "--share-net")
	}
	for _, m := range p.Mounts {
		switch m.Kind {
		case BindRO:
			a = append(a, "--ro-bind", m.Source, m.Target)
		case BindRW:
			a = append(a, "--bind", m.Source, m.Target)
		case Tmpfs:
			a = append(a, "--tmpfs", m.Target)
		case Proc:
			a = append(a, "--proc", m.Target)
		case Dev:
			a = append(a, "--dev", m.Target)
		case Symlink:
			a = append(a, "--symlink", m.Source, m.Target)
		}
	}
	a = append(a, "--chdir", p.Dir, "--json-status-fd", strconv.Itoa(statusFD))
	if seccompFD >= 0 {
		a = append(a, "--seccomp", strconv.Itoa(seccompFD))
	}
	return append(append(a, "--"), p.Argv...)
}

// Run starts the plan's command under bwrap with the terminal and standard streams of amika,
// and returns its exit status. While it runs, amika ignores the terminal's interrupt and quit
// (CMD gets them itself) and passes SIGTERM and SIGHUP on to CMD.
func (b Bubblewrap) Run(p *Plan) (int, error) {
	bwrap, err := b.path()
	if err != nil {
		return 0, err
	}
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer statusR.Close()
	files := []*os.File{statusW}
	seccompFD := -1
	if prog := ttyFilter(); prog != nil {
		r, w, err := os.Pipe()
		if err != nil {
			statusW.Close()
			return 0, err
		}
		_, err = w.Write(prog) // far below a pipe's capacity
		w.Close()
		if err != nil {
			r.Close()
			statusW.Close()
			return 0, err
		}
		defer r.Close()
		files = append(files, r)
		seccompFD = 4
	}
	cmd := exec.Command(bwrap, p.bwrapArgs(3, seccompFD)...)
	cmd.Env = p.Env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = files

	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT)
	defer signal.Reset(syscall.SIGINT, syscall.SIGQUIT)
	forward := make(chan os.Signal, 4)
	signal.Notify(forward, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(forward)

	waited, _, err := startScoped(cmd, !setuid(bwrap))
	statusW.Close()
	for _, f := range files[1:] {
		f.Close()
	}
	if err != nil {
		return 0, fmt.Errorf("bubblewrap (%s) does not start: %v", bwrap, err)
	}
	status := newStatusReader(statusR)
	for {
		select {
		case sig := <-forward:
			status.signal(cmd.Process.Pid, sig.(syscall.Signal))
			continue
		case err = <-waited:
		}
		break
	}
	code, started := status.exitCode()
	if started {
		return code, nil
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return 0, err
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil // bwrap itself was killed (a signal before CMD ran)
	}
	// bwrap said nothing of CMD's exit: it failed before CMD ran, and said why on stderr.
	if cerr := b.Check(); cerr != nil {
		return 0, cerr
	}
	return 0, fmt.Errorf("bubblewrap could not start %s in the sandbox (its message above)", p.Argv[0])
}

// statusReader follows bwrap's --json-status-fd: the sandbox's first process, then CMD's
// exit code.
type statusReader struct {
	lines chan map[string]json.RawMessage
	pid   int
	code  int
	ended bool
}

func newStatusReader(r io.Reader) *statusReader {
	s := &statusReader{lines: make(chan map[string]json.RawMessage, 8)}
	go func() {
		dec := json.NewDecoder(r)
		for {
			var m map[string]json.RawMessage
			if dec.Decode(&m) != nil {
				close(s.lines)
				return
			}
			s.lines <- m
		}
	}()
	return s
}

func (s *statusReader) take(m map[string]json.RawMessage) {
	if v, ok := m["child-pid"]; ok {
		json.Unmarshal(v, &s.pid)
	}
	if v, ok := m["exit-code"]; ok && json.Unmarshal(v, &s.code) == nil {
		s.ended = true
	}
}

// drain takes what bwrap wrote so far, or until it closed the pipe when wait is set.
func (s *statusReader) drain(wait bool) {
	for {
		if wait {
			m, ok := <-s.lines
			if !ok {
				return
			}
			s.take(m)
			continue
		}
		select {
		case m, ok := <-s.lines:
			if !ok {
				return
			}
			s.take(m)
		default:
			return
		}
	}
}

// exitCode is CMD's exit status, once bwrap has exited; started is false when bwrap never
// reported one (the sandbox failed to start).
func (s *statusReader) exitCode() (code int, started bool) {
	s.drain(true)
	return s.code, s.ended
}

// signal passes sig to CMD: the children of the sandbox's first process (bwrap's own init,
// which does not pass signals on). Before CMD exists, it goes to bwrap, which ends the
// sandbox.
func (s *statusReader) signal(bwrapPid int, sig syscall.Signal) {
	s.drain(false)
	if s.pid > 0 {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(s.pid) + "/task/" + strconv.Itoa(s.pid) + "/children")
		if err == nil && len(bytes.TrimSpace(data)) > 0 {
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil {
					syscall.Kill(pid, sig)
				}
			}
			return
		}
	}
	syscall.Kill(bwrapPid, sig)
}
