package shellinit

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Hook is the shell code `amika init` prints before the first refresh.
type Hook struct {
	Shell Shell
	Bin   string   // amika's path, called on the slow path
	ID    string   // names this shell's stamp file
	Args  []string // options every refresh repeats: --no-oauth, --homedir, the filter
	Lazy  bool     // wrapper functions instead of variables
}

// Write renders the hook's shell code: hook.SHELL, or lazy.SHELL for the wrappers.
func (h Hook) Write(w io.Writer) error {
	d := h.Shell.dialect()
	args := make([]string, len(h.Args))
	for i, a := range h.Args {
		args[i] = d.quote(a)
	}
	// A wrapper starts its agent even when nothing resolves (an agent not logged in yet
	// offers its own login), and adds nothing for a provider whose credential variable the
	// user set (amika never overrides what the user set).
	run := `"$_amika_bin" run --optional --if-unset`
	if len(args) > 0 {
		run += " " + strings.Join(args, " ")
	}
	file := "hook." + string(h.Shell)
	if h.Lazy {
		file = "lazy." + string(h.Shell)
	}
	var b strings.Builder
	err := render(&b, file,
		"BIN", d.quote(h.Bin),
		"ID", d.quote(h.ID),
		"ARGS", strings.Join(args, " "),
		"RUN", run, // amika run and the options, in the wrappers
		"SIG", sigExpr(d),
	)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// SelfPath is the path hooks and the direnv extension call amika by: the one it was started
// as, without resolving symlinks, so a package manager's link keeps working across
// upgrades.
func SelfPath() string {
	arg0 := os.Args[0]
	if !strings.ContainsRune(arg0, filepath.Separator) {
		if p, err := exec.LookPath(arg0); err == nil {
			arg0 = p
		}
	}
	if strings.ContainsRune(arg0, filepath.Separator) {
		if abs, err := filepath.Abs(arg0); err == nil {
			if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
				return abs
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	return "amika"
}
