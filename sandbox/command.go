package sandbox

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/amika-dev/amika/internal/safefile"
)

// lookPath finds a command as a shell would on the host: a name with a slash is a path
// (relative to cwd), any other is looked up in pathEnv's absolute entries. It returns an
// absolute path to an executable regular file.
func lookPath(name, pathEnv, cwd string) (string, error) {
	if name == "" {
		return "", errors.New("empty command name")
	}
	if strings.ContainsRune(name, '/') {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(cwd, p)
		}
		if err := executable(p); err != nil {
			return "", fmt.Errorf("%s: %v", name, err)
		}
		return filepath.Clean(p), nil
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if !filepath.IsAbs(dir) {
			continue // never "." or a relative entry: a workspace could plant the command
		}
		p := filepath.Join(dir, name)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found in $PATH", name)
}

func executable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return errors.New("no such file")
		}
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s)", safefile.FileType(fi.Mode()))
	}
	if fi.Mode().Perm()&0o111 == 0 {
		return errors.New("not executable")
	}
	return nil
}

// commandMounts finds argv0 on the host's PATH and says what must be visible inside for it
// to run there: nothing when it lies in systemDirs; else its installation, read-only, and
// the symlinks that lead to it; then the same for the interpreter its #! line names.
//
// An installation is, for a file inside node_modules (an npm package's bin is a symlink into
// it), the outermost node_modules directory, where npm puts the package's dependencies; for
// a program in the bin/ of a Python virtual environment, the environment; for node in the
// bin/ of a Node.js prefix (nvm, a tarball), node and the prefix's lib/node_modules; for
// anything else, the file alone. hidden lists directories never bound whole (the home and
// amika's own): an installation that would contain one of them is bound as the file alone.
//
// writable lists what the sandbox itself writes (its workspace). A command found there is
// visible inside already and is run as it is: its #! line, which the sandbox may have
// written, binds nothing, and a symlink there that leads elsewhere is an error.
func commandMounts(argv0, pathEnv, cwd string, hidden, writable []string) (string, []Mount, error) {
	path, err := lookPath(argv0, pathEnv, cwd)
	if err != nil {
		return "", nil, err
	}
	c := commandResolver{pathEnv: pathEnv, hidden: hidden, writable: writable}
	if err := c.add(path, 0); err != nil {
		return "", nil, err
	}
	return path, c.mounts, nil
}

type commandResolver struct {
	pathEnv  string
	hidden   []string
	writable []string
	mounts   []Mount
}

// inWritable returns the writable directory p lies in, or "".
func (c *commandResolver) inWritable(p string) string {
	for _, w := range c.writable {
		if within(p, w) {
			return w
		}
	}
	return ""
}

// covered reports whether p is visible inside already.
func (c *commandResolver) covered(p string) bool {
	if underSystemDir(p) {
		return true
	}
	for _, m := range c.mounts {
		if within(p, m.Target) {
			return true
		}
	}
	return false
}

func (c *commandResolver) add(path string, depth int) error {
	real, links, err := safefile.Resolve(filepath.Clean(path), nil)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if w := c.inWritable(path); w != "" {
		if within(real, w) {
			return nil
		}
		return fmt.Errorf("%s: a symlink in the workspace leads out of it, to %s", path, real)
	}
	for _, l := range links {
		if w := c.inWritable(l.At); w != "" {
			return fmt.Errorf("%s: a symlink on its way lies in the workspace (%s)", path, l.At)
		}
	}
	for _, root := range c.installation(real) {
		if !c.covered(root) {
			c.mounts = append(c.mounts, Mount{BindRO, root, root})
		}
	}
	for _, l := range links {
		if !c.covered(l.At) {
			c.mounts = append(c.mounts, Mount{Symlink, l.To, l.At})
		}
	}
	if depth >= 4 {
		return nil
	}
	interp, err := c.interpreter(real)
	if err != nil || interp == "" {
		return err
	}
	return c.add(interp, depth+1)
}

// installation lists what to bind for the file real.
func (c *commandResolver) installation(real string) []string {
	if underSystemDir(real) {
		return nil
	}
	if i := strings.Index(real, "/node_modules/"); i >= 0 {
		if nm := real[:i+len("/node_modules")]; c.allowed(nm) {
			return []string{nm}
		}
		return []string{real}
	}
	bin := filepath.Dir(real)
	if filepath.Base(bin) == "bin" {
		prefix := filepath.Dir(bin)
		if isFile(filepath.Join(prefix, "pyvenv.cfg")) && c.allowed(prefix) {
			return []string{prefix}
		}
		if filepath.Base(real) == "node" {
			if nm := filepath.Join(prefix, "lib", "node_modules"); isDir(nm) && c.allowed(nm) {
				return []string{real, nm}
			}
		}
	}
	return []string{real}
}

// allowed reports whether dir may be bound whole: it holds none of the hidden directories.
func (c *commandResolver) allowed(dir string) bool {
	for _, h := range c.hidden {
		if within(h, dir) {
			return false
		}
	}
	return true
}

// interpreter reads real's #! line and finds its interpreter on the host, as the kernel and
// env(1) would: "#!/usr/bin/env node" is node on PATH. "" when real is not a script.
func (c *commandResolver) interpreter(real string) (string, error) {
	f, err := safefile.OpenPrivate(real, os.O_RDONLY, 0)
	if err != nil {
		return "", fmt.Errorf("%s: %v", real, err)
	}
	defer f.Close()
	var buf [256]byte
	n, err := io.ReadFull(f, buf[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("%s: %v", real, err)
	}
	head := buf[:n]
	if len(head) < 2 || head[0] != '#' || head[1] != '!' {
		return "", nil
	}
	line, _, _ := strings.Cut(string(head[2:]), "\n")
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return "", nil
	}
	interp := fields[0]
	if filepath.Base(interp) != "env" || len(fields) < 2 {
		return interp, nil
	}
	for _, w := range fields[1:] {
		if strings.HasPrefix(w, "-") || strings.Contains(w, "=") {
			continue // env's options (-S) and assignments
		}
		return lookPath(w, c.pathEnv, "/")
	}
	return interp, nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
