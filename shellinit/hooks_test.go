package shellinit

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/amika-dev/amika/discovery"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func assign(name, value, provider string) discovery.Assignment {
	return discovery.Assignment{Name: name, Credential: discovery.Credential{Provider: provider, Value: value}}
}

func claim(name, value string) string { return name + ":" + fingerprint(name, value) }

func TestPlan(t *testing.T) {
	key := assign("ANTHROPIC_API_KEY", "sk-new", "anthropic")
	tests := []struct {
		name     string
		as       []discovery.Assignment
		env      map[string]string
		changes  []Change
		exported string
	}{
		{
			name:     "nobody's variable: set unless the shell holds one",
			as:       []discovery.Assignment{key},
			env:      map[string]string{},
			changes:  []Change{{OpSetIfUnset, "ANTHROPIC_API_KEY", "sk-new"}},
			exported: claim("ANTHROPIC_API_KEY", "sk-new"),
		},
		{
			name:     "amika's own variable with a new value: overwrite",
			as:       []discovery.Assignment{key},
			env:      map[string]string{"ANTHROPIC_API_KEY": "sk-old", exportedVar: claim("ANTHROPIC_API_KEY", "sk-old")},
			changes:  []Change{{OpSet, "ANTHROPIC_API_KEY", "sk-new"}},
			exported: claim("ANTHROPIC_API_KEY", "sk-new"),
		},
		{
			name:     "amika's own variable, unchanged: nothing to do",
			as:       []discovery.Assignment{key},
			env:      map[string]string{"ANTHROPIC_API_KEY": "sk-new", exportedVar: claim("ANTHROPIC_API_KEY", "sk-new")},
			exported: claim("ANTHROPIC_API_KEY", "sk-new"),
		},
		{
			name: "the user's variable: never touched, never claimed",
			as:   []discovery.Assignment{key},
			env:  map[string]string{"ANTHROPIC_API_KEY": "mine"},
		},
		{
			name: "a value the user changed after amika set it is the user's",
			as:   []discovery.Assignment{key},
			env:  map[string]string{"ANTHROPIC_API_KEY": "mine", exportedVar: claim("ANTHROPIC_API_KEY", "sk-old")},
		},
		{
			name:    "amika's variable that no longer resolves: unset",
			env:     map[string]string{"OPENAI_API_KEY": "sk-o", exportedVar: claim("OPENAI_API_KEY", "sk-o")},
			changes: []Change{{Op: OpUnset, Name: "OPENAI_API_KEY"}},
		},
		{
			name: "a variable the user changed does not get unset either",
			env:  map[string]string{"OPENAI_API_KEY": "mine", exportedVar: claim("OPENAI_API_KEY", "sk-o")},
		},
		{
			name:     "amika's variable the user unset: set again, unless the shell holds one",
			as:       []discovery.Assignment{key},
			env:      map[string]string{exportedVar: claim("ANTHROPIC_API_KEY", "sk-old")},
			changes:  []Change{{OpSetIfUnset, "ANTHROPIC_API_KEY", "sk-new"}},
			exported: claim("ANTHROPIC_API_KEY", "sk-new"),
		},
		{
			name:     "a mangled list claims nothing",
			as:       []discovery.Assignment{key},
			env:      map[string]string{"ANTHROPIC_API_KEY": "x", exportedVar: "ANTHROPIC_API_KEY 1=2: :: $(x):y"},
			exported: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changes, exported := Plan(tt.as, env(tt.env))
			if len(changes) != len(tt.changes) {
				t.Fatalf("changes = %+v, want %+v", changes, tt.changes)
			}
			for i := range changes {
				if changes[i] != tt.changes[i] {
					t.Errorf("change %d = %+v, want %+v", i, changes[i], tt.changes[i])
				}
			}
			if exported != tt.exported {
				t.Errorf("exported = %q, want %q", exported, tt.exported)
			}
		})
	}
}

func TestFingerprintHidesTheValue(t *testing.T) {
	fp := fingerprint("ANTHROPIC_API_KEY", "sk-ant-api03-secret")
	if strings.Contains(fp, "secret") || len(fp) != 24 {
		t.Fatalf("fingerprint %q", fp)
	}
	if fingerprint("CLAUDE_API_KEY", "sk-ant-api03-secret") == fp {
		t.Fatal("the fingerprint does not depend on the name")
	}
}

func TestParseShell(t *testing.T) {
	for _, ok := range []string{"bash", "zsh", "fish"} {
		if _, err := ParseShell(ok); err != nil {
			t.Errorf("ParseShell(%q): %v", ok, err)
		}
	}
	_, err := ParseShell("tcsh")
	if err == nil || !strings.Contains(err.Error(), "bash, zsh, fish") {
		t.Fatalf("ParseShell(tcsh) = %v, want an error listing the shells", err)
	}
}

func TestTouchStamp(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "stamps")
	if _, _, err := TouchStamp(dir, "../x", 0); err == nil {
		t.Fatal("an id that is not hex was accepted")
	}
	stale := filepath.Join(dir, "hook-dead-0.stamp")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(stale, nil, 0o600)
	old := time.Now().Add(-30 * 24 * time.Hour)
	os.Chtimes(stale, old, old)

	before := time.Now().Add(-time.Second)
	p0, t0, err := TouchStamp(dir, "abc", 0)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p0) != "hook-abc-0.stamp" || t0.Before(before) {
		t.Fatalf("stamp %s at %v", p0, t0)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("stamp dir mode %v, %v", fi.Mode(), err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatal("a month-old stamp was not removed")
	}
	// the other slot is a different file: the one in use keeps its mtime
	p1, _, err := TouchStamp(dir, "abc", 1)
	if err != nil || p1 == p0 {
		t.Fatalf("slot 1: %s, %v", p1, err)
	}
	if fi, _ := os.Stat(p0); !fi.ModTime().Equal(t0) {
		t.Fatal("touching slot 1 changed slot 0")
	}
	// a file written after the stamp is never older than it: what the hooks' -nt relies on
	src := filepath.Join(dir, "source")
	os.WriteFile(src, []byte("x"), 0o600)
	if fi, _ := os.Stat(src); fi.ModTime().Before(t0) {
		t.Fatalf("source written after the stamp is older: %v < %v", fi.ModTime(), t0)
	}
}

// The refresh code of each shell, evaluated by that shell, sets exactly the values given,
// whatever bytes they hold, and leaves the user's variables alone.
func TestRefreshInRealShells(t *testing.T) {
	values := []string{
		"sk-plain", "", "it's", `back\slash\\`, "new\nline\n", "$HOME `id` $(id) ${x}", "\"dq\"", "tab\there",
		"* ? [a]", "ünïcödé ✓", "-n", "%s%d", "trailing\\",
	}
	for _, sh := range Shells {
		t.Run(string(sh), func(t *testing.T) {
			dir := t.TempDir()
			var script bytes.Buffer
			if sh == Fish {
				script.WriteString("set -gx USER_KEY mine\n")
			} else {
				script.WriteString("export USER_KEY=mine\n")
			}
			var as []discovery.Assignment
			for i, v := range values {
				as = append(as, assign("V"+string(rune('A'+i))+"_API_KEY", v, "p"))
			}
			as = append(as, assign("USER_KEY", "amika's", "u"))
			stamp, stampTime, err := TouchStamp(filepath.Join(dir, "stamps"), "abc", 0)
			if err != nil {
				t.Fatal(err)
			}
			watched := filepath.Join(dir, "it's watched")
			old := stampTime.Add(-time.Hour)
			os.WriteFile(watched, nil, 0o600)
			os.Chtimes(watched, old, old)
			r := NewRefresh(sh, as, env(map[string]string{}), []string{watched, filepath.Join(dir, "missing")}, stamp, 0, stampTime)
			if err := r.Write(&script); err != nil {
				t.Fatal(err)
			}
			// print each value into its own file, byte for byte
			for i := range values {
				name := "V" + string(rune('A'+i)) + "_API_KEY"
				out := filepath.Join(dir, name)
				if sh == Fish {
					script.WriteString("printf '%s' \"$" + name + "\" > " + QuoteFish(out) + "\n")
				} else {
					script.WriteString("printf '%s' \"$" + name + "\" > " + QuoteSh(out) + "\n")
				}
			}
			if sh == Fish {
				script.WriteString("_amika_unchanged; and echo unchanged; touch " + QuoteFish(filepath.Join(dir, "missing")) + "; _amika_unchanged; or echo changed\n")
			} else if sh == Zsh {
				// the refresh redefines the hook itself; have it report instead of refreshing
				script.WriteString("_amika_sig=" + sigExpr(Zsh.dialect()) + "; _amika_refresh() { echo changed }\n")
				script.WriteString("_amika_hook; echo unchanged; touch " + QuoteSh(filepath.Join(dir, "missing")) + "; _amika_hook\n")
			} else {
				script.WriteString("_amika_unchanged && echo unchanged; touch " + QuoteSh(filepath.Join(dir, "missing")) + "; _amika_unchanged || echo changed\n")
			}
			script.WriteString("echo \"user=$USER_KEY\"\n")
			var cmd *exec.Cmd
			switch sh {
			case Bash:
				cmd = exec.Command("bash", "--norc", "--noprofile", "-c", "set -u\n"+script.String())
			case Zsh:
				cmd = exec.Command("zsh", "-f", "-c", "setopt nounset\n"+script.String())
			case Fish:
				cmd = exec.Command("fish", "--no-config", "-c", script.String())
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if string(out) != "unchanged\nchanged\nuser=mine\n" {
				t.Errorf("output %q", out)
			}
			for i, want := range values {
				got, err := os.ReadFile(filepath.Join(dir, "V"+string(rune('A'+i))+"_API_KEY"))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want {
					t.Errorf("value %d: got %q, want %q", i, got, want)
				}
			}
		})
	}
}

// Each hook file is valid syntax for its shell, as rendered.
func TestHooksParse(t *testing.T) {
	for _, sh := range Shells {
		for _, lazy := range []bool{false, true} {
			var b bytes.Buffer
			h := Hook{Shell: sh, Bin: "/opt/it's here/amika", ID: "0123abcd", Args: []string{"--no-oauth", "a b"}, Lazy: lazy}
			if err := h.Write(&b); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(b.String(), "@AMIKA_") {
				t.Errorf("%s lazy=%v: a placeholder is left: %s", sh, lazy, b.String())
			}
			var cmd *exec.Cmd
			switch sh {
			case Bash:
				cmd = exec.Command("bash", "-n")
			case Zsh:
				cmd = exec.Command("zsh", "-n")
			case Fish:
				cmd = exec.Command("fish", "--no-execute")
			}
			cmd.Stdin = &b
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s lazy=%v: %v: %s", sh, lazy, err, out)
			}
		}
	}
}

func TestExpiry(t *testing.T) {
	stamp := time.Unix(1000, 500)
	exp := time.Unix(1010, 1) // expired from second 1011 on
	a := assign("ANTHROPIC_API_KEY", "t", "anthropic")
	a.Kind, a.Expires = discovery.KindOAuth, exp
	later := a
	later.Name, later.Expires = "CLAUDE_API_KEY", exp.Add(time.Hour)
	for _, sh := range Shells {
		r := NewRefresh(sh, []discovery.Assignment{later, a}, env(nil), nil, "/s", 0, stamp)
		var b strings.Builder
		r.Write(&b)
		want := "_amika_expiry=1011\n"
		if sh == Fish {
			want = "set -g _amika_ttl 11\n"
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s: no %q in %s", sh, want, b.String())
		}
		if !strings.HasSuffix(b.String(), refreshEnd+"\n") {
			t.Errorf("%s: the refresh does not end with %q", sh, refreshEnd)
		}
	}
}

func BenchmarkRefreshWrite(b *testing.B) {
	dir := b.TempDir()
	p, _ := discovery.ResolvePaths(dir, func(string) string { return "" })
	as := []discovery.Assignment{assign("ANTHROPIC_API_KEY", "sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxx", "anthropic"), assign("CLAUDE_API_KEY", "sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxx", "anthropic"), assign("OPENAI_API_KEY", "sk-proj-yyyyyyyyyyyyyyyy", "openai")}
	e := env(map[string]string{})
	for i := 0; i < b.N; i++ {
		stamp, t0, _ := TouchStamp(filepath.Join(dir, "stamps"), "abc", i%2)
		r := NewRefresh(Bash, as, e, WatchPaths(p, discovery.Result{}), stamp, i%2, t0)
		var buf bytes.Buffer
		r.Write(&buf)
	}
}

// BenchmarkSessionRefresh is a whole refresh as the hook's amika process runs it, minus the
// process start: stamp, discovery over a home with five credential files, plan, print.
func BenchmarkSessionRefresh(b *testing.B) {
	home := b.TempDir()
	files := map[string]string{
		".claude.json.api":                `{"primaryApiKey":"sk-ant-api03-bench"}`,
		".claude/.credentials.json":       `{"claudeAiOauth":{"accessToken":"sk-ant-oat01-bench","expiresAt":4102444800000}}`,
		".codex/auth.json":                `{"OPENAI_API_KEY":"sk-proj-bench"}`,
		".local/share/opencode/auth.json": `{"openrouter":{"type":"api","key":"sk-or-bench"}}`,
		".amp/config.json":                `{"apiKey":"sk-amp-bench"}`,
		".cache/amika/.keep":              ``,
		".local/state/amika/.keep":        ``,
		".local/share/amika/.keep":        ``,
	}
	for name, data := range files {
		p := filepath.Join(home, name)
		os.MkdirAll(filepath.Dir(p), 0o700)
		os.WriteFile(p, []byte(data), 0o600)
	}
	paths, _ := discovery.ResolvePaths(home, func(string) string { return "" })
	s := Session{
		Shell:  Bash,
		Paths:  paths,
		Lookup: env(map[string]string{}),
		Discover: func() (discovery.Result, error) {
			return discovery.Discover(discovery.Options{Paths: paths, Now: time.Now()}), nil
		},
		Warn: func([]discovery.Warning) {},
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := s.WriteRefresh(&buf, "abc", i%2); err != nil {
			b.Fatal(err)
		}
	}
}
