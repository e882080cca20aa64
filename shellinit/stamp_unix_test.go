//go:build unix

package shellinit

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Stale stamps are removed by name, regular files only: a symlink is left, and nothing
// is removed through it.
func TestStaleStampsNotThroughLinks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "stamps")
	target := filepath.Join(t.TempDir(), "target")
	os.WriteFile(target, nil, 0o600)
	old := time.Now().Add(-30 * 24 * time.Hour)
	os.Chtimes(target, old, old)
	os.MkdirAll(dir, 0o700)
	link := filepath.Join(dir, "hook-link-0.stamp")
	os.Symlink(target, link)
	tv := []unix.Timeval{unix.NsecToTimeval(old.UnixNano()), unix.NsecToTimeval(old.UnixNano())}
	if err := unix.Lutimes(link, tv); err != nil {
		t.Fatal(err)
	}
	if _, _, err := TouchStamp(dir, "abc", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(link); err != nil {
		t.Fatal("a symlink was removed as a stale stamp")
	}
	if _, err := os.Stat(target); err != nil {
		t.Fatal("the link's target was removed")
	}
}
