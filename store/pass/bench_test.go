package pass

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Decrypting through gpg and gpg-agent: one secret, and a store of 10 read at once (what a
// hook refresh does with a team store). `go test -bench . ./store/pass/`
func BenchmarkGet(b *testing.B) {
	s, names := benchStore(b, "", 10)
	b.Run("one", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.Get(ctx, names[0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("many-10", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, r := range s.GetMany(ctx, names) {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
		}
	})
}

// How long a read takes to fail when the key is locked: the bound on what a locked key
// costs a prompt.
func BenchmarkLocked(b *testing.B) {
	s, names := benchStore(b, "passphrase", 10)
	for i := 0; i < b.N; i++ {
		for _, r := range s.GetMany(ctx, names) {
			if r.Err == nil {
				b.Fatal("decrypted with a locked key")
			}
		}
	}
}

func benchStore(b *testing.B, passphrase string, n int) (*Store, []string) {
	u := newUser(b, "Bench", passphrase)
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, ".gpg-id"), []byte(u.Fingerprint+"\n"), 0o600)
	s := New(Config{Dir: dir, LockFile: filepath.Join(b.TempDir(), "lock"), Getenv: userEnv(u)})
	var entries []Entry
	for i := 0; i < n; i++ {
		entries = append(entries, Entry{Name: fmt.Sprintf("K%02d_API_KEY", i), Value: "value", Fields: []Field{{"type", "api_key"}}})
	}
	if err := s.Set(ctx, entries, nil, ""); err != nil {
		b.Fatal(err)
	}
	names, _ := s.Names()
	return s, names
}
