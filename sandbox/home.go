package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/amika-dev/amika/internal/safefile"
)

// homeFiles is a sandbox's home as amika touches it from the host. Whatever ran inside wrote
// what is there, so no path through it is trusted: every operation stays inside the
// directory (os.Root: a symlink that leads out of it is an error, never followed to the
// user's files), and the directories amika needs are made real ones, replacing anything
// planted in their way.
type homeFiles struct {
	root *os.Root
	path string
}

func openHome(path string) (*homeFiles, error) {
	r, err := os.OpenRoot(path)
	if err != nil {
		return nil, err
	}
	return &homeFiles{root: r, path: path}, nil
}

func (h *homeFiles) Close() { h.root.Close() }

func (h *homeFiles) where(rel string) string { return filepath.Join(h.path, rel) }

// dir makes rel a real directory, each of its components too: a symlink, file or anything
// else in the way is removed first.
func (h *homeFiles) dir(rel string) error {
	cur := ""
	for _, c := range strings.Split(filepath.Clean(rel), "/") {
		if c == "" || c == "." {
			continue
		}
		if c == ".." {
			return fmt.Errorf("%s: leaves the sandbox's home", h.where(rel))
		}
		cur = filepath.Join(cur, c)
		fi, err := h.root.Lstat(cur)
		if err == nil && fi.IsDir() {
			continue
		}
		if err == nil {
			if err := h.root.RemoveAll(cur); err != nil {
				return fmt.Errorf("%s: %v", h.where(cur), unwrapPath(err))
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %v", h.where(cur), unwrapPath(err))
		}
		if err := h.root.Mkdir(cur, 0o700); err != nil {
			return fmt.Errorf("%s: %v", h.where(cur), unwrapPath(err))
		}
	}
	return nil
}

// file makes rel a regular file (an empty one when missing), in real directories.
func (h *homeFiles) file(rel string) error {
	if err := h.dir(filepath.Dir(rel)); err != nil {
		return err
	}
	fi, err := h.root.Lstat(rel)
	if err == nil && fi.Mode().IsRegular() {
		return nil
	}
	if err == nil {
		if err := h.root.RemoveAll(rel); err != nil {
			return fmt.Errorf("%s: %v", h.where(rel), unwrapPath(err))
		}
	}
	f, err := h.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("%s: %v", h.where(rel), unwrapPath(err))
	}
	return f.Close()
}

// symlink makes rel a symlink to target, in real directories.
func (h *homeFiles) symlink(rel, target string) error {
	if err := h.dir(filepath.Dir(rel)); err != nil {
		return err
	}
	if to, err := h.root.Readlink(rel); err == nil && to == target {
		return nil
	}
	if _, err := h.root.Lstat(rel); err == nil {
		if err := h.root.RemoveAll(rel); err != nil {
			return fmt.Errorf("%s: %v", h.where(rel), unwrapPath(err))
		}
	}
	if err := h.root.Symlink(target, rel); err != nil {
		return fmt.Errorf("%s: %v", h.where(rel), unwrapPath(err))
	}
	return nil
}

// read reads the regular file rel, at most limit bytes. A symlink is followed only as far
// as it stays in the home (whatever it reaches there, the sandbox could have written).
func (h *homeFiles) read(rel string, limit int64) ([]byte, error) {
	f, err := h.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s, not a regular file", h.where(rel), safefile.FileType(fi.Mode()))
	}
	return safefile.ReadAll(f, limit, int(fi.Size()))
}

// write replaces rel with data, mode 0600, atomically: a temp file beside it, renamed over
// it. The directories on the way are made real ones.
func (h *homeFiles) write(rel string, data []byte) error {
	if err := h.dir(filepath.Dir(rel)); err != nil {
		return err
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(rel), ".amika-tmp-"+hex.EncodeToString(rnd[:]))
	f, err := h.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("%s: %v", h.where(rel), unwrapPath(err))
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = h.root.Rename(tmp, rel)
	}
	if err != nil {
		h.root.Remove(tmp)
		return fmt.Errorf("%s: %v", h.where(rel), unwrapPath(err))
	}
	return nil
}
