// Package testscripts holds amika's end-to-end behaviour as txtar scripts. Each script runs
// in its own directory with HOME=$WORK/home and calls the real amika command, registered
// in-process, and real shells, git, direnv and keyring.
package testscripts

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/amika-dev/amika/cmd/amika/cli"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"amika":                func() { os.Exit(cli.Main()) },
		"git-credential-amika": func() { os.Exit(cli.Main()) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 ".",
		Cmds:                commands(),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, "home")
			if err := os.MkdirAll(home, 0o755); err != nil {
				return err
			}
			env.Setenv("HOME", home)
			env.Setenv("LANG", "C.UTF-8")
			env.Setenv("AMIKA_STORE", "file")
			for _, name := range []string{"XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "CLAUDE_CONFIG_DIR", "CODEX_HOME", "DBUS_SESSION_BUS_ADDRESS"} {
				env.Setenv(name, "")
			}
			for _, setup := range setups {
				if err := setup(env); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
