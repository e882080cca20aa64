package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Bubblewrap runs sandboxes with bwrap (https://github.com/containers/bubblewrap), the
// sandbox Flatpak uses: unprivileged, through user namespaces.
type Bubblewrap struct {
	// Path is the bwrap program; empty looks "bwrap" up on PATH.
	Path string
	// PATH is the search path for bwrap when Path is empty; empty means $PATH.
	PATH string
}

func (b *Bubblewrap) Name() string { return "bubblewrap" }

// ScopesSockets says whether a sandbox that shares the network is kept from the abstract
// Unix sockets outside it (Landlock, Linux 6.12 and later).
func (b *Bubblewrap) ScopesSockets() bool {
	bin, err := b.binary()
	return err == nil && scopesSockets() && !setuid(bin)
}

// ErrUnavailable is wrapped by the errors that say a sandbox cannot start on this machine
// at all, whatever the sandbox.
var ErrUnavailable = errors.New("sandboxes cannot start here")

// unavailable is an ErrUnavailable with its cause and fix.
type unavailable struct{ msg string }

func (e *unavailable) Error() string        { return e.msg }
func (e *unavailable) Is(target error) bool { return target == ErrUnavailable }

const installHint = "install bubblewrap (Debian, Ubuntu: apt install bubblewrap; Fedora: dnf install bubblewrap; Arch: pacman -S bubblewrap)"

func (b *Bubblewrap) binary() (string, error) {
	if b.Path != "" {
		return b.Path, nil
	}
	path := b.PATH
	if path == "" {
		path = os.Getenv("PATH")
	}
	if p, ok := findExecutable("bwrap", path); ok {
		return p, nil
	}
	return "", &unavailable{"bubblewrap is not installed (no bwrap on PATH): " + installHint}
}

// Check starts an empty sandbox (bwrap --version inside one) and, when that fails, says why
// from what the kernel reports.
func (b *Bubblewrap) Check() error {
	bin, err := b.binary()
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "--unshare-user", "--unshare-pid", "--die-with-parent", "--cap-drop", "ALL",
		"--ro-bind", "/", "/", "--", bin, "--version")
	cmd.Env = []string{}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return &unavailable{fmt.Sprintf("bubblewrap (%s) cannot run: %v: %s", bin, err, installHint)}
		}
		return &unavailable{namespaceCause(firstLine(stderr.String()))}
	}
	return nil
}

// namespaceCause explains why bwrap could not create its namespaces, from the kernel's
// settings, with the fix; said is bwrap's own message.
func namespaceCause(said string) string {
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join("/proc/sys", name))
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(data))
	}
	switch {
	case read("kernel/unprivileged_userns_clone") == "0":
		return "user namespaces are disabled for unprivileged users (kernel.unprivileged_userns_clone = 0), and bubblewrap needs them: enable them as root with sysctl -w kernel.unprivileged_userns_clone=1 (to keep it, in /etc/sysctl.d/)"
	case read("user/max_user_namespaces") == "0":
		return "user namespaces are disabled (user.max_user_namespaces = 0), and bubblewrap needs them: enable them as root with sysctl -w user.max_user_namespaces=15000 (to keep it, in /etc/sysctl.d/)"
	case read("kernel/apparmor_restrict_unprivileged_userns") == "1":
		return "AppArmor keeps unprivileged programs from creating user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1), and bubblewrap needs them: install the AppArmor profile that allows bwrap (Ubuntu: apt install apparmor-profiles, profile bwrap-userns-restrict), or as root sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
	}
	if said == "" {
		said = "no message"
	}
	return "bubblewrap cannot create a sandbox here (" + said + "): user namespaces are probably not allowed (inside a container, the container's seccomp profile or runtime must allow them)"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "bwrap: ")
}

// args are bwrap's arguments for spec: namespaces, then the view in the order given, then
// the command. statusFD and seccompFD are the descriptors the child gets for them (0: none).
func (b *Bubblewrap) args(spec *Spec, statusFD, seccompFD int) []string {
	a := []string{
		// Every namespace of its own: user (no capability on this machine), pid (no other
		// process visible or signalled), ipc, uts, cgroup; the network too unless shared.
		"--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
		"--cap-drop", "ALL",
		"--die-with-parent",
	}
	if !spec.Network {
		a = append(a, "--unshare-net")
	}
	if statusFD > 0 {
		a = append(a, "--json-status-fd", strconv.Itoa(statusFD))
	}
	if seccompFD > 0 {
		a = append(a, "--seccomp", strconv.Itoa(seccompFD))
	} else {
		// Without the filter that refuses TIOCSTI, the command gets no controlling terminal
		// through which to type into the caller's shell.
		a = append(a, "--new-session")
	}
	for _, m := range spec.Mounts {
		switch m.Kind {
		case ReadOnly:
			a = append(a, "--ro-bind", m.Src, m.Dst)
		case ReadWrite:
			a = append(a, "--bind", m.Src, m.Dst)
		case Tmpfs:
			a = append(a, "--tmpfs", m.Dst)
		case Devices:
			a = append(a, "--dev", m.Dst)
		case Procfs:
			a = append(a, "--proc", m.Dst)
		case Symlink:
			a = append(a, "--symlink", m.Src, m.Dst)
		case HiddenDir:
			a = append(a, "--tmpfs", m.Dst, "--remount-ro", m.Dst)
		case HiddenFile:
			a = append(a, "--ro-bind", "/dev/null", m.Dst)
		}
	}
	if spec.Dir != "" {
		a = append(a, "--chdir", spec.Dir)
	}
	a = append(a, "--")
	return append(a, spec.Argv...)
}

type bwrapProcess struct {
	cmd     *exec.Cmd
	started chan bool  // receives whether bwrap reported the command started
	exited  chan error // receives cmd.Wait's result
}

// Start runs bwrap with the command's environment as its own (bwrap hands its environment
// to the command), so no value travels in an argument.
func (b *Bubblewrap) Start(spec *Spec) (Process, error) {
	bin, err := b.binary()
	if err != nil {
		return nil, err
	}
	closeInherited()
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer statusW.Close()
	extra := []*os.File{statusW}
	statusFD, seccompFD := 3, 0
	if prog := ttyFilter(); prog != nil {
		r, w, err := os.Pipe()
		if err != nil {
			statusR.Close()
			return nil, err
		}
		// The program is a few hundred bytes: the pipe holds it whole.
		_, err = w.Write(prog)
		w.Close()
		if err != nil {
			r.Close()
			statusR.Close()
			return nil, err
		}
		defer r.Close()
		extra = append(extra, r)
		seccompFD = 4
	}
	cmd := exec.Command(bin, b.args(spec, statusFD, seccompFD)...)
	cmd.Env = spec.Env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = spec.Stdin, spec.Stdout, spec.Stderr
	cmd.ExtraFiles = extra
	p := &bwrapProcess{cmd: cmd, started: make(chan bool, 1), exited: make(chan error, 1)}
	startErr := make(chan error, 1)
	scope := scopesSockets() && !setuid(bin)
	go func() {
		// The thread that starts bwrap is its parent as --die-with-parent sees it: it stays
		// until bwrap ends, and it is the one confined (see scopeThread), so it is never
		// given back to other goroutines.
		runtime.LockOSThread()
		if scope {
			if err := scopeThread(); err != nil {
				startErr <- fmt.Errorf("confining the sandbox: %v", err)
				return
			}
		}
		if err := cmd.Start(); err != nil {
			startErr <- err
			return
		}
		startErr <- nil
		p.exited <- cmd.Wait()
	}()
	if err := <-startErr; err != nil {
		statusR.Close()
		var ee *exec.Error
		var pe *os.PathError
		if errors.As(err, &ee) || errors.As(err, &pe) {
			return nil, &unavailable{fmt.Sprintf("bubblewrap (%s) cannot run: %v: %s", bin, unwrapExec(err), installHint)}
		}
		return nil, err
	}
	go func() {
		defer statusR.Close()
		started := false
		sc := bufio.NewScanner(statusR)
		for sc.Scan() {
			var msg map[string]json.RawMessage
			if json.Unmarshal(sc.Bytes(), &msg) == nil {
				if _, ok := msg["child-pid"]; ok {
					started = true
				}
			}
		}
		p.started <- started
	}()
	return p, nil
}

// setuid says whether bwrap is installed setuid root: no_new_privs, which Landlock needs,
// would take that away.
func setuid(bin string) bool {
	fi, err := os.Stat(bin)
	return err == nil && fi.Mode()&os.ModeSetuid != 0
}

func unwrapExec(err error) error {
	var e *exec.Error
	if errors.As(err, &e) {
		return e.Err
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// errSetup says bwrap ended before starting the command.
var errSetup = errors.New("bubblewrap could not set up the sandbox")

func (p *bwrapProcess) Wait() (int, error) {
	err := <-p.exited
	var started bool
	select {
	case started = <-p.started:
	case <-time.After(5 * time.Second):
		// A process inside holding the status pipe open: bwrap did report or it would not
		// have run anything.
		started = true
	}
	status := p.cmd.ProcessState.ExitCode()
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		status = 128 + int(ws.Signal())
	}
	if !started {
		return status, errSetup
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return status, err
	}
	return status, nil
}

func (p *bwrapProcess) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// findExecutable looks file up in the directories of path, as a shell would.
func findExecutable(file, path string) (string, bool) {
	if strings.Contains(file, "/") {
		if isExecutable(file) {
			return file, true
		}
		return "", false
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if isExecutable(p) {
			if !filepath.IsAbs(p) {
				if abs, err := filepath.Abs(p); err == nil {
					p = abs
				}
			}
			return p, true
		}
	}
	return "", false
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
