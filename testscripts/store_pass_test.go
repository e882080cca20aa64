package testscripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/amika-dev/amika/store/pass/passtest"
)

// Password stores are tested with the real gpg, gpg-agent, pass and git: each person is a
// GnuPG home of their own with a fresh key, a team's remote is a bare repository.
//
//	gpg-user NAME [PASSPHRASE]  create NAME's key ("Name <name@example.com>", with
//	                            PASSPHRASE when given) and set $NAME_FPR (NAME upper-cased)
//	as NAME                     act as NAME from here on: HOME=$WORK/name, NAME's GNUPGHOME,
//	                            git author and committer, PASSWORD_STORE_DIR=$HOME/.password-store
//	gpg-exchange NAME…          each of them imports the others' public keys
//	gpg-forget NAME             NAME's gpg-agent forgets cached passphrases: the key is locked
//	pinentry NAME answer|hang   NAME's gpg-agent asks for passphrases through a scripted
//	                            pinentry that answers NAME's passphrase, or never answers (a
//	                            prompt nobody sees); each launch adds a line to
//	                            $WORK/pinentry-name.log

func cmdGPGForget(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: gpg-forget NAME")
	}
	ts.Check(gpgUser(ts, args[0]).Forget())
}

var gpgUsers sync.Map // *testscript.TestScript → map[string]*passtest.User

func users(ts *testscript.TestScript) map[string]*passtest.User {
	m, _ := gpgUsers.LoadOrStore(ts, map[string]*passtest.User{})
	return m.(map[string]*passtest.User)
}

func gpgUser(ts *testscript.TestScript, name string) *passtest.User {
	u := users(ts)[strings.ToLower(name)]
	if u == nil {
		ts.Fatalf("no gpg-user %s", name)
	}
	return u
}

// needTools fails a script whose tools are missing (scripts/test installs them).
func needTools(ts *testscript.TestScript, tools ...string) {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			ts.Fatalf("%s is not installed (apt-get install gnupg pass git)", tool)
		}
	}
}

func cmdGPGUser(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: gpg-user NAME [PASSPHRASE]")
	}
	needTools(ts, "gpg", "gpgconf", "gpg-agent", "git", "pass")
	passphrase := ""
	if len(args) == 2 {
		passphrase = args[1]
	}
	name := args[0]
	u, err := passtest.NewUser(strings.ToUpper(name[:1])+name[1:], passphrase)
	ts.Check(err)
	ts.Defer(u.Close)
	users(ts)[strings.ToLower(name)] = u
	ts.Setenv(strings.ToUpper(name)+"_FPR", u.Fingerprint)
}

func cmdAs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: as NAME")
	}
	u := gpgUser(ts, args[0])
	home := ts.MkAbs(strings.ToLower(args[0]))
	ts.Check(os.MkdirAll(home, 0o755))
	ts.Setenv("HOME", home)
	ts.Setenv("GNUPGHOME", u.Home)
	ts.Setenv("PASSWORD_STORE_DIR", filepath.Join(home, ".password-store"))
	for _, v := range []string{"GIT_AUTHOR", "GIT_COMMITTER"} {
		ts.Setenv(v+"_NAME", u.Name)
		ts.Setenv(v+"_EMAIL", u.Email)
	}
}

func cmdGPGExchange(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: gpg-exchange NAME NAME…")
	}
	var list []*passtest.User
	for _, a := range args {
		list = append(list, gpgUser(ts, a))
	}
	ts.Check(passtest.Exchange(list...))
}

func cmdPinentry(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || args[1] != "answer" && args[1] != "hang" {
		ts.Fatalf("usage: pinentry NAME answer|hang")
	}
	u := gpgUser(ts, args[0])
	dir := ts.MkAbs(".pinentry")
	ts.Check(os.MkdirAll(dir, 0o700))
	passfile := filepath.Join(dir, strings.ToLower(args[0])+".pass")
	ts.Check(os.WriteFile(passfile, []byte(u.Passphrase), 0o600))
	log := ts.MkAbs("pinentry-" + strings.ToLower(args[0]) + ".log")
	script := filepath.Join(dir, strings.ToLower(args[0])+"-"+args[1])
	ts.Check(os.WriteFile(script, []byte(passtest.PinentryScript(passfile, log, args[1] == "hang")), 0o755))
	ts.Check(u.SetPinentry(script))
}
