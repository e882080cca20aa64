package shellinit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
)

// NewHookID returns a fresh id for one shell's stamp file. It is random, not the shell's
// pid: two live shells must never share a stamp, and pids come back.
func NewHookID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ValidHookID reports whether id can name a stamp file.
func ValidHookID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// A stampPlace is a directory hooks may keep their stamps in. parent, when set, is the
// directory it is made in, which is not amika's: it is checked, never created or changed.
type stampPlace struct{ dir, parent string }

// stampPlaces are p.HookStamps. The runtime directory may be another user's (su without -
// keeps it) or shared: a place in it is used only when it is the user's and closed to
// others. The cache directory is the user's own.
func stampPlaces(p discovery.Paths) []stampPlace {
	var places []stampPlace
	for _, dir := range p.HookStamps() {
		place := stampPlace{dir: dir}
		if p.RuntimeDir != "" && filepath.Dir(dir) == filepath.Clean(p.RuntimeDir) {
			place.parent = filepath.Dir(dir)
		}
		places = append(places, place)
	}
	return places
}

func stampPath(dir, id string, slot int) string {
	return filepath.Join(dir, fmt.Sprintf("hook-%s-%d.stamp", id, slot))
}

// staleStamp is how long a stamp may go unrefreshed before another shell removes it. A
// shell whose stamp was removed refreshes once at its next prompt and writes a new one.
const staleStamp = 7 * 24 * time.Hour

// TouchStamp writes the stamp file of hook id in dir, in the slot the shell is not using,
// and returns its path and modification time. It is written before discovery reads
// anything, with the kernel's clock (the one every other file's mtime comes from): a source
// written afterwards has an mtime no older than it. The shell keeps comparing with the old
// slot until it has applied this refresh, so a refresh cut short hides no change.
//
// dir must be private (safefile.PrivateDir: the user's, mode 0700, not a symlink; created
// so when missing) and the stamp a regular file of the user's: a symlink at its path is
// neither followed nor touched. Failures are *fs.PathError naming the directory or the
// stamp.
func TouchStamp(dir, id string, slot int) (string, time.Time, error) {
	if !ValidHookID(id) {
		return "", time.Time{}, errors.New("invalid hook id: want 1 to 64 hex digits")
	}
	if err := safefile.PrivateDir(dir); err != nil {
		return "", time.Time{}, &fs.PathError{Op: "hook stamp", Path: dir, Err: err}
	}
	path := stampPath(dir, id, slot)
	old, statErr := os.Lstat(path)
	if statErr == nil && old.Mode().IsRegular() && !safefile.OwnedByMe(old) {
		// planted while the directory was open (a hard link, say): not the user's to touch
		return "", time.Time{}, &fs.PathError{Op: "hook stamp", Path: path, Err: errors.New("it belongs to another user")}
	}
	if err := safefile.Touch(path); err != nil {
		return "", time.Time{}, &fs.PathError{Op: "hook stamp", Path: path, Err: err}
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return "", time.Time{}, &fs.PathError{Op: "hook stamp", Path: path, Err: err}
	}
	if errors.Is(statErr, fs.ErrNotExist) {
		removeStaleStamps(dir, fi.ModTime())
	}
	return path, fi.ModTime(), nil
}

// removeStaleStamps removes the stamps of shells long gone from dir, a private directory:
// regular files only, by name, never through a link.
func removeStaleStamps(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), "hook-") || !strings.HasSuffix(e.Name(), ".stamp") {
			continue
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > staleStamp {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// stamp touches the stamp of hook id in slot (see TouchStamp) in the first stamp place that
// is usable. When that is not the first place, it warns once per shell: at the shell's
// first stamp there (the slot in use is not there yet), not at every refresh. With no
// usable place it warns and returns no stamp: the refresh then has no file test, and the
// shell refreshes only when an OAuth token expires or a path-choosing variable changes.
func (s Session) stamp(id string, slot, inUse int) (string, time.Time, []discovery.Warning, error) {
	var failed []*fs.PathError
	for _, place := range stampPlaces(s.Paths) {
		if place.parent != "" {
			if err := safefile.OwnDir(place.parent); err != nil {
				failed = append(failed, &fs.PathError{Op: "hook stamp", Path: place.parent, Err: err})
				continue
			}
		}
		path, t, err := TouchStamp(place.dir, id, slot)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			failed = append(failed, pe)
			continue
		} else if err != nil {
			return "", time.Time{}, nil, err
		}
		if len(failed) == 0 {
			return path, t, nil, nil
		}
		if _, err := os.Lstat(stampPath(place.dir, id, inUse)); err == nil {
			return path, t, nil, nil
		}
		return path, t, []discovery.Warning{stampWarning(failed, "kept in "+place.dir+" instead")}, nil
	}
	return "", time.Time{}, []discovery.Warning{stampWarning(failed, "without a private place for its stamp, this shell does not see credential files change (a new shell does)")}, nil
}

// stampWarning is one line: the first place that could not be used and why, any other
// such place, and what happens instead.
func stampWarning(failed []*fs.PathError, instead string) discovery.Warning {
	reason := failed[0].Err.Error()
	for _, f := range failed[1:] {
		path := f.Path
		if strings.IndexFunc(path, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			path = strconv.Quote(path)
		}
		reason += "; " + path + ": " + f.Err.Error()
	}
	return discovery.Warning{Source: "hook stamps", Path: failed[0].Path, Reason: reason + "; " + instead}
}
