package testscripts

import (
	"os"
	"os/exec"

	"github.com/rogpeppe/go-internal/testscript"
)

// client NAME: in CI (CI=true) the real agent CLI NAME must be on PATH, or the script
// fails; elsewhere a missing client is left to the script ([!exec:NAME] skip).
func cmdClient(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: client NAME")
	}
	if _, err := exec.LookPath(args[0]); err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		ts.Fatalf("%s is not on PATH: CI runs the real client", args[0])
	}
}
