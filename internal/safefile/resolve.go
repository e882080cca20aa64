package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A Link is a symlink met on the way to the file a path names: where it is, and what it
// says.
type Link struct{ At, To string }

// maxLinks bounds the symlinks Resolve follows, as the kernel does (ELOOP).
const maxLinks = 40

var errTooManyLinks = errors.New("too many levels of symbolic links")

// Resolve walks path (absolute) component by component, as the kernel does: ".." is the
// parent of what the walk has come to, and a symlink is replaced by what it says (from the
// root when that is absolute). It returns the real path of the file path names and every
// symlink met on the way, in order. visit, when not nil, is called with each component met
// (its path and Lstat) before a symlink is followed. An error from visit, Lstat or Readlink
// ends the walk and is returned as it is; more than maxLinks symlinks is an error too.
func Resolve(path string, visit func(at string, fi fs.FileInfo) error) (string, []Link, error) {
	var links []Link
	cur := "/"
	pending := splitPath(path)
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			// cur is a real path (every symlink on the way has been resolved), so its
			// parent is what the kernel would take.
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		if err != nil {
			return "", nil, err
		}
		if visit != nil {
			if err := visit(next, fi); err != nil {
				return "", nil, err
			}
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if len(links) == maxLinks {
			return "", nil, fmt.Errorf("%s: %w", path, errTooManyLinks)
		}
		to, err := os.Readlink(next)
		if err != nil {
			return "", nil, err
		}
		links = append(links, Link{next, to})
		if filepath.IsAbs(to) {
			cur = "/"
		}
		pending = append(splitPath(to), pending...)
	}
	return cur, links, nil
}

func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}
