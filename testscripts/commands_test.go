package testscripts

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCommands are the commands scripts use beyond testscript's own, each with every form
// it takes, written as README.md documents it (TestScriptCommandsDocumented); each one's
// code, and its full description, sit in its feature area's file.
var scriptCommands = []struct {
	name   string
	usages []string
	run    func(ts *testscript.TestScript, neg bool, args []string)
}{
	{"mkfifo", []string{"mkfifo PATH"}, cmdMkfifo},
	{"unprivileged", []string{"[!] unprivileged amika ARGS…"}, cmdUnprivileged},
	{"shell-session", []string{"shell-session [-strace LOG] SHELL RCFILE SESSION"}, cmdShellSession},
	{"strace-forks", []string{"strace-forks LOG BEGIN END"}, cmdStraceForks},
	{"keyring", []string{"keyring start", "keyring lock", "keyring bus", "keyring stall", "keyring dismiss", "keyring hang NAME",
		"[!] keyring connections N", "keyring start-as UID", "[!] keyring as UID CMD ARGS…"}, cmdKeyring},
	{"busflip", []string{"busflip SOCKET LINK TARGET", "[!] busflip connections N"}, cmdBusFlip},
	{"httpcapture", []string{"httpcapture LOG"}, cmdHTTPCapture},
	{"client", []string{"client NAME"}, cmdClient},
	{"mockapi", []string{"mockapi start", "mockapi requests", "[!] mockapi auth PATH", "mockapi sent PATH WANT…",
		"! mockapi sent PATH", "mockapi reset"}, cmdMockAPI},
	{"clients", []string{"clients"}, cmdClients},
	{"gpg-user", []string{"gpg-user NAME [PASSPHRASE]"}, cmdGPGUser},
	{"as", []string{"as NAME"}, cmdAs},
	{"gpg-exchange", []string{"gpg-exchange NAME NAME…"}, cmdGPGExchange},
	{"gpg-forget", []string{"gpg-forget NAME"}, cmdGPGForget},
	{"pinentry", []string{"pinentry NAME answer|hang"}, cmdPinentry},
	{"need", []string{"need TOOL…"}, cmdNeed},
	{"need-landlock", []string{"need-landlock N"}, cmdNeedLandlock},
	{"wait-file", []string{"wait-file PATH"}, cmdWaitFile},
	{"abstract-listen", []string{"abstract-listen NAME"}, cmdAbstractListen},
	{"give-nobody", []string{"give-nobody PATH…"}, cmdGiveNobody},
	{"pty-expect", []string{"pty-expect STEPS CMD [ARGS…]"}, cmdPtyExpect},
}

// setups run after the common environment is laid out.
var setups = []func(env *testscript.Env) error{rememberScript, noBwrapPath}

func commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	m := make(map[string]func(ts *testscript.TestScript, neg bool, args []string), len(scriptCommands))
	for _, c := range scriptCommands {
		m[c.name] = c.run
	}
	return m
}

// README.md documents every registered command in every form it takes, and nothing that
// is not registered.
func TestScriptCommandsDocumented(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Commands beyond testscript's own\n")
	if !ok {
		t.Fatal("README.md has no section \"Commands beyond testscript's own\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	registered := map[string]bool{}
	for _, c := range scriptCommands {
		registered[c.name] = true
		for _, u := range c.usages {
			if !strings.Contains(section, "`"+u+"`") {
				t.Errorf("README.md does not document `%s`", u)
			}
		}
	}
	// Each list item opens with a command's usage in backquotes.
	item := regexp.MustCompile("(?m)^\\s*- `(?:\\[!\\] |! )?([^ `]+)")
	for _, m := range item.FindAllStringSubmatch(section, -1) {
		if !registered[m[1]] {
			t.Errorf("README.md documents %q, which no script can use (not in scriptCommands)", m[1])
		}
	}
}
