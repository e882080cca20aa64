//go:build unix

package safefile

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestResolve(t *testing.T) {
	d := t.TempDir()
	d, _ = filepath.EvalSymlinks(d)
	for _, err := range []error{
		os.MkdirAll(filepath.Join(d, "real", "v1"), 0o755),
		os.WriteFile(filepath.Join(d, "real", "v1", "tool"), []byte("x"), 0o644),
		os.Symlink("real", filepath.Join(d, "current")),                                // a directory link
		os.Symlink("./current/../current/v1/tool", filepath.Join(d, "bin-tool-rel")),   // relative
		os.Symlink(filepath.Join(d, "bin-tool-rel"), filepath.Join(d, "bin-tool-abs")), // absolute, to a link
		os.Symlink("loop", filepath.Join(d, "loop")),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	real, links, err := Resolve(filepath.Join(d, "bin-tool-abs"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(d, "real", "v1", "tool"); real != want {
		t.Errorf("real = %s, want %s", real, want)
	}
	want := []Link{
		{filepath.Join(d, "bin-tool-abs"), filepath.Join(d, "bin-tool-rel")},
		{filepath.Join(d, "bin-tool-rel"), "./current/../current/v1/tool"},
		{filepath.Join(d, "current"), "real"},
		{filepath.Join(d, "current"), "real"},
	}
	if !reflect.DeepEqual(links, want) {
		t.Errorf("links = %v, want %v", links, want)
	}
	if _, _, err := Resolve(filepath.Join(d, "loop"), nil); err == nil {
		t.Error("a symlink loop resolved")
	}
}
