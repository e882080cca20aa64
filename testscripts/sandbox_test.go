package testscripts

import (
	"io/fs"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/amika-dev/amika/sandbox"
)

// Sandboxes run in real bubblewrap.
//
//	bwrap-ready          bubblewrap can start a sandbox here; otherwise the script is skipped,
//	                     and in CI (CI=true) it fails
//	chown-nobody PATH…   as root, gives PATH and everything in it to uid/gid 65534 (for
//	                     `unprivileged amika`); otherwise does nothing
func init() {
	commands["bwrap-ready"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 0 {
			ts.Fatalf("usage: bwrap-ready")
		}
		err := (&sandbox.Bubblewrap{}).Check()
		if err == nil {
			return
		}
		if os.Getenv("CI") == "true" {
			ts.Fatalf("bubblewrap: %v (CI runs the real bubblewrap)", err)
		}
		t, ok := scriptTs.Load(ts.Getenv("WORK"))
		if !ok {
			ts.Fatalf("bubblewrap: %v", err)
		}
		t.(testscript.T).Skip("bubblewrap: " + err.Error())
	}
	commands["chown-nobody"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) == 0 {
			ts.Fatalf("usage: chown-nobody PATH…")
		}
		if os.Geteuid() != 0 {
			return
		}
		for _, p := range args {
			ts.Check(filepath.WalkDir(ts.MkAbs(p), func(path string, _ fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				return os.Lchown(path, 65534, 65534)
			}))
		}
	}
}
