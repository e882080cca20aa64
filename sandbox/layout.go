package sandbox

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// This file is the one place that says what a sandbox sees. docs/sandbox.md describes the
// same list; layout_test.go keeps the two in step.
//
// Visible inside, in this order (a later entry is laid over an earlier one):
//
//  1. systemDirs, read-only, at the same paths (a symlink such as /bin -> usr/bin on a
//     merged-/usr system is the same symlink inside);
//  2. the file /etc/resolv.conf points to, read-only, when it lies outside them (systemd-
//     resolved keeps it in /run);
//  3. a private /proc (the sandbox's own processes), a minimal /dev, an empty /tmp;
//  4. the sandbox's own home, read-write, at the path of the user's home;
//  5. the workspace, read-write, at the same path: the --git worktree or the --dir;
//  6. a workspace's git metadata, read-only but for what committing on amika/NAME writes
//     (gitMounts);
//  7. every --ro path, read-only;
//  8. the command's installation, read-only, when it lies outside systemDirs, and its
//     interpreter's (commandMounts).
//
// Nothing else: not the user's home, not $XDG_RUNTIME_DIR (D-Bus, the keyring, ssh-agent,
// Wayland), not /run, /var, /home, /root, /mnt, /media, /opt, /srv, /sys.

// systemDirs are bound read-only at the same path: what programs need to run.
var systemDirs = [...]string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"}

// envPassed are the host's variables CMD sees; the rest of amika's environment is cleared. HOME, USER, LOGNAME and SHELL are set as on the host (HOME names
// the sandbox's home, bound there), AMIKA_SANDBOX to the sandbox's name; then come a --git
// sandbox's git identity (gitIdentity), --env and the injected secrets.
var envPassed = [...]string{"PATH", "TERM", "COLORTERM", "LANG", "LANGUAGE", "TZ", "NO_COLOR",
	"LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES",
	"LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION"}

// envIdentity are passed as well: who the user is and which shell they use. No secret.
var envIdentity = [...]string{"USER", "LOGNAME", "SHELL"}

// layoutInput is what one start's layout depends on.
type layoutInput struct {
	HostHome    string
	SandboxHome string
	Workspace   string
	Git         []Mount // gitMounts
	ReadOnly    []string
	Command     []Mount // commandMounts
}

// layout is the list of what is visible inside, in order.
func layout(in layoutInput) []Mount {
	var ms []Mount
	for _, d := range systemDirs {
		fi, err := os.Lstat(d)
		switch {
		case err != nil:
		case fi.Mode()&fs.ModeSymlink != 0:
			if to, err := os.Readlink(d); err == nil {
				ms = append(ms, Mount{Symlink, to, d})
			}
		case fi.IsDir():
			ms = append(ms, Mount{BindRO, d, d})
		}
	}
	if real, err := filepath.EvalSymlinks("/etc/resolv.conf"); err == nil && !underSystemDir(real) {
		ms = append(ms, Mount{BindRO, real, real})
	}
	ms = append(ms,
		Mount{Proc, "", "/proc"},
		Mount{Dev, "", "/dev"},
		Mount{Tmpfs, "", "/tmp"},
		Mount{BindRW, in.SandboxHome, in.HostHome},
	)
	if in.Workspace != "" {
		ms = append(ms, Mount{BindRW, in.Workspace, in.Workspace})
	}
	ms = append(ms, in.Git...)
	for _, p := range in.ReadOnly {
		ms = append(ms, Mount{BindRO, p, p})
	}
	return append(ms, in.Command...)
}

// underSystemDir reports whether path lies in one of systemDirs (already visible inside).
func underSystemDir(path string) bool {
	for _, d := range systemDirs {
		if within(path, d) {
			return true
		}
	}
	return false
}

// within reports whether path is dir or lies under it (both clean and absolute).
func within(path, dir string) bool {
	if dir == "/" {
		return true
	}
	return path == dir || strings.HasPrefix(path, dir) && path[len(dir)] == '/'
}

// environ is CMD's environment: envPassed from the host, HOME and the identity, then extra
// (the git identity, then --env), then the injected secrets, a later one replacing an earlier one of the same
// name.
func environ(getenv func(string) string, home, name string, extra, secrets []string) []string {
	env := make([]string, 0, 16+len(extra)+len(secrets))
	for _, k := range envPassed {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	env = append(env, "HOME="+home)
	for _, k := range envIdentity {
		if v := getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	env = append(env, "AMIKA_SANDBOX="+name)
	return setEnv(setEnv(env, extra), secrets)
}

// setEnv sets each NAME=VALUE of add in env, replacing a variable of the same name.
func setEnv(env, add []string) []string {
	for _, kv := range add {
		name, _, _ := strings.Cut(kv, "=")
		out := env[:0]
		for _, old := range env {
			if n, _, _ := strings.Cut(old, "="); n != name {
				out = append(out, old)
			}
		}
		env = append(out, kv)
	}
	return env
}
