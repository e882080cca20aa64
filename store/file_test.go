package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amika-dev/amika/discovery"
)

func testPaths(t testing.TB) discovery.Paths {
	dir := t.TempDir()
	p, err := discovery.ResolvePaths(dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFileRoundTrip(t *testing.T) {
	p := testPaths(t)
	f := NewFile(p)
	if _, err := f.Get("MISSING"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing secret: %v, want ErrNotFound", err)
	}
	if err := f.Set(Secret{Name: "OPENAI_API_KEY", Value: "sk-proj-1"}); err != nil {
		t.Fatal(err)
	}
	s, err := f.Get("OPENAI_API_KEY")
	if err != nil {
		t.Fatal(err)
	}
	if s.Value != "sk-proj-1" || s.Type != TypeAPIKey || s.Provider != "openai" || s.Created.IsZero() {
		t.Fatalf("Get = %+v", s)
	}
	for _, path := range []string{p.KeychainFile(), p.StoreStamp()} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", path, fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(filepath.Dir(p.KeychainFile())); fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", fi.Mode().Perm())
	}

	// replacing keeps Created
	f.now = func() time.Time { return s.Created.Add(time.Hour) }
	if err := f.Set(Secret{Name: "OPENAI_API_KEY", Value: "sk-proj-2"}); err != nil {
		t.Fatal(err)
	}
	s2, _ := f.Get("OPENAI_API_KEY")
	if s2.Value != "sk-proj-2" || s2.Created != s.Created || !s2.Updated.After(s.Created.Time) {
		t.Fatalf("after replace: %+v (created before %v)", s2, s.Created)
	}

	list, _, err := f.List()
	if err != nil || len(list) != 1 || list[0].Value != "" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if err := f.Delete("OPENAI_API_KEY"); err != nil {
		t.Fatal(err)
	}
	if err := f.Delete("OPENAI_API_KEY"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
}

func TestFileBinaryAndHandWritten(t *testing.T) {
	p := testPaths(t)
	f := NewFile(p)
	os.MkdirAll(filepath.Dir(f.Path()), 0o700)
	if err := os.WriteFile(f.Path(), []byte(`{"GROQ_API_KEY": "gsk_plain", "ODD": [1], "R": {"value": "<&>"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := "\xff\xfe\x01binary\n"
	if err := f.Set(Secret{Name: "BIN", Value: bin}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"GROQ_API_KEY": "gsk_plain", "BIN": bin, "R": "<&>"} {
		s, err := f.Get(name)
		if err != nil || s.Value != want {
			t.Errorf("Get(%s) = %q, %v; want %q", name, s.Value, err, want)
		}
	}
	data, _ := os.ReadFile(f.Path())
	if !bytes.Contains(data, []byte(`"GROQ_API_KEY": "gsk_plain"`)) || !bytes.Contains(data, []byte(`"ODD": [`)) {
		t.Errorf("untouched entries changed:\n%s", data)
	}
	// discovery reads the richer records
	res := discovery.Discover(discovery.Options{Paths: p, Now: time.Now()})
	if len(res.Credentials) != 1 || res.Credentials[0].Value != "gsk_plain" {
		t.Errorf("discovery found %+v", res.Credentials)
	}
}

func TestFileUnparsableNeverOverwritten(t *testing.T) {
	for _, content := range []string{`{"A": `, `[1,2]`, `null`, "{\"A\": \"\xff\"}", `"str"`} {
		p := testPaths(t)
		f := NewFile(p)
		os.MkdirAll(filepath.Dir(f.Path()), 0o700)
		os.WriteFile(f.Path(), []byte(content), 0o600)
		err := f.Set(Secret{Name: "B", Value: "v"})
		if err == nil || !strings.Contains(err.Error(), f.Path()) || !strings.Contains(err.Error(), "will not overwrite") {
			t.Errorf("%q: Set error %v, want one naming the file", content, err)
		}
		if err := f.Delete("A"); err == nil {
			t.Errorf("%q: Delete succeeded", content)
		}
		if got, _ := os.ReadFile(f.Path()); string(got) != content {
			t.Errorf("%q: file became %q", content, got)
		}
	}
}

func TestFileRejectsBadInput(t *testing.T) {
	f := NewFile(testPaths(t))
	for _, s := range []Secret{
		{Name: "", Value: "v"}, {Name: "a b", Value: "v"}, {Name: strings.Repeat("x", 129), Value: "v"},
		{Name: "A", Value: ""}, {Name: "A", Value: "x\x00y"}, {Name: "é", Value: "v"},
	} {
		err := f.Set(Secret{Name: "GOOD", Value: "v"}, s)
		if err == nil {
			t.Errorf("Set(%q) succeeded", s.Name)
			continue
		}
		if s.Value != "" && s.Value != "v" && strings.Contains(err.Error(), s.Value) {
			t.Errorf("error %q shows the value", err)
		}
	}
	if _, err := os.Stat(f.Path()); !os.IsNotExist(err) {
		t.Errorf("a rejected batch wrote the file")
	}
	if err := f.Set(Secret{Name: strings.Repeat("x", 128), Value: "v"}); err != nil {
		t.Errorf("128-character name: %v", err)
	}
}

// Concurrent writers in one process use separate descriptors, so flock serializes them as
// it does separate processes.
func TestFileConcurrentWriters(t *testing.T) {
	p := testPaths(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- NewFile(p).Set(Secret{Name: fmt.Sprintf("S%d", i), Value: fmt.Sprint(i)})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	list, _, err := NewFile(p).List()
	if err != nil || len(list) != 50 {
		t.Fatalf("List: %d secrets, %v; want 50", len(list), err)
	}
}

func TestParseEnvFile(t *testing.T) {
	in := "\xef\xbb\xbf# c\n\n  # c2\nA=1\n B = two words \nC=\"q\" # x\r\nD==eq\n"
	got, err := parseEnvFile([]byte(in), "f.env")
	if err != nil {
		t.Fatal(err)
	}
	want := []Pair{{"A", "1", "f.env:4"}, {"B", " two words ", "f.env:5"}, {"C", `"q" # x`, "f.env:6"}, {"D", "=eq", "f.env:7"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	for in, msg := range map[string]string{
		"A=1\nnoequals\n":   "f.env: line 2: no '='",
		"A=1\nB=\n":         "f.env: line 2: secret B: empty value",
		"A=1\n\nbad name=x": "f.env: line 3: invalid secret name",
		"A=x\x00secretpart": "f.env: line 1: secret A: value holds a NUL byte",
	} {
		_, err := parseEnvFile([]byte(in), "f.env")
		if err == nil || !strings.Contains(err.Error(), msg) || strings.Contains(err.Error(), "secretpart") {
			t.Errorf("%q: error %v, want %q", in, err, msg)
		}
	}
}

func TestMergePrecedence(t *testing.T) {
	got := Merge([]Pair{{"A", "file", ""}, {"B", "file", ""}}, []Pair{{"A", "arg", ""}}, []Pair{{"B", "env", ""}, {"C", "env", ""}})
	if fmt.Sprint(got) != fmt.Sprint([]Pair{{"A", "arg", ""}, {"B", "env", ""}, {"C", "env", ""}}) {
		t.Fatalf("Merge = %v", got)
	}
}

func TestChooseFileNeverProbes(t *testing.T) {
	c, err := choose(func(k string) string {
		if k == "AMIKA_STORE" {
			return "file"
		}
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			t.Fatalf("AMIKA_STORE=file looked at the bus address")
		}
		return ""
	})
	if err != nil || c.Backend != "file" {
		t.Fatalf("Choose = %+v, %v", c, err)
	}
	c, err = choose(func(string) string { return "" })
	if err != nil || c.Backend != "file" || !c.FellBack {
		t.Fatalf("auto without D-Bus: %+v, %v", c, err)
	}
	for _, addr := range []string{"autolaunch:", "disabled:"} {
		c, err = choose(func(k string) string { return map[string]string{"DBUS_SESSION_BUS_ADDRESS": addr}[k] })
		if err != nil || c.Backend != "file" || !strings.Contains(c.Reason, "not set") {
			t.Errorf("auto with DBUS_SESSION_BUS_ADDRESS=%s: %+v, %v", addr, c, err)
		}
	}
	if _, err := choose(func(k string) string { return map[string]string{"AMIKA_STORE": "x"}[k] }); err == nil {
		t.Fatal("AMIKA_STORE=x accepted")
	}
}

func BenchmarkFileGet(b *testing.B) {
	p := testPaths(b)
	f := NewFile(p)
	var batch []Secret
	for i := 0; i < 50; i++ {
		batch = append(batch, Secret{Name: fmt.Sprintf("KEY_%d_API_KEY", i), Value: strings.Repeat("v", 60)})
	}
	if err := f.Set(batch...); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.Get("KEY_7_API_KEY"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFileSet(b *testing.B) {
	f := NewFile(testPaths(b))
	for i := 0; i < b.N; i++ {
		if err := f.Set(Secret{Name: fmt.Sprintf("K%d", i%20), Value: "value"}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFileKeepsSymlink(t *testing.T) {
	p := testPaths(t)
	f := NewFile(p)
	real := filepath.Join(t.TempDir(), "real.json")
	os.WriteFile(real, []byte(`{"A": "1"}`), 0o600)
	os.MkdirAll(filepath.Dir(f.Path()), 0o700)
	if err := os.Symlink(real, f.Path()); err != nil {
		t.Fatal(err)
	}
	if err := f.Set(Secret{Name: "B", Value: "2"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(f.Path()); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("keychain.json is no longer a symlink: %v", err)
	}
	data, _ := os.ReadFile(real)
	if !bytes.Contains(data, []byte(`"B"`)) || !bytes.Contains(data, []byte(`"A"`)) {
		t.Fatalf("target holds %s", data)
	}
}
