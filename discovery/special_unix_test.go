//go:build unix

package discovery

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSpecialFilesDoNotBlock puts a FIFO, a directory and a device at every source path.
func TestSpecialFilesDoNotBlock(t *testing.T) {
	p := fixtureHome(t, nil)
	done := make(chan Result, 1)
	for i, path := range SourcePaths(p) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch i % 3 {
		case 0:
			err = syscall.Mkfifo(path, 0o600)
		case 1:
			err = os.Mkdir(path, 0o755)
		case 2:
			err = os.Symlink("/dev/zero", path)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	go func() { done <- Discover(Options{Paths: p, Now: time.Now()}) }()
	select {
	case res := <-done:
		if len(res.Credentials) != 0 {
			t.Errorf("credentials %v", res.Credentials)
		}
		read := 0
		for _, f := range res.Files {
			switch {
			case f.State == StateMalformed:
				read++
			case f.State != StateNotRead: // .claude.json, when .config.json exists
				t.Errorf("%s %s: %s", f.Source, f.Path, f.State)
			}
		}
		if read != len(res.Warnings) || read < len(SourcePaths(p))-1 {
			t.Errorf("%d files read, warnings %v", read, res.Warnings)
		}
		for _, w := range res.Warnings {
			if !strings.Contains(w.Reason, "not a regular file") {
				t.Errorf("warning %v", w)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Discover blocked on a special file")
	}
}
