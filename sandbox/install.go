package sandbox

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/amika-dev/amika/internal/safefile"
)

// command finds name (CMD) the way a shell outside would, on path, and returns the path to
// run inside together with the mounts that make it runnable there: a program installed
// outside the directories the sandbox sees (an npm prefix, ~/.local/bin, a cache of the
// user's) gets its installation bound read-only at the same path, each symbolic link on the
// way recreated, and a script's interpreter the same treatment.
func command(name, path, cwd string, mounts []Mount) (string, []Mount, error) {
	p, ok := findExecutable(name, path)
	if !ok {
		if strings.Contains(name, "/") {
			return "", nil, fmt.Errorf("%s: no such executable file", name)
		}
		return "", nil, fmt.Errorf("%s: not found on PATH", name)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(cwd, p)
	}
	var added []Mount
	inside, err := install(p, path, mounts[:len(mounts):len(mounts)], &added, 0)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %v", name, err)
	}
	if real, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil && real == filepath.Dir(p) && !strings.Contains(name, "/") {
		// Inside, the same PATH finds the same file first (what it finds outside is made
		// visible at the same path; what it skips outside is not there inside), and argv[0]
		// stays as the user typed it.
		inside = name
	}
	return inside, added, nil
}

// install makes the program at p (absolute) runnable inside and returns the path that runs
// it there. Mounts it adds go to added; mounts is what is bound so far.
func install(p, path string, mounts []Mount, added *[]Mount, depth int) (string, error) {
	if depth > 4 {
		return "", fmt.Errorf("%s: interpreters nested too deep", p)
	}
	// The directory's own symlinks are resolved: its real path is where it is bound.
	dir, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return "", err
	}
	p = filepath.Join(dir, filepath.Base(p))
	inside := p
	seen := append(mounts, *added...)
	for hops := 0; ; hops++ {
		if visible(seen, p) {
			return inside, nil
		}
		if hops > 40 {
			return "", fmt.Errorf("%s: too many levels of symbolic links", inside)
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			break
		}
		target, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		*added = append(*added, Mount{Kind: Symlink, Src: target, Dst: p, Why: "command"})
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		dir, err := filepath.EvalSymlinks(filepath.Dir(target))
		if err != nil {
			return "", err
		}
		p = filepath.Join(dir, filepath.Base(target))
		seen = append(mounts, *added...)
	}
	root := installationRoot(p)
	*added = append(*added, Mount{Kind: ReadOnly, Src: root, Dst: root, Why: "command"})
	// A script runs only if its interpreter does.
	interp, arg := shebang(p)
	switch {
	case interp == "":
	case filepath.Base(interp) == "env" && arg != "" && !strings.HasPrefix(arg, "-"):
		// #!/usr/bin/env node: found on PATH inside, where the same directories come first.
		if found, ok := findExecutable(arg, path); ok && filepath.IsAbs(found) {
			if _, err := install(found, path, mounts, added, depth+1); err != nil {
				return "", err
			}
		}
		if _, err := install(interp, path, mounts, added, depth+1); err != nil {
			return "", err
		}
	default:
		if _, err := install(interp, path, mounts, added, depth+1); err != nil {
			return "", err
		}
	}
	return inside, nil
}

// installationRoot is what to bind so the program at p runs: the outermost node_modules
// above it (an npm package and its dependencies), the virtual environment it belongs to (a
// Python tool), else the file alone.
func installationRoot(p string) string {
	if i := strings.Index(p, "/node_modules/"); i >= 0 {
		return p[:i+len("/node_modules")]
	}
	if venv := filepath.Dir(filepath.Dir(p)); isFile(filepath.Join(venv, "pyvenv.cfg")) {
		return venv
	}
	return p
}

// shebang returns a script's interpreter and its one argument, or "" for a binary.
func shebang(p string) (interp, arg string) {
	head, err := safefile.ReadHead(p, 256)
	if err != nil {
		return "", ""
	}
	line, ok := bytes.CutPrefix(head, []byte("#!"))
	if !ok {
		return "", ""
	}
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	fields := strings.Fields(string(line))
	if len(fields) == 0 || !filepath.IsAbs(fields[0]) {
		return "", ""
	}
	if len(fields) > 1 {
		return fields[0], fields[1]
	}
	return fields[0], ""
}
