package pass

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amika-dev/amika/store/pass/passtest"
)

// A member whose clone is behind the remote: what lands on the remote is encrypted to the
// recipients of the .gpg-id in force there, whoever wrote it and whatever they had pulled.

// readers lists who of users can decrypt path as the remote's main branch holds it.
func readers(t *testing.T, remote, path string, users ...*passtest.User) string {
	t.Helper()
	cmd := exec.Command("git", "--git-dir", remote, "show", "main:"+path)
	ct, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s is not on the remote: %v", path, err)
	}
	var who []string
	for _, u := range users {
		cmd := exec.Command("gpg", "--batch", "--quiet", "--pinentry-mode", "error", "--decrypt")
		cmd.Env, cmd.Stdin = u.Env(), bytes.NewReader(ct)
		if err := cmd.Run(); err == nil {
			who = append(who, u.Name)
		}
	}
	return strings.Join(who, " ")
}

func remoteHead(t *testing.T, remote string) string {
	t.Helper()
	return strings.TrimSpace(run(t, os.Environ(), "", "git", "--git-dir", remote, "rev-parse", "main"))
}

// team makes a remote whose .gpg-id lists members, Alice's clone of it with the given
// secrets pushed, and the others' clones, up to date.
func team(t *testing.T, members []*passtest.User, secrets ...string) (remote string, clones []*Store) {
	t.Helper()
	if err := passtest.Exchange(members...); err != nil {
		t.Fatal(err)
	}
	remote = bareRemote(t)
	a := clone(t, members[0], remote)
	if err := a.Init(ctx, []string{members[0].Fingerprint, members[1].Fingerprint}); err != nil {
		t.Fatal(err)
	}
	for _, n := range secrets {
		mustSet(t, a, n, strings.ToLower(n)+"-value")
	}
	clones = []*Store{a}
	for _, u := range members[1:] {
		clones = append(clones, clone(t, u, remote))
	}
	return remote, clones
}

// prePush makes the next push from s run script first (once): another member's push that
// lands between this clone's fetch and its push.
func prePush(t *testing.T, s *Store, script string) {
	t.Helper()
	flag := filepath.Join(t.TempDir(), "ran")
	hook := fmt.Sprintf("#!/bin/sh\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX\n[ -e '%s' ] && exit 0\ntouch '%s'\n%s\n", flag, flag, script)
	if err := os.WriteFile(filepath.Join(s.Dir(), ".git", "hooks", "pre-push"), []byte(hook), 0o755); err != nil {
		t.Fatal(err)
	}
}

// Alice removes Carol; Bob, who has not pulled that, pushes a secret: Carol cannot read it.
func TestWriteAfterRemovalBehind(t *testing.T) {
	alice, bob, carol := newUser(t, "Alice", ""), newUser(t, "Bob", ""), newUser(t, "Carol", "")
	remote, c := team(t, []*passtest.User{alice, bob, carol}, "K")
	a, b := c[0], c[1]
	if _, err := a.AddMembers(ctx, []string{carol.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.RemoveMembers(ctx, []string{carol.Email}); err != nil {
		t.Fatal(err)
	}
	var told []string
	b.cfg.RecipientsChanged = func(before, after []string) {
		told = append(told, strings.Join(before, " ")+" -> "+strings.Join(after, " "))
	}
	mustSet(t, b, "AFTER_REMOVAL", "v")
	if want := alice.Fingerprint + " " + bob.Fingerprint + " " + carol.Fingerprint + " -> " + alice.Fingerprint + " " + bob.Fingerprint; strings.Join(told, "; ") != want {
		t.Errorf("Bob was told %q, want %q", told, want)
	}
	mustSet(t, b, "NEXT", "v") // nothing changed since: nothing to tell
	if len(told) != 1 {
		t.Errorf("Bob was told %q", told)
	}
	for _, p := range []string{"amika/AFTER_REMOVAL.gpg", "amika/K.gpg"} {
		if got := readers(t, remote, p, alice, bob, carol); got != "Alice Bob" {
			t.Errorf("%s on the remote is readable by %s, want Alice Bob", p, got)
		}
	}
	if got := mustGet(t, b, "AFTER_REMOVAL"); got != "v" {
		t.Fatalf("Bob reads %q", got)
	}
}

// The same when Alice's removal lands between Bob's fetch and his push: his push is
// refused, and his write is made again on top of the removal.
func TestWriteAfterRemovalRace(t *testing.T) {
	alice, bob, carol := newUser(t, "Alice", ""), newUser(t, "Bob", ""), newUser(t, "Carol", "")
	remote, c := team(t, []*passtest.User{alice, bob, carol}, "K")
	a, b := c[0], c[1]
	if _, err := a.AddMembers(ctx, []string{carol.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	a.cfg.AutoSync = false // Alice's removal is committed, pushed by Bob's hook below
	if _, err := a.RemoveMembers(ctx, []string{carol.Email}); err != nil {
		t.Fatal(err)
	}
	prePush(t, b, fmt.Sprintf("git -C '%s' push -q origin HEAD:main", a.Dir()))
	mustSet(t, b, "RACED", "v")
	if got := run(t, os.Environ(), "", "git", "--git-dir", remote, "show", "main:.gpg-id"); got != alice.Fingerprint+"\n"+bob.Fingerprint+"\n" {
		t.Fatalf("the remote's .gpg-id:\n%s", got)
	}
	if got := readers(t, remote, "amika/RACED.gpg", alice, bob, carol); got != "Alice Bob" {
		t.Errorf("RACED on the remote is readable by %s, want Alice Bob", got)
	}
}

// Bob pushes a secret; Alice, who has not pulled it, adds Carol: every secret on the
// remote, Bob's included, is re-encrypted for Carol.
func TestAddMemberBehind(t *testing.T) {
	alice, bob, carol := newUser(t, "Alice", ""), newUser(t, "Bob", ""), newUser(t, "Carol", "")
	remote, c := team(t, []*passtest.User{alice, bob, carol}, "K1", "K2", "K3")
	a, b := c[0], c[1]
	mustSet(t, b, "BOB_NEW", "bob-value")
	redone, err := a.AddMembers(ctx, []string{carol.Email})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(redone, " "); got != "amika/BOB_NEW.gpg amika/K1.gpg amika/K2.gpg amika/K3.gpg" {
		t.Errorf("re-encrypted %s", got)
	}
	for _, n := range []string{"BOB_NEW", "K1", "K2", "K3"} {
		if got := readers(t, remote, "amika/"+n+".gpg", alice, bob, carol); got != "Alice Bob Carol" {
			t.Errorf("%s on the remote is readable by %s, want all three", n, got)
		}
	}
}

// The same when Bob's push lands between Alice's fetch and hers.
func TestAddMemberRace(t *testing.T) {
	alice, bob, carol := newUser(t, "Alice", ""), newUser(t, "Bob", ""), newUser(t, "Carol", "")
	remote, c := team(t, []*passtest.User{alice, bob, carol}, "K1")
	a, b := c[0], c[1]
	b.cfg.AutoSync = false
	mustSet(t, b, "BOB_RACED", "bob-value")
	prePush(t, a, fmt.Sprintf("git -C '%s' push -q origin HEAD:main", b.Dir()))
	redone, err := a.AddMembers(ctx, []string{carol.Email})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(redone, " "); got != "amika/BOB_RACED.gpg amika/K1.gpg" {
		t.Errorf("re-encrypted %s", got)
	}
	for _, n := range []string{"BOB_RACED", "K1"} {
		if got := readers(t, remote, "amika/"+n+".gpg", alice, bob, carol); got != "Alice Bob Carol" {
			t.Errorf("%s on the remote is readable by %s, want all three", n, got)
		}
	}
	log := run(t, os.Environ(), "", "git", "--git-dir", remote, "log", "--format=%s", "main")
	if !strings.Contains(log, "Add given password for amika/BOB_RACED to store.\n") || strings.Count(log, carol.Fingerprint) != 1 {
		t.Errorf("remote log:\n%s", log)
	}
}

// Bob wrote a secret while offline (committed, not pushed); Alice removes Carol; Bob's
// sync pulls the removal and pushes his secret encrypted for Alice and him only.
func TestSyncBringsRecipientChange(t *testing.T) {
	alice, bob, carol := newUser(t, "Alice", ""), newUser(t, "Bob", ""), newUser(t, "Carol", "")
	remote, c := team(t, []*passtest.User{alice, bob, carol}, "K")
	a, b := c[0], c[1]
	if _, err := a.AddMembers(ctx, []string{carol.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	b.cfg.AutoSync = false
	mustSet(t, b, "OFFLINE", "offline-value")
	b.cfg.AutoSync = true
	if _, err := a.RemoveMembers(ctx, []string{carol.Email}); err != nil {
		t.Fatal(err)
	}
	res, err := b.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed || strings.Join(res.RecipientsAfter, " ") != alice.Fingerprint+" "+bob.Fingerprint || strings.Join(res.Resealed, " ") != "amika/OFFLINE.gpg" {
		t.Errorf("sync: %+v", res)
	}
	if got := readers(t, remote, "amika/OFFLINE.gpg", alice, bob, carol); got != "Alice Bob" {
		t.Errorf("OFFLINE on the remote is readable by %s, want Alice Bob", got)
	}
	if st := run(t, os.Environ(), b.Dir(), "git", "status", "--porcelain"); st != "" {
		t.Errorf("status after sync:\n%s", st)
	}
	if log := run(t, os.Environ(), "", "git", "--git-dir", remote, "log", "-1", "--format=%an: %s", "main"); log != "Bob: Reencrypt amika/OFFLINE.gpg for the recipients of .gpg-id.\n" {
		t.Errorf("the remote's last commit: %q", log)
	}
	// the same through a write: Bob's older commit is re-encrypted before his new one is
	// pushed with it
	b.cfg.AutoSync = false
	mustSet(t, b, "OFFLINE2", "offline-value")
	b.cfg.AutoSync = true
	if _, err := a.AddMembers(ctx, []string{carol.Email}); err != nil {
		t.Fatal(err)
	}
	mustSet(t, b, "ONLINE", "online-value")
	for _, n := range []string{"OFFLINE", "OFFLINE2", "ONLINE"} {
		if got := readers(t, remote, "amika/"+n+".gpg", alice, bob, carol); got != "Alice Bob Carol" {
			t.Errorf("%s on the remote is readable by %s, want all three", n, got)
		}
	}
}

// A file that must be re-encrypted and that the member cannot decrypt stops the push with
// one line naming it: nothing is pushed, nothing is left half-done.
func TestSyncCannotReencrypt(t *testing.T) {
	alice, bob, carol := newUser(t, "Alice", ""), newUser(t, "Bob", ""), newUser(t, "Carol", "")
	remote, c := team(t, []*passtest.User{alice, bob, carol}, "K")
	a, b := c[0], c[1]
	// Bob commits, without pushing, a file encrypted to Alice alone (as pass does with
	// PASSWORD_STORE_KEY): he cannot decrypt it himself
	aliceOnly := storeAt(t, bob, b.Dir())
	aliceOnly.cfg.AutoSync = false
	aliceOnly.cfg.Getenv = func(name string) string {
		switch name {
		case "GNUPGHOME":
			return bob.Home
		case "PASSWORD_STORE_KEY":
			return alice.Fingerprint
		}
		return ""
	}
	mustSet(t, aliceOnly, "FOR_ALICE", "secret")
	if _, err := a.AddMembers(ctx, []string{carol.Email}); err != nil {
		t.Fatal(err)
	}
	head := remoteHead(t, remote)
	_, err := b.Sync(ctx)
	if err == nil || !strings.Contains(err.Error(), "amika/FOR_ALICE.gpg") || !errors.Is(err, ErrNoSecretKey) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("sync: %v", err)
	}
	if remoteHead(t, remote) != head {
		t.Fatal("something was pushed")
	}
	if st := run(t, os.Environ(), b.Dir(), "git", "status", "--porcelain"); st != "" {
		t.Errorf("status after the failed sync:\n%s", st)
	}
	if log := run(t, os.Environ(), b.Dir(), "git", "log", "-1", "--format=%s"); log != "Add given password for amika/FOR_ALICE to store.\n" {
		t.Errorf("Bob's last commit: %q", log)
	}
}

// Alice, behind, adds Carol while the remote holds a file Alice cannot decrypt: the change
// stops with one line, nothing is committed or pushed.
func TestAddMemberCannotReencrypt(t *testing.T) {
	alice, bob, carol := newUser(t, "Alice", ""), newUser(t, "Bob", ""), newUser(t, "Carol", "")
	remote, c := team(t, []*passtest.User{alice, bob, carol}, "K")
	a, b := c[0], c[1]
	bobOnly := storeAt(t, bob, b.Dir())
	bobOnly.cfg.Getenv = func(name string) string {
		switch name {
		case "GNUPGHOME":
			return bob.Home
		case "PASSWORD_STORE_KEY":
			return bob.Fingerprint
		}
		return ""
	}
	mustSet(t, bobOnly, "FOR_BOB", "secret")
	head := remoteHead(t, remote)
	_, err := a.AddMembers(ctx, []string{carol.Email})
	if err == nil || !strings.Contains(err.Error(), "amika/FOR_BOB.gpg") || !errors.Is(err, ErrNoSecretKey) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("members add: %v", err)
	}
	if remoteHead(t, remote) != head {
		t.Fatal("something was pushed")
	}
	if got := run(t, os.Environ(), a.Dir(), "git", "show", "HEAD:.gpg-id"); strings.Contains(got, carol.Fingerprint) {
		t.Fatal("Carol was committed")
	}
	if st := run(t, os.Environ(), a.Dir(), "git", "status", "--porcelain"); st != "" {
		t.Errorf("status after the failed change:\n%s", st)
	}
}

// A file name or a folder of .gpg-id from a commit reaches a message of the re-encryption
// escaped: a name holding terminal escapes cannot write them to the member's terminal.
func TestReencryptionNamesEscaped(t *testing.T) {
	alice, bob := newUser(t, "Alice", ""), newUser(t, "Bob", "")
	remote, c := team(t, []*passtest.User{alice, bob}, "K")
	b := c[1]
	git := func(args ...string) { run(t, os.Environ(), b.Dir(), "git", args...) }
	check := func(what string) {
		t.Helper()
		head := remoteHead(t, remote)
		_, err := b.Sync(ctx)
		if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07\n") || !strings.Contains(err.Error(), `\x1b`) || !strings.Contains(err.Error(), what) {
			t.Fatalf("sync: %q", err)
		}
		if remoteHead(t, remote) != head {
			t.Fatal("something was pushed")
		}
	}
	// A file encrypted to Alice alone, which Bob cannot re-encrypt, under a name with escapes.
	aliceOnly := storeAt(t, bob, b.Dir())
	aliceOnly.cfg.AutoSync = false
	aliceOnly.cfg.Getenv = func(name string) string {
		switch name {
		case "GNUPGHOME":
			return bob.Home
		case "PASSWORD_STORE_KEY":
			return alice.Fingerprint
		}
		return ""
	}
	mustSet(t, aliceOnly, "FOR_ALICE", "secret")
	odd := "odd\x1b]0;title\x07"
	if err := os.Mkdir(filepath.Join(b.Dir(), odd), 0o700); err != nil {
		t.Fatal(err)
	}
	git("mv", "amika/FOR_ALICE.gpg", odd+"/FOR_ALICE.gpg")
	git("commit", "-q", "-m", "odd")
	check("cannot be re-encrypted")
	// A folder with escapes in its name, whose .gpg-id is an option.
	git("reset", "-q", "--hard", "HEAD~2")
	odd = "x\x1b[2J"
	if err := os.Mkdir(filepath.Join(b.Dir(), odd), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.Dir(), odd, ".gpg-id"), []byte("--logger-file=/dev/null\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ct, err := os.ReadFile(filepath.Join(b.Dir(), "amika", "K.gpg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.Dir(), odd, "K.gpg"), ct, 0o600); err != nil {
		t.Fatal(err)
	}
	git("add", "--", odd)
	git("commit", "-q", "-m", "odd folder")
	check("line 1: starts with '-'")
}
