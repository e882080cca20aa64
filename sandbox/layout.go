package sandbox

import (
	"os"
	"path/filepath"
	"strings"
)

// This file is the one place that decides what a sandbox sees. docs/sandbox.md restates it;
// keep both in step.
//
//	what                                   how                     why
//	/usr /etc /opt /nix /gnu               read-only               programs, libraries, their settings
//	/bin /sbin /lib* (merged /usr)         the same symlinks       as on this machine
//	/etc/shadow, SSH host keys, …          empty, read-only        secrets root can read, in /etc
//	/etc/resolv.conf's target (/run/…)     read-only               name resolution
//	/dev                                   new, minimal            null, zero, random, tty, pts, shm
//	/proc                                  new                     the sandbox's own processes only
//	/tmp, /var/tmp                         new, empty              private temporary files
//	the sandbox's home                     read-write, same path   $HOME, kept between starts
//	the workspace (--dir, --git)           read-write, same path   the project
//	the repository's git directory         read-only, and          the worktree's commits land on
//	  (--git), its objects, refs/heads/    read-write where a      amika/NAME in the repository
//	  amika/, the worktree's own directory commit writes
//	--ro PATH                              read-only, same path    what the user adds
//	CMD's installation when outside the    read-only, same path    so CMD runs
//	  directories above
//
// Everything else is absent: the user's home, other users' homes, /root, /run (and in it
// $XDG_RUNTIME_DIR: the D-Bus session bus, the keyring, ssh-agent), /var, /srv, /mnt,
// /media, /sys. A path is absent, not empty: the directories leading to a bound path exist
// (empty but for it), so a path inside is the path outside.

// systemDirs are bound read-only when they exist; a symlink (/bin → usr/bin) is recreated.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/nix", "/gnu"}

// etcSecrets are files and directories in /etc only root may read; a sandbox started by
// root would otherwise read them. Globs are expanded at each start.
var etcSecrets = []string{
	"/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/security/opasswd",
	"/etc/ssh/ssh_host_*_key", "/etc/ssl/private", "/etc/NetworkManager/system-connections",
	"/etc/sudoers", "/etc/sudoers.d", "/etc/libvirt/secrets", "/etc/wireguard",
}

// view is what a sandbox is started with, besides its command.
type view struct {
	home      string   // the sandbox's home directory (read-write)
	workspace string   // the workspace (read-write), or ""
	git       *gitView // the repository's directories a worktree needs, or nil
	readOnly  []string // --ro paths
}

// gitView is what a worktree of a repository needs to commit: the common git directory
// (read-only but for objects and refs/heads/amika), the worktree's own git directory.
type gitView struct {
	commonDir   string
	worktreeDir string // <commonDir>/worktrees/<id>
	dotGit      string // <workspace>/.git, the file that names worktreeDir
}

// layout lists the mounts of a sandbox, in order. CMD's installation is added by the
// caller (see installation), after these.
func layout(v view) []Mount {
	var m []Mount
	for _, d := range systemDirs {
		fi, err := os.Lstat(d)
		switch {
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			if target, err := os.Readlink(d); err == nil {
				m = append(m, Mount{Kind: Symlink, Src: target, Dst: d, Why: "system"})
			}
		case fi.IsDir():
			m = append(m, Mount{Kind: ReadOnly, Src: d, Dst: d, Why: "system"})
		}
	}
	for _, pattern := range etcSecrets {
		matches, _ := filepath.Glob(pattern)
		for _, p := range matches {
			fi, err := os.Lstat(p)
			switch {
			case err != nil || fi.Mode()&os.ModeSymlink != 0:
			case fi.IsDir():
				m = append(m, Mount{Kind: HiddenDir, Dst: p, Why: "root's secrets"})
			default:
				m = append(m, Mount{Kind: HiddenFile, Dst: p, Why: "root's secrets"})
			}
		}
	}
	// /etc/resolv.conf is often a link into /run (systemd-resolved, NetworkManager).
	if target, err := filepath.EvalSymlinks("/etc/resolv.conf"); err == nil && !under(target, "/etc", "/usr") {
		m = append(m, Mount{Kind: ReadOnly, Src: target, Dst: target, Why: "name resolution"})
	}
	m = append(m,
		Mount{Kind: Devices, Dst: "/dev", Why: "devices"},
		Mount{Kind: Procfs, Dst: "/proc", Why: "processes"},
		Mount{Kind: Tmpfs, Dst: "/tmp", Why: "private temporary files"},
		Mount{Kind: Tmpfs, Dst: "/var/tmp", Why: "private temporary files"},
		Mount{Kind: ReadWrite, Src: v.home, Dst: v.home, Why: "home"},
	)
	if v.workspace != "" {
		m = append(m, Mount{Kind: ReadWrite, Src: v.workspace, Dst: v.workspace, Why: "workspace"})
	}
	if g := v.git; g != nil {
		m = append(m, Mount{Kind: ReadOnly, Src: g.commonDir, Dst: g.commonDir, Why: "repository"})
		for _, rw := range []string{"objects", "refs/heads/" + BranchPrefix, "logs/refs/heads/" + BranchPrefix} {
			p := filepath.Join(g.commonDir, rw)
			if isDir(p) {
				m = append(m, Mount{Kind: ReadWrite, Src: p, Dst: p, Why: "commits"})
			}
		}
		m = append(m, Mount{Kind: ReadWrite, Src: g.worktreeDir, Dst: g.worktreeDir, Why: "the worktree's index and HEAD"})
		// What tells git where the repository is, and its configuration: a process inside
		// that rewrote them would have git on this machine read a repository of its making
		// (its config runs commands) the next time git runs in the worktree.
		for _, p := range []string{filepath.Join(g.worktreeDir, "commondir"), filepath.Join(g.worktreeDir, "gitdir"), filepath.Join(g.worktreeDir, "config.worktree"), g.dotGit} {
			if isFile(p) {
				m = append(m, Mount{Kind: ReadOnly, Src: p, Dst: p, Why: "repository"})
			}
		}
	}
	for _, p := range v.readOnly {
		m = append(m, Mount{Kind: ReadOnly, Src: p, Dst: p, Why: "--ro"})
	}
	return m
}

// visible says whether p is inside a directory the mounts bind, so it can be used inside as
// it is.
func visible(mounts []Mount, p string) bool {
	for _, m := range mounts {
		if (m.Kind == ReadOnly || m.Kind == ReadWrite) && under(p, m.Dst) {
			return true
		}
	}
	return false
}

// under says whether p is one of dirs or inside one.
func under(p string, dirs ...string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, strings.TrimSuffix(d, "/")+"/") {
			return true
		}
	}
	return false
}

func isDir(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.IsDir()
}

func isFile(p string) bool {
	fi, err := os.Lstat(p)
	return err == nil && fi.Mode().IsRegular()
}

// allowedEnv are the variables of amika's environment a sandbox keeps: how to find
// programs, the terminal, the language and time zone, who the user is. Everything else
// (tokens, sockets, the user's other settings) stays outside.
var allowedEnv = []string{"PATH", "TERM", "COLORTERM", "TERMINFO", "LANG", "LANGUAGE", "TZ", "USER", "LOGNAME", "NO_COLOR", "COLUMNS", "LINES"}

// environ is the sandbox's environment: the allowed variables and LC_* from env, then HOME,
// then extra (NAME=VALUE, later ones winning).
func environ(env []string, home string, extra []string) []string {
	out := make([]string, 0, len(allowedEnv)+len(extra)+2)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "LC_") || contains(allowedEnv, name) {
			out = append(out, kv)
		}
	}
	out = append(out, "HOME="+home)
	return setEnv(out, extra)
}

// setEnv is env with each NAME=VALUE of vars set, replacing a variable of the same name.
func setEnv(env []string, vars []string) []string {
	for _, kv := range vars {
		name, _, _ := strings.Cut(kv, "=")
		kept := env[:0]
		for _, old := range env {
			if n, _, _ := strings.Cut(old, "="); n != name {
				kept = append(kept, old)
			}
		}
		env = append(kept, kv)
	}
	return env
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
