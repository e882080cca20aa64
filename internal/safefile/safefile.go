// Package safefile is the one way amika opens, creates and replaces files.
//
// Reads take regular files only: a FIFO, a device, a socket or a directory at the path is
// refused before it is opened (and checked again on the open descriptor), the open never
// blocks and never makes a terminal the controlling one, and what is read is bounded.
// Writes replace a file atomically (temp file in the same directory, fsync, rename). Files
// amika keeps for itself (locks, stamps) live in directories owned by the user with mode
// 0700 and are opened without following symlinks.
//
// Errors describe the file, never its content: callers put the path in front.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrTooLarge is returned (wrapped) for a file or stream beyond the caller's limit.
var ErrTooLarge = errors.New("too large")

// Reader reads regular files into one buffer, reused from file to file: a fresh process
// pays a page fault for every new page it touches.
type Reader struct{ buf []byte }

// mmapThreshold is the size from which a file is mapped rather than read.
const mmapThreshold = 256 << 10

// Read reads the regular file at path, at most limit bytes. A missing file (or a missing
// directory on the way) is fs.ErrNotExist, unwrapped, so callers can treat it as silence.
//
// release, when not nil, must be called once data is no longer used: big files are mapped,
// not copied (no heap to grow, zero and collect). Otherwise data is r's buffer, valid until
// the next Read: callers copy out what they keep. A mapped file truncated while it is read
// faults; callers that map should recover (see debug.SetPanicOnFault).
func (r *Reader) Read(path string, limit int64) (data []byte, release func(), err error) {
	f, size, err := openRegular(path, limit, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if size >= mmapThreshold {
		if m, release, err := mapFile(f, size); err == nil {
			return m, release, nil
		}
	}
	data = r.buf[:0]
	if int64(cap(data)) < size+1 {
		data = make([]byte, 0, max(size+1, 4<<10))
	}
	defer func() { r.buf = data[:0] }()
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		// Stop at the size fstat gave: one read per file. A file that grows meanwhile is
		// cut short and fails to parse, like any file caught mid-write.
		if err == io.EOF || size > 0 && int64(len(data)) >= size {
			return data, nil, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("cannot read: %v", unwrap(err))
		}
		if len(data) == cap(data) {
			if int64(len(data)) > limit {
				return nil, nil, tooLarge(limit)
			}
			data = append(data, 0)[:len(data)]
		}
	}
}

// ReadFile reads the regular file at path, at most limit bytes, into a new slice.
func ReadFile(path string, limit int64) ([]byte, error) {
	return readFile(path, limit, 0)
}

// ReadFileNoFollow is ReadFile for a path whose last component must not be a symlink.
func ReadFileNoFollow(path string, limit int64) ([]byte, error) {
	return readFile(path, limit, noFollow)
}

func readFile(path string, limit int64, flags int) ([]byte, error) {
	f, size, err := openRegular(path, limit, flags)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := ReadAll(f, limit, int(size))
	if err != nil && !errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("cannot read: %v", unwrap(err))
	}
	return data, err
}

// ReadInput reads a file the user names as input (an env file, a credential file), at most
// limit bytes: a regular file, or a pipe, so that bash's <(…) and /dev/stdin work. Anything
// else (a device such as /dev/zero or a terminal, a directory, a socket) is refused before it
// is opened. The open never blocks: a FIFO nobody writes to reads as empty.
func ReadInput(path string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, describeOpenError(err)
	}
	if !isInput(fi.Mode()) {
		return nil, notInput(fi.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, describeOpenError(err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("cannot stat: %v", unwrap(err))
	}
	if !isInput(fi.Mode()) {
		return nil, notInput(fi.Mode())
	}
	if fi.Mode().IsRegular() && fi.Size() > limit {
		return nil, tooLarge(limit)
	}
	data, err := ReadAll(f, limit, int(fi.Size()))
	if err != nil && !errors.Is(err, ErrTooLarge) {
		return nil, fmt.Errorf("cannot read: %v", unwrap(err))
	}
	return data, err
}

func isInput(m fs.FileMode) bool { return m.IsRegular() || m&fs.ModeNamedPipe != 0 }

func notInput(m fs.FileMode) error {
	return fmt.Errorf("%w nor a pipe (%s)", ErrNotRegular, FileType(m))
}

// ReadAll reads r to its end, failing with ErrTooLarge past limit bytes instead of growing
// without bound (standard input, a pipe). sizeHint sizes the first buffer.
func ReadAll(r io.Reader, limit int64, sizeHint int) ([]byte, error) {
	data := make([]byte, 0, min(int64(max(sizeHint, 512))+1, limit+1))
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		want := min(int64(cap(data)), limit+1)
		n, err := r.Read(data[len(data):want])
		data = data[:len(data)+n]
		if int64(len(data)) > limit {
			return nil, tooLarge(limit)
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// openRegular opens path read-only if it is a regular file of at most limit bytes.
func openRegular(path string, limit int64, flags int) (*os.File, int64, error) {
	var fi fs.FileInfo
	var err error
	if flags&noFollow != 0 {
		fi, err = os.Lstat(path)
	} else {
		fi, err = os.Stat(path)
	}
	if err != nil {
		return nil, 0, describeOpenError(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, notRegular(fi.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY|flags, 0)
	if err != nil {
		return nil, 0, describeOpenError(err)
	}
	if fi, err = f.Stat(); err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("cannot stat: %v", unwrap(err))
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, notRegular(fi.Mode())
	}
	if fi.Size() > limit {
		f.Close()
		return nil, 0, tooLarge(limit)
	}
	return f, fi.Size(), nil
}

// sizeError is ErrTooLarge with the limit that was passed.
type sizeError struct{ limit int64 }

func (e sizeError) Error() string        { return "larger than " + sizeText(e.limit) }
func (e sizeError) Is(target error) bool { return target == ErrTooLarge }

func tooLarge(limit int64) error { return sizeError{limit} }

func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ErrNotRegular is returned (wrapped) for a path that holds something other than a regular
// file.
var ErrNotRegular = errors.New("not a regular file")

func notRegular(m fs.FileMode) error {
	return fmt.Errorf("%w (%s)", ErrNotRegular, FileType(m))
}

// FileType names a file mode's type for messages: "a directory", "a FIFO", …
func FileType(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "type " + m.Type().String()
}

// describeOpenError explains why a path could not be opened; a missing file (or a missing
// directory on the way) is fs.ErrNotExist itself.
func describeOpenError(err error) error {
	err = unwrap(err)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fs.ErrNotExist
	case errors.Is(err, syscall.ENOTDIR):
		return errors.New("cannot open: a component of the path is not a directory")
	}
	return fmt.Errorf("cannot open: %v", err)
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// tempPrefix starts the name of every temp file WriteFileAtomic creates.
const tempPrefix = ".amika-tmp-"

// WriteFileAtomic replaces path with data, mode perm: a temp file in the same directory,
// written, fsynced and renamed over path, then the directory synced. A reader sees the old
// file or the new one, never a part; a writer killed midway leaves the old file whole (and
// a temp file that RemoveTemps clears). A symlink at path is replaced, not followed:
// callers that keep a symlinked file resolve it first.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return unwrap(err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return unwrap(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return unwrap(err)
	}
	if err := tmp.Sync(); err != nil {
		return unwrap(err)
	}
	if err := tmp.Close(); err != nil {
		return unwrap(err)
	}
	if err := os.Rename(name, path); err != nil {
		return unwrap(err)
	}
	ok = true
	syncDir(dir)
	return nil
}

// RemoveTemps deletes the temp files writers killed mid-write left in dir. Call it under
// the lock that serialises the writers of dir, so no live writer owns one.
func RemoveTemps(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// LockPrivate is Lock for a lock file amika keeps next to its own files: the directory is
// made private first (PrivateDir: created with mode 0700 when missing, refused when it is
// another user's or a symlink).
func LockPrivate(path string) (unlock func(), err error) {
	if err := PrivateDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return Lock(path)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
