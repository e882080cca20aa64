package testscripts

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/amika-dev/amika/testscripts/mockapi"
)

// The real agent CLIs are the oracle of what each accepts: scripts/clients installs the
// pinned Claude Code, Codex and OpenCode, and these commands run them offline against a
// mock of their APIs on 127.0.0.1 that records which header carried which credential.
//
//	mockapi start               start the mock API; set MOCK_URL and MOCK_ADDR
//	mockapi requests            print the requests recorded: METHOD PATH [websocket] name=value…
//	[!] mockapi auth PATH       print how the requests to PATH carried their credential
//	mockapi sent PATH WANT…     assert those lines are exactly WANT…, then forget the requests
//	! mockapi sent PATH         assert no request went to PATH, then forget the requests
//	mockapi reset               forget the requests recorded
//	clients                     the real claude, codex, opencode first on PATH, bounded in
//	                            time and pointed at the mock (after mockapi start)
//
// testscripts/README.md says more of each.

// rememberScript keeps each script's testscript.T, so a command can skip the script.
func rememberScript(env *testscript.Env) error {
	scriptTs.Store(env.WorkDir, env.T())
	return nil
}

// scriptTs lets a command skip its script: $WORK → the script's testscript.T.
var scriptTs sync.Map

var mockServers sync.Map // *testscript.TestScript → *mockapi.Server

func mockServer(ts *testscript.TestScript) *mockapi.Server {
	v, ok := mockServers.Load(ts)
	if !ok {
		ts.Fatalf("mockapi: no mock API in this script (mockapi start)")
	}
	return v.(*mockapi.Server)
}

// mockapi start | requests | auth PATH | sent PATH WANT… | reset
func cmdMockAPI(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: mockapi start | requests | auth PATH | sent PATH WANT… | reset")
	}
	switch args[0] {
	case "start":
		if neg || len(args) != 1 {
			ts.Fatalf("usage: mockapi start")
		}
		if _, ok := mockServers.Load(ts); ok {
			ts.Fatalf("mockapi: already started")
		}
		s, err := mockapi.Start()
		ts.Check(err)
		mockServers.Store(ts, s)
		ts.Defer(func() {
			s.Close()
			mockServers.Delete(ts)
		})
		ts.Setenv("MOCK_URL", s.URL)
		ts.Setenv("MOCK_ADDR", s.Addr)
	case "requests":
		if neg || len(args) != 1 {
			ts.Fatalf("usage: mockapi requests")
		}
		mockapi.Format(ts.Stdout(), mockServer(ts).Requests())
	case "auth":
		if len(args) != 2 {
			ts.Fatalf("usage: [!] mockapi auth PATH")
		}
		lines, err := mockapi.Credentials(mockServer(ts).Requests(), args[1])
		if neg {
			if err == nil {
				ts.Fatalf("mockapi auth: request(s) to %s, want none:\n%s", args[1], strings.Join(lines, "\n"))
			}
			return
		}
		if err != nil {
			logRequests(ts)
			ts.Fatalf("mockapi auth: %v", err)
		}
		for _, l := range lines {
			fmt.Fprintln(ts.Stdout(), l)
		}
	case "sent":
		if len(args) < 2 || neg != (len(args) == 2) {
			ts.Fatalf("usage: mockapi sent PATH WANT… | ! mockapi sent PATH")
		}
		s := mockServer(ts)
		reqs := s.Requests()
		s.Reset()
		lines, err := mockapi.Credentials(reqs, args[1])
		if (err == nil) == neg {
			var all strings.Builder
			mockapi.Format(&all, reqs)
			ts.Logf("requests recorded:\n%s", all.String())
		}
		switch {
		case neg && err == nil:
			ts.Fatalf("mockapi sent: request(s) to %s, want none:\n%s", args[1], strings.Join(lines, "\n"))
		case neg:
		case err != nil:
			ts.Fatalf("mockapi sent: %v", err)
		default:
			want := append([]string(nil), args[2:]...)
			sort.Strings(want)
			if strings.Join(lines, "\n") != strings.Join(want, "\n") {
				ts.Fatalf("mockapi sent: requests to %s carried\n\t%s\nwant\n\t%s", args[1], strings.Join(lines, "\n\t"), strings.Join(want, "\n\t"))
			}
		}
	case "reset":
		if neg || len(args) != 1 {
			ts.Fatalf("usage: mockapi reset")
		}
		mockServer(ts).Reset()
	default:
		ts.Fatalf("unknown mockapi command %q", args[0])
	}
}

func logRequests(ts *testscript.TestScript) {
	var all strings.Builder
	mockapi.Format(&all, mockServer(ts).Requests())
	ts.Logf("requests recorded:\n%s", all.String())
}

// clientTimeout bounds each run of a client, in seconds: a client that hangs (a prompt, a
// network wait) fails its script instead of the whole run.
const clientTimeout = 120

// clientNames are the commands scripts/clients installs.
var clientNames = []string{"claude", "codex", "opencode"}

// clientsDir is where scripts/clients put the commands: $AMIKA_TEST_CLIENTS, else the
// cache's current install.
func clientsDir() string {
	if d := os.Getenv("AMIKA_TEST_CLIENTS"); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "amika", "clients", "current", "node_modules", ".bin")
}

// clientEnvCleared are the variables that change what a client sends. A script starts
// without them (testscript passes on none of the developer's environment); one that sets
// and then empties one leaves it unset for the clients.
var clientEnvCleared = []string{
	"ANTHROPIC_API_KEY", "CLAUDE_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "ANTHROPIC_AUTH_TOKEN",
	"CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "ANTHROPIC_MODEL", "CLAUDE_SECURESTORAGE_CONFIG_DIR",
	"OPENAI_API_KEY", "CODEX_API_KEY", "OPENAI_BASE_URL",
	"OPENCODE_AUTH_CONTENT", "OPENCODE_CONFIG", "OPENCODE_CONFIG_DIR",
}

// clientEnvUnsetEmpty are the variables the common setup empties that clients read.
var clientEnvUnsetEmpty = []string{"XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "CLAUDE_CONFIG_DIR", "CODEX_HOME", "DBUS_SESSION_BUS_ADDRESS"}

// clients
//
// Puts the real claude, codex and opencode first on PATH, each wrapped so that one run
// ends after clientTimeout seconds, with everything pointed at the mock API ($MOCK_URL,
// from `mockapi start`) and nothing else: every other host goes through the mock as an
// HTTP proxy, which refuses it and records the attempt. Outside CI, a machine without the
// clients skips the script; in CI that fails it.
func cmdClients(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: clients")
	}
	mock := ts.Getenv("MOCK_URL")
	if mock == "" {
		ts.Fatalf("clients: no mock API (run mockapi start first)")
	}
	dir := clientsDir()
	if resolved, err := filepath.EvalSymlinks(dir); err == nil {
		dir = resolved
	}
	var missing []string
	for _, name := range clientNames {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode()&0o111 == 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("clients: %s not installed in %s (scripts/clients installs them)", strings.Join(missing, ", "), dir)
		if os.Getenv("CI") == "true" {
			ts.Fatalf("%s", msg)
		}
		t, ok := scriptTs.Load(ts.Getenv("WORK"))
		if !ok {
			ts.Fatalf("%s", msg)
		}
		t.(testscript.T).Skip(msg)
	}

	// A script can empty a variable but not unset it, and some clients read an empty one
	// differently from a missing one (Claude Code takes CLAUDE_CONFIG_DIR="" as the current
	// directory): each wrapper unsets the empty ones, as a user's shell would not have them.
	var unset []string
	for _, name := range append(append([]string{}, clientEnvCleared...), clientEnvUnsetEmpty...) {
		unset = append(unset, `[ -n "${`+name+`-}" ] || unset `+name)
	}
	wrappers := filepath.Join(ts.Getenv("WORK"), ".clients")
	ts.Check(os.MkdirAll(wrappers, 0o755))
	for _, name := range clientNames {
		real := filepath.Join(dir, name)
		extra := ""
		if name == "codex" {
			// Codex has no variables for these: its own root flags, before the subcommand.
			extra = " -c analytics.enabled=false -c features.plugins=false -c " + shQuote(`openai_base_url="`+mock+`/v1"`)
		}
		script := "#!/bin/sh\n# the real " + name + ", ended after " + strconv.Itoa(clientTimeout) + "s\n" +
			strings.Join(unset, "\n") + "\n" +
			"exec timeout -k 5 " + strconv.Itoa(clientTimeout) + " " + shQuote(real) + extra + " \"$@\"\n"
		ts.Check(os.WriteFile(filepath.Join(wrappers, name), []byte(script), 0o755))
	}
	ts.Setenv("PATH", wrappers+string(os.PathListSeparator)+ts.Getenv("PATH"))
	ts.Setenv("CLIENTS_BIN", dir)

	for _, kv := range [][2]string{
		// every client: no host but the mock
		{"HTTPS_PROXY", mock}, {"HTTP_PROXY", mock}, {"https_proxy", mock}, {"http_proxy", mock},
		{"NO_PROXY", "127.0.0.1,localhost"}, {"no_proxy", "127.0.0.1,localhost"},
		// Claude Code
		{"ANTHROPIC_BASE_URL", mock},
		{"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"},
		{"DISABLE_AUTOUPDATER", "1"},
		{"DISABLE_TELEMETRY", "1"},
		{"DISABLE_ERROR_REPORTING", "1"},
		// OpenCode: its providers' base URLs, no models.dev fetch, no self-update
		{"OPENCODE_CONFIG_CONTENT", `{"provider":{"anthropic":{"options":{"baseURL":"` + mock + `/v1"}},"openai":{"options":{"baseURL":"` + mock + `/v1"}}}}`},
		{"OPENCODE_DISABLE_MODELS_FETCH", "true"},
		{"OPENCODE_DISABLE_AUTOUPDATE", "true"},
		{"OPENCODE_DISABLE_DEFAULT_PLUGINS", "true"},
		{"OPENCODE_DISABLE_LSP_DOWNLOAD", "true"},
	} {
		ts.Setenv(kv[0], kv[1])
	}
}
