package discovery

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/amika-dev/amika/discovery/internal/fixture"
)

func fixtureHome(tb testing.TB, files map[string]string) Paths {
	tb.Helper()
	home := tb.TempDir()
	if err := fixture.WriteFiles(home, files); err != nil {
		tb.Fatal(err)
	}
	p, err := ResolvePaths(home, func(string) string { return "" })
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkDiscover resolves a home holding a file of every source.
func BenchmarkDiscover(b *testing.B) {
	p := fixtureHome(b, fixture.AllSources())
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		res := Discover(Options{Paths: p, Now: now})
		if len(res.Credentials) != 8 {
			b.Fatalf("got %d credentials", len(res.Credentials))
		}
	}
}

// BenchmarkClaudeJSON6MiB resolves a home whose only source is a heavy user's 6 MiB
// ~/.claude.json, primaryApiKey near the end.
func BenchmarkClaudeJSON6MiB(b *testing.B) {
	home := b.TempDir()
	data := fixture.ClaudeJSON(6<<20, fixture.Secrets["claude_api"])
	if err := os.WriteFile(filepath.Join(home, ".claude.json"), data, 0o600); err != nil {
		b.Fatal(err)
	}
	p, _ := ResolvePaths(home, func(string) string { return "" })
	now := time.Now()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		res := Discover(Options{Paths: p, Now: now})
		if len(res.Credentials) != 1 || res.Credentials[0].Value != fixture.Secrets["claude_api"] {
			b.Fatalf("got %+v %v", res.Credentials, res.Warnings)
		}
	}
}

// BenchmarkScanClaudeJSON6MiB is the scanner alone, without the file system.
func BenchmarkScanClaudeJSON6MiB(b *testing.B) {
	data := fixture.ClaudeJSON(6<<20, fixture.Secrets["claude_api"])
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		c := parseContext{}
		if err := parseClaudeAPI(data, &c); err != nil || len(c.found) != 1 {
			b.Fatal(err)
		}
	}
}
