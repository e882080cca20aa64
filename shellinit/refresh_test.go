package shellinit

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A watched file in a missing directory is tested at that directory, once for all the
// files in it; the directory appearing is a change, as a file appearing is.
func TestRefreshMissingDirectory(t *testing.T) {
	dir := t.TempDir()
	stamp, stampTime, err := TouchStamp(filepath.Join(dir, "stamps"), "abc", 0)
	if err != nil {
		t.Fatal(err)
	}
	gemini := filepath.Join(dir, ".gemini")
	watch := []string{filepath.Join(gemini, "a.json"), filepath.Join(gemini, "sub", "b.json"), filepath.Join(dir, "c.json")}
	r := NewRefresh(Bash, nil, env(nil), watch, stamp, 0, stampTime)
	if strings.Join(r.Absent, " ") != gemini+" "+filepath.Join(dir, "c.json") {
		t.Fatalf("absent = %q", r.Absent)
	}
	var b strings.Builder
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	script := b.String() + "_amika_unchanged && echo unchanged\nmkdir " + QuoteSh(gemini) + "\n_amika_unchanged || echo changed\n"
	out, err := exec.Command("bash", "--norc", "--noprofile", "-c", "set -u\n"+script).CombinedOutput()
	if err != nil || string(out) != "unchanged\nchanged\n" {
		t.Fatalf("%v: %q", err, out)
	}
	// once it exists, each file in it is tested again
	r = NewRefresh(Bash, nil, env(nil), watch, stamp, 0, stampTime)
	if len(r.Absent) != 3 {
		t.Fatalf("absent = %q", r.Absent)
	}
}
