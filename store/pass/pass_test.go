package pass

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amika-dev/amika/store/pass/passtest"
)

// These tests run the real gpg, gpg-agent, git and pass: users are GnuPG homes of their
// own, and a team's remote is a bare repository.

func needTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

func newUser(t testing.TB, name, passphrase string) *passtest.User {
	t.Helper()
	needTools(t, "gpg", "gpgconf", "git")
	u, err := passtest.NewUser(name, passphrase)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(u.Close)
	return u
}

func run(t testing.TB, env []string, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// bareRemote is the team's shared repository.
func bareRemote(t testing.TB) string {
	dir := filepath.Join(t.TempDir(), "team.git")
	run(t, os.Environ(), "", "git", "init", "-q", "--bare", "-b", "main", dir)
	return dir
}

// clone is u's clone of remote, as a store amika writes to.
func clone(t testing.TB, u *passtest.User, remote string) *Store {
	t.Helper()
	dir := filepath.Join(t.TempDir(), strings.ToLower(u.Name)+"-team")
	run(t, os.Environ(), "", "git", "clone", "-q", remote, dir)
	run(t, os.Environ(), dir, "git", "config", "user.name", u.Name)
	run(t, os.Environ(), dir, "git", "config", "user.email", u.Email)
	return storeAt(t, u, dir)
}

func storeAt(t testing.TB, u *passtest.User, dir string) *Store {
	return New(Config{
		Dir:        dir,
		LockFile:   filepath.Join(t.TempDir(), "store.lock"),
		Getenv:     userEnv(u),
		RequireGit: true,
		AutoSync:   true,
	})
}

func userEnv(u *passtest.User) func(string) string {
	return func(name string) string {
		if name == "GNUPGHOME" {
			return u.Home
		}
		return ""
	}
}

var ctx = context.Background()

func mustSet(t testing.TB, s *Store, name, value string) {
	t.Helper()
	if err := s.Set(ctx, []Entry{{Name: name, Value: value, Fields: []Field{{"type", "api_key"}}}}, nil, ""); err != nil {
		t.Fatal(err)
	}
}

func mustGet(t testing.TB, s *Store, name string) string {
	t.Helper()
	e, err := s.Get(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return e.Value
}

func TestTeamRoundTrip(t *testing.T) {
	alice, bob := newUser(t, "Alice", ""), newUser(t, "Bob", "")
	if err := passtest.Exchange(alice, bob); err != nil {
		t.Fatal(err)
	}
	remote := bareRemote(t)
	a := clone(t, alice, remote)
	if err := a.Init(ctx, []string{alice.Email, bob.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(a.Dir(), ".gpg-id")); string(got) != alice.Fingerprint+"\n"+bob.Fingerprint+"\n" {
		t.Fatalf(".gpg-id = %q, want both fingerprints", got)
	}
	mustSet(t, a, "GROQ_API_KEY", "gsk-team-0123456789")
	log := run(t, os.Environ(), a.Dir(), "git", "log", "--format=%s")
	if !strings.HasPrefix(log, "Add given password for amika/GROQ_API_KEY to store.\n") {
		t.Fatalf("git log:\n%s", log)
	}
	// pushed already: Bob's fresh clone reads it
	b := clone(t, bob, remote)
	if got := mustGet(t, b, "GROQ_API_KEY"); got != "gsk-team-0123456789" {
		t.Fatalf("Bob reads %q", got)
	}
	// Bob updates it; Alice syncs and reads the new value
	mustSet(t, b, "GROQ_API_KEY", "gsk-team-rotated")
	res, err := a.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changed) != 1 || res.Changed[0] != "amika/GROQ_API_KEY.gpg" {
		t.Fatalf("sync changed %v", res.Changed)
	}
	if got := mustGet(t, a, "GROQ_API_KEY"); got != "gsk-team-rotated" {
		t.Fatalf("Alice reads %q after sync", got)
	}
	if names, _ := a.Names(); len(names) != 1 {
		t.Fatalf("Names = %v", names)
	}
	if err := a.Delete(ctx, []string{"GROQ_API_KEY"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, "GROQ_API_KEY"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after Delete: %v", err)
	}
	if err := a.Delete(ctx, []string{"GROQ_API_KEY"}, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	if log := run(t, os.Environ(), a.Dir(), "git", "log", "-1", "--format=%s"); log != "Remove amika/GROQ_API_KEY from store.\n" {
		t.Fatalf("last commit %q", log)
	}
}

// pass reads what amika wrote, and amika reads what pass wrote.
func TestPassInterop(t *testing.T) {
	needTools(t, "pass")
	alice := newUser(t, "Alice", "")
	dir := filepath.Join(t.TempDir(), "store")
	env := append(alice.Env(), "PASSWORD_STORE_DIR="+dir)
	run(t, env, "", "pass", "init", alice.Fingerprint)
	run(t, env, "", "pass", "git", "init")
	run(t, env, dir, "git", "config", "user.name", "Alice")
	run(t, env, dir, "git", "config", "user.email", alice.Email)
	s := New(Config{Dir: dir, LockFile: filepath.Join(t.TempDir(), "lock"), Getenv: userEnv(alice)})
	if err := s.Set(ctx, []Entry{{Name: "OPENAI_API_KEY", Value: "sk-proj-amika", Fields: []Field{{"type", "api_key"}, {"provider", "openai"}}}}, nil, ""); err != nil {
		t.Fatal(err)
	}
	if out := run(t, env, "", "pass", "show", "amika/OPENAI_API_KEY"); out != "sk-proj-amika\ntype: api_key\nprovider: openai\n" {
		t.Fatalf("pass show: %q", out)
	}
	// pass's own first-line convention (what pass show -c copies)
	if out := run(t, env, "", "sh", "-c", "pass show amika/OPENAI_API_KEY | head -n 1"); out != "sk-proj-amika\n" {
		t.Fatalf("first line %q", out)
	}
	if out := run(t, env, "", "pass", "git", "log", "-1", "--format=%s"); out != "Add given password for amika/OPENAI_API_KEY to store.\n" {
		t.Fatalf("pass git log: %q", out)
	}
	cmd := exec.Command("pass", "insert", "-m", "amika/GROQ_API_KEY")
	cmd.Env = env
	cmd.Stdin = strings.NewReader("gsk-from-pass\nprovider: groq\nnotes about it\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pass insert: %v\n%s", err, out)
	}
	cmd = exec.Command("pass", "insert", "-e", "amika/MISTRAL_API_KEY")
	cmd.Env = env
	cmd.Stdin = strings.NewReader("mistral-one-line\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pass insert: %v\n%s", err, out)
	}
	e, err := s.Get(ctx, "GROQ_API_KEY")
	if err != nil {
		t.Fatal(err)
	}
	if e.Value != "gsk-from-pass" || e.Get("provider") != "groq" {
		t.Fatalf("amika reads %q %v", e.Value, e.Fields)
	}
	if got := mustGet(t, s, "MISTRAL_API_KEY"); got != "mistral-one-line" {
		t.Fatalf("amika reads %q", got)
	}
	// a multi-line value survives pass show byte for byte, with its line count at the end
	if err := s.Set(ctx, []Entry{{Name: "PEM", Value: "-----BEGIN-----\nabc\n-----END-----"}}, nil, ""); err != nil {
		t.Fatal(err)
	}
	if out := run(t, env, "", "pass", "show", "amika/PEM"); out != "-----BEGIN-----\nabc\n-----END-----\nvalue-lines: 3\n" {
		t.Fatalf("pass show: %q", out)
	}
	if got := mustGet(t, s, "PEM"); got != "-----BEGIN-----\nabc\n-----END-----" {
		t.Fatalf("amika reads %q", got)
	}
	names, _ := s.Names()
	if strings.Join(names, " ") != "GROQ_API_KEY MISTRAL_API_KEY OPENAI_API_KEY PEM" {
		t.Fatalf("Names = %v", names)
	}
	// not a git repository: writing works, nothing to commit (pass itself works this way)
	plain := New(Config{Dir: filepath.Join(t.TempDir(), "plain"), LockFile: filepath.Join(t.TempDir(), "lock"), Getenv: userEnv(alice)})
	os.MkdirAll(plain.Dir(), 0o700)
	os.WriteFile(filepath.Join(plain.Dir(), ".gpg-id"), []byte(alice.Email+"\n"), 0o600)
	mustSet(t, plain, "X_API_KEY", "x-value")
	if got := mustGet(t, plain, "X_API_KEY"); got != "x-value" {
		t.Fatalf("plain store reads %q", got)
	}
}

func TestMembers(t *testing.T) {
	alice, bob, carol := newUser(t, "Alice", ""), newUser(t, "Bob", ""), newUser(t, "Carol", "")
	if err := passtest.Exchange(alice, bob, carol); err != nil {
		t.Fatal(err)
	}
	remote := bareRemote(t)
	a := clone(t, alice, remote)
	if err := a.Init(ctx, []string{alice.Fingerprint, bob.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	mustSet(t, a, "GROQ_API_KEY", "gsk-before-carol")
	c := clone(t, carol, remote)
	if _, err := c.Get(ctx, "GROQ_API_KEY"); !errors.Is(err, ErrNoSecretKey) || !strings.Contains(err.Error(), "amika/GROQ_API_KEY.gpg") {
		t.Fatalf("Carol before being added: %v", err)
	}
	redone, err := a.AddMembers(ctx, []string{carol.Email})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(redone, " ") != "amika/GROQ_API_KEY.gpg" {
		t.Fatalf("re-encrypted %v", redone)
	}
	if _, err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, c, "GROQ_API_KEY"); got != "gsk-before-carol" {
		t.Fatalf("Carol reads %q", got)
	}
	_, members, err := a.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 3 || !members[0].Yours || members[1].Yours || members[2].UserID != "Carol <carol@example.com>" {
		t.Fatalf("members %+v", members)
	}
	// Bob leaves; the secret is rotated after, as the docs say to
	b := clone(t, bob, remote)
	oldCommit := strings.TrimSpace(run(t, os.Environ(), b.Dir(), "git", "rev-parse", "HEAD"))
	if _, err := a.RemoveMembers(ctx, []string{bob.Email}); err != nil {
		t.Fatal(err)
	}
	mustSet(t, a, "GROQ_API_KEY", "gsk-after-bob")
	if _, err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, "GROQ_API_KEY"); !errors.Is(err, ErrNoSecretKey) {
		t.Fatalf("Bob after removal: %v", err)
	}
	// what history keeps: the version from before stays readable to Bob
	old := run(t, os.Environ(), b.Dir(), "git", "show", oldCommit+":amika/GROQ_API_KEY.gpg")
	cmd := exec.Command("gpg", "--batch", "-q", "-d")
	cmd.Env, cmd.Stdin = bob.Env(), strings.NewReader(old)
	if out, err := cmd.Output(); err != nil || !strings.HasPrefix(string(out), "gsk-before-carol\n") {
		t.Fatalf("Bob reading the old version from history: %v", err)
	}
	if got := mustGet(t, c, "GROQ_API_KEY"); got != "gsk-before-carol" { // Carol has not synced
		t.Fatalf("Carol reads %q", got)
	}
	if _, err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, c, "GROQ_API_KEY"); got != "gsk-after-bob" {
		t.Fatalf("Carol reads %q", got)
	}
	if _, err := a.RemoveMembers(ctx, []string{"nobody@example.com"}); err == nil {
		t.Fatal("removing a non-member succeeded")
	}
	if _, err := a.RemoveMembers(ctx, []string{alice.Fingerprint, carol.Fingerprint}); err == nil || !strings.Contains(err.Error(), "no recipient") {
		t.Fatalf("removing everyone: %v", err)
	}
}

// A member whose key cannot be used stops the change: nothing written, nothing committed.
func TestNothingHalfWritten(t *testing.T) {
	alice, bob := newUser(t, "Alice", ""), newUser(t, "Bob", "")
	remote := bareRemote(t)
	a := clone(t, alice, remote)
	if err := a.Init(ctx, []string{alice.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	mustSet(t, a, "A_API_KEY", "a-value")
	head := run(t, os.Environ(), a.Dir(), "git", "rev-parse", "HEAD")
	// Bob's fingerprint in .gpg-id, his key not in Alice's keyring
	os.WriteFile(filepath.Join(a.Dir(), ".gpg-id"), []byte(alice.Fingerprint+"\n"+bob.Fingerprint+"\n"), 0o600)
	err := a.Set(ctx, []Entry{{Name: "A_API_KEY", Value: "new"}, {Name: "B_API_KEY", Value: "b"}}, nil, "")
	if err == nil || !strings.Contains(err.Error(), bob.Fingerprint+": no public key") || strings.Contains(err.Error(), "new") {
		t.Fatalf("err = %v", err)
	}
	if got := mustGet(t, a, "A_API_KEY"); got != "a-value" {
		t.Fatalf("A_API_KEY = %q", got)
	}
	if _, err := os.Stat(a.Path("B_API_KEY")); err == nil {
		t.Fatal("B_API_KEY written")
	}
	if run(t, os.Environ(), a.Dir(), "git", "rev-parse", "HEAD") != head {
		t.Fatal("something was committed")
	}
	// a commit that fails (no identity) puts the files back
	os.WriteFile(filepath.Join(a.Dir(), ".gpg-id"), []byte(alice.Fingerprint+"\n"), 0o600)
	run(t, os.Environ(), a.Dir(), "git", "config", "user.useConfigOnly", "true")
	run(t, os.Environ(), a.Dir(), "git", "config", "--unset", "user.email")
	t.Setenv("EMAIL", "")
	a = storeAt(t, alice, a.Dir())
	a.env = append(a.env, "GIT_CONFIG_GLOBAL=/dev/null", "EMAIL=")
	err = a.Set(ctx, []Entry{{Name: "A_API_KEY", Value: "newer"}}, nil, "")
	if err == nil || !strings.Contains(err.Error(), "no author identity") {
		t.Fatalf("err = %v", err)
	}
	if got := mustGet(t, a, "A_API_KEY"); got != "a-value" {
		t.Fatalf("A_API_KEY = %q after a failed commit", got)
	}
}

func TestErrors(t *testing.T) {
	alice, bob := newUser(t, "Alice", ""), newUser(t, "Bob", "")
	dir := t.TempDir()
	s := storeAt(t, alice, dir)
	if err := s.Set(ctx, []Entry{{Name: "X", Value: "v"}}, nil, ""); !errors.Is(err, ErrNoGPGID) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("no .gpg-id: %v", err)
	}
	os.WriteFile(filepath.Join(dir, ".gpg-id"), []byte(alice.Fingerprint+"\n"), 0o600)
	if err := s.Set(ctx, []Entry{{Name: "X", Value: "v"}}, nil, ""); !errors.Is(err, ErrNotGit) {
		t.Fatalf("not git: %v", err)
	}
	if _, err := s.Sync(ctx); !errors.Is(err, ErrNotGit) {
		t.Fatalf("sync, not git: %v", err)
	}
	// a secret encrypted to a key the user lacks
	os.MkdirAll(s.SecretsDir(), 0o700)
	ct, err := bob.GPG([]byte("bob-only\n"), "--encrypt", "--recipient", bob.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(s.Path("BOB"), ct, 0o600)
	_, err = s.Get(ctx, "BOB")
	if !errors.Is(err, ErrNoSecretKey) || strings.Contains(err.Error(), "bob-only") || strings.Count(err.Error(), "\n") > 0 {
		t.Fatalf("foreign key: %v", err)
	}
	// a symlink, which a teammate's commit could point anywhere, is not followed
	mine, _ := alice.GPG([]byte("outside\n"), "--encrypt", "--recipient", alice.Fingerprint)
	outside := filepath.Join(t.TempDir(), "outside.gpg")
	os.WriteFile(outside, mine, 0o600)
	os.Symlink(outside, s.Path("LINK"))
	if _, err := s.Get(ctx, "LINK"); err == nil {
		t.Fatal("read a secret through a symlink")
	}
	if names, _ := s.Names(); strings.Contains(strings.Join(names, " "), "LINK") {
		t.Fatalf("Names lists a symlink: %v", names)
	}
	// a FIFO where a secret should be never blocks
	fifo := s.Path("FIFO")
	if err := mkfifo(fifo); err == nil {
		done := make(chan error, 1)
		go func() { _, err := s.Get(ctx, "FIFO"); done <- err }()
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("read a FIFO")
			}
		case <-time.After(30 * time.Second):
			t.Fatal("reading a FIFO blocked")
		}
	}
}

// A conflict leaves the clone as it was: no rebase in progress, local commits kept.
func TestSyncConflict(t *testing.T) {
	alice, bob := newUser(t, "Alice", ""), newUser(t, "Bob", "")
	passtest.Exchange(alice, bob)
	remote := bareRemote(t)
	a := clone(t, alice, remote)
	if err := a.Init(ctx, []string{alice.Fingerprint, bob.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	mustSet(t, a, "K", "one")
	b := clone(t, bob, remote)
	b.cfg.AutoSync = false
	mustSet(t, b, "K", "bob's")
	mustSet(t, a, "K", "alice's")
	head := run(t, os.Environ(), b.Dir(), "git", "rev-parse", "HEAD")
	_, err := b.Sync(ctx)
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "amika/K.gpg") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("sync: %v", err)
	}
	if run(t, os.Environ(), b.Dir(), "git", "rev-parse", "HEAD") != head {
		t.Fatal("HEAD moved")
	}
	if st := run(t, os.Environ(), b.Dir(), "git", "status", "--porcelain"); st != "" {
		t.Fatalf("status after conflict:\n%s", st)
	}
	if got := mustGet(t, b, "K"); got != "bob's" {
		t.Fatalf("K = %q", got)
	}
	// the same through a write: stored and committed, the push failed with one line
	b.cfg.AutoSync = true
	err = b.Set(ctx, []Entry{{Name: "L", Value: "l"}}, nil, "")
	var se *SyncError
	if !errors.As(err, &se) || !errors.Is(err, ErrConflict) {
		t.Fatalf("write with a conflicting sync: %v", err)
	}
}

// Twenty writers at once, from two clones, lose nothing.
func TestConcurrentWriters(t *testing.T) {
	alice, bob := newUser(t, "Alice", ""), newUser(t, "Bob", "")
	passtest.Exchange(alice, bob)
	remote := bareRemote(t)
	a := clone(t, alice, remote)
	if err := a.Init(ctx, []string{alice.Fingerprint, bob.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	b := clone(t, bob, remote)
	if _, err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- s.Set(ctx, []Entry{{Name: fmt.Sprintf("K%02d", i), Value: fmt.Sprintf("v%02d", i)}}, nil, "")
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	check := clone(t, alice, remote)
	names, _ := check.Names()
	if len(names) != 20 {
		t.Fatalf("the remote has %d secrets: %v", len(names), names)
	}
	for _, r := range check.GetMany(ctx, names) {
		if r.Err != nil || r.Entry.Value != "v"+strings.TrimPrefix(r.Name, "K") {
			t.Errorf("%s: %q %v", r.Name, r.Entry.Value, r.Err)
		}
	}
}

func TestLockedKey(t *testing.T) {
	dave := newUser(t, "Dave", "correct horse")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".gpg-id"), []byte(dave.Fingerprint+"\n"), 0o600)
	s := New(Config{Dir: dir, LockFile: filepath.Join(t.TempDir(), "lock"), Getenv: userEnv(dave)})
	for i := 0; i < 6; i++ {
		mustSet(t, s, fmt.Sprintf("K%d", i), "v") // encrypting needs no passphrase
	}
	// a pinentry that never answers: a prompt nobody sees
	log := filepath.Join(t.TempDir(), "pinentry.log")
	script := filepath.Join(t.TempDir(), "pinentry")
	os.WriteFile(script, []byte(passtest.PinentryScript("/dev/null", log, true)), 0o755)
	if err := dave.SetPinentry(script); err != nil {
		t.Fatal(err)
	}
	names, _ := s.Names()
	done := make(chan []Result, 1)
	go func() { done <- s.GetMany(ctx, names) }()
	select {
	case res := <-done:
		for _, r := range res {
			if !errors.Is(r.Err, ErrLocked) || !strings.Contains(r.Err.Error(), "amika store unlock") {
				t.Errorf("%s: %v", r.Name, r.Err)
			}
		}
	case <-time.After(60 * time.Second):
		t.Fatal("a locked key hung the read")
	}
	if _, err := os.Stat(log); err == nil {
		t.Fatal("a pinentry was launched on a non-interactive read")
	}
	// unlock asks once, through gpg-agent's pinentry; then batch reads work
	passfile := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(passfile, []byte("correct horse"), 0o600)
	os.WriteFile(script, []byte(passtest.PinentryScript(passfile, log, false)), 0o755)
	if err := s.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.GetMany(ctx, names) {
		if r.Err != nil {
			t.Errorf("%s after unlock: %v", r.Name, r.Err)
		}
	}
	if data, _ := os.ReadFile(log); strings.Count(string(data), "launched") != 1 {
		t.Fatalf("pinentry launched %d times", strings.Count(string(data), "launched"))
	}
}

// With PASSWORD_STORE_SIGNING_KEY, as with pass, only a .gpg-id signed by one of those keys
// says whom to encrypt to: a recipient slipped in without a signature is refused.
func TestSignedGPGID(t *testing.T) {
	alice, mallory := newUser(t, "Alice", ""), newUser(t, "Mallory", "")
	alice.Import(mallory)
	s := clone(t, alice, bareRemote(t))
	s.cfg.Getenv = func(name string) string {
		switch name {
		case "GNUPGHOME":
			return alice.Home
		case "PASSWORD_STORE_SIGNING_KEY":
			return alice.Fingerprint
		}
		return ""
	}
	if err := s.Init(ctx, []string{alice.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), ".gpg-id.sig")); err != nil {
		t.Fatal(".gpg-id was not signed")
	}
	mustSet(t, s, "A_API_KEY", "a")
	// pass accepts the signature amika made, and refuses the .gpg-id once it is changed
	passInsert := func() error {
		cmd := exec.Command("pass", "insert", "-e", "amika/P")
		cmd.Env = append(alice.Env(), "PASSWORD_STORE_DIR="+s.Dir(), "PASSWORD_STORE_SIGNING_KEY="+alice.Fingerprint)
		cmd.Stdin = strings.NewReader("p\n")
		return cmd.Run()
	}
	needTools(t, "pass")
	if err := passInsert(); err != nil {
		t.Fatalf("pass refuses the .gpg-id amika signed: %v", err)
	}
	f, _ := os.OpenFile(filepath.Join(s.Dir(), ".gpg-id"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(mallory.Fingerprint + "\n")
	f.Close()
	err := s.Set(ctx, []Entry{{Name: "B_API_KEY", Value: "b"}}, nil, "")
	if err == nil || !strings.Contains(err.Error(), "not signed by a key of PASSWORD_STORE_SIGNING_KEY") {
		t.Fatalf("unsigned .gpg-id: %v", err)
	}
	if passInsert() == nil {
		t.Fatal("pass accepted the changed .gpg-id")
	}
}

// A gpg-agent that accepts connections and never answers (hung, or a smartcard waiting for
// a touch): every read is bounded, and the first that runs out stops the others.
func TestAgentHangs(t *testing.T) {
	alice := newUser(t, "Alice", "")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".gpg-id"), []byte(alice.Fingerprint+"\n"), 0o600)
	s := New(Config{Dir: dir, LockFile: filepath.Join(t.TempDir(), "lock"), Getenv: userEnv(alice), Timeout: time.Second})
	var entries []Entry
	for i := 0; i < 12; i++ {
		entries = append(entries, Entry{Name: fmt.Sprintf("K%02d", i), Value: "v"})
	}
	if err := s.Set(ctx, entries, nil, ""); err != nil {
		t.Fatal(err)
	}
	// the agent is replaced by a socket that never answers
	run(t, alice.Env(), "", "gpgconf", "--kill", "gpg-agent")
	l, err := net.Listen("unix", filepath.Join(alice.Home, "S.gpg-agent"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	conns := 0
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns++
			mu.Unlock()
			defer c.Close()
		}
	}()
	names, _ := s.Names()
	done := make(chan []Result, 1)
	go func() { done <- s.GetMany(ctx, names) }()
	select {
	case res := <-done:
		for _, r := range res {
			if !errors.Is(r.Err, ErrTimeout) {
				t.Errorf("%s: %v", r.Name, r.Err)
			}
		}
	case <-time.After(60 * time.Second):
		t.Fatal("a hung agent hung the read")
	}
	mu.Lock()
	defer mu.Unlock()
	if conns > workers {
		t.Fatalf("%d gpg runs waited for the hung agent; the first timeout should stop the rest (at most %d at once)", conns, workers)
	}
}

// A clone made before the first push syncs: it takes the remote branch as it is.
func TestSyncFreshClone(t *testing.T) {
	alice, bob := newUser(t, "Alice", ""), newUser(t, "Bob", "")
	passtest.Exchange(alice, bob)
	remote := bareRemote(t)
	b := clone(t, bob, remote) // empty
	a := clone(t, alice, remote)
	if err := a.Init(ctx, []string{alice.Fingerprint, bob.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	mustSet(t, a, "K", "v")
	res, err := b.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Changed, " ") != ".gpg-id amika/K.gpg" || res.RecipientsBefore != nil {
		t.Fatalf("sync: %+v", res)
	}
	if got := mustGet(t, b, "K"); got != "v" {
		t.Fatalf("Bob reads %q", got)
	}
	mustSet(t, b, "L", "w") // and pushes
	if _, err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, a, "L"); got != "w" {
		t.Fatalf("Alice reads %q", got)
	}
}
