package testscripts

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

// mkfifo PATH: a named pipe where a source file is expected.
func cmdMkfifo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkfifo PATH")
	}
	ts.Check(syscall.Mkfifo(ts.MkAbs(args[0]), 0o644))
}

// unprivileged amika ARGS…: runs amika as a user that file permissions apply to. As root
// (where chmod 000 stops nothing) that is uid/gid 65534 through setpriv, with a copy of the
// binary and the script's directories opened to it; otherwise amika runs as is.
func cmdUnprivileged(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || args[0] != "amika" {
		ts.Fatalf("usage: unprivileged amika ARGS…")
	}
	prog, argv := "amika", args[1:]
	if os.Geteuid() == 0 {
		work := ts.Getenv("WORK")
		for dir := work; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			fi, err := os.Stat(dir)
			ts.Check(err)
			ts.Check(os.Chmod(dir, fi.Mode().Perm()|0o011))
		}
		bin := filepath.Join(work, ".unprivileged", "amika")
		ts.Check(os.MkdirAll(filepath.Dir(bin), 0o755))
		ts.Check(copyExecutable(bin))
		setpriv, err := exec.LookPath("setpriv")
		ts.Check(err)
		prog = setpriv
		argv = append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", "--", bin}, argv...)
	}
	err := ts.Exec(prog, argv...)
	if err != nil && !neg {
		ts.Fatalf("unprivileged amika: %v", err)
	}
	if err == nil && neg {
		ts.Fatalf("unprivileged amika: unexpected success")
	}
}

// copyExecutable copies the test binary, which runs amika when called by that name.
func copyExecutable(to string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	in, err := os.Open(self)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
