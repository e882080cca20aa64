package pass

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/amika-dev/amika/store/pass/passtest"
)

// Someone with push access to a team's repository and no key: what they commit reaches
// every member's amika at the next sync. These tests run the real gpg and git.

// attacker is a plain git clone of remote, committing as Mallory (who holds no key).
func attacker(t *testing.T, remote string) (dir string, push func(msg string)) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "mallory")
	run(t, os.Environ(), "", "git", "clone", "-q", remote, dir)
	return dir, func(msg string) {
		run(t, os.Environ(), dir, "git", "add", "-A")
		run(t, os.Environ(), dir, "git", "-c", "user.name=Mallory", "-c", "user.email=m@example.com", "commit", "-q", "-m", msg)
		run(t, os.Environ(), dir, "git", "push", "-q")
	}
}

// teamOf is Alice's team store, its .gpg-id listing her, pushed to a fresh remote.
func teamOf(t *testing.T, alice *passtest.User) (*Store, string) {
	t.Helper()
	remote := bareRemote(t)
	a := clone(t, alice, remote)
	if err := a.Init(ctx, []string{alice.Fingerprint}); err != nil {
		t.Fatal(err)
	}
	mustSet(t, a, "OPENAI_API_KEY", "sk-team-key-123456789")
	return a, remote
}

// A .gpg-id line is never an option of gpg's: lines that would make gpg write a file of
// the attacker's choosing (a line appended to ~/.bashrc runs at the next shell) are refused,
// by line number, and gpg never sees them.
func TestGPGIDLinesAreNotOptions(t *testing.T) {
	alice := newUser(t, "Alice", "")
	a, remote := teamOf(t, alice)
	victim := t.TempDir()
	bashrc := filepath.Join(victim, ".bashrc")
	os.WriteFile(bashrc, []byte("echo normal bashrc\n"), 0o600)
	pwned := filepath.Join(victim, "PWNED")

	mdir, push := attacker(t, remote)
	gpgID := "--logger-file=" + bashrc + "\n" + alice.Fingerprint + "\n--x'; touch " + pwned + "; : '\n"
	os.WriteFile(filepath.Join(mdir, ".gpg-id"), []byte(gpgID), 0o644)
	push("rotate members")

	res, err := a.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shown := strings.Join(res.RecipientsAfter, ", ")
	if !strings.Contains(shown, "line 1 of .gpg-id (refused: starts with '-'") || !strings.Contains(shown, alice.Fingerprint) ||
		strings.Contains(shown, "logger") || strings.Contains(shown, "touch") {
		t.Fatalf("sync shows the new recipients as %q", shown)
	}
	wantErr := filepath.Join(a.Dir(), ".gpg-id") + ": line 1: starts with '-'"
	for what, do := range map[string]func() error{
		"set":     func() error { return a.Set(ctx, []Entry{{Name: "ANTHROPIC_API_KEY", Value: "sk-ant-new"}}, nil, "") },
		"members": func() error { _, _, err := a.Members(ctx); return err },
		"add":     func() error { _, err := a.AddMembers(ctx, []string{alice.Fingerprint}); return err },
		"unlock":  func() error { return a.Unlock(ctx) },
	} {
		err := do()
		if err == nil || !strings.HasPrefix(err.Error(), wantErr) || strings.Contains(err.Error(), "logger") || strings.Contains(err.Error(), "touch") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", what, err)
		}
	}
	if got, _ := os.ReadFile(bashrc); string(got) != "echo normal bashrc\n" {
		t.Fatalf("gpg wrote to ~/.bashrc:\n%s", got)
	}
	if exists(pwned) {
		t.Fatal("the attacker's command ran")
	}
	if exists(a.Path("ANTHROPIC_API_KEY")) {
		t.Fatal("a secret was written")
	}

	// every option gpg would take to write a file, run a program or read another keyring
	out := t.TempDir()
	for _, line := range []string{
		"--logger-file=" + filepath.Join(out, "log"),
		"--status-file=" + filepath.Join(out, "status"),
		"--attribute-file=" + filepath.Join(out, "attr"),
		"--output=" + filepath.Join(out, "output"),
		"--homedir=" + out,
		"--photo-viewer=touch " + filepath.Join(out, "photo"),
		"--agent-program=" + filepath.Join(out, "agent"),
		"-o" + filepath.Join(out, "short"),
		"\x1b]0;title\a" + alice.Email,
		"Alice\r" + alice.Email,
		"0x" + alice.Fingerprint[32:], // a short key ID names any of many keys
	} {
		os.WriteFile(filepath.Join(a.Dir(), ".gpg-id"), []byte("# members\n"+alice.Fingerprint+"\n"+line+"\n"), 0o644)
		for what, do := range map[string]func() error{
			"set":     func() error { return a.Set(ctx, []Entry{{Name: "X_API_KEY", Value: "sk-x"}}, nil, "") },
			"members": func() error { _, _, err := a.Members(ctx); return err },
		} {
			err := do()
			if err == nil || !strings.Contains(err.Error(), ".gpg-id: line 3: ") || strings.Contains(err.Error(), strings.TrimSpace(line)) || strings.ContainsAny(err.Error(), "\x1b\a\r\n") {
				t.Errorf("%q, %s: %v", line, what, err)
			}
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Fatalf("gpg wrote %v", entries)
	}

	// $PASSWORD_STORE_KEY is checked the same way
	s := New(Config{Dir: a.Dir(), LockFile: filepath.Join(t.TempDir(), "lock"), Getenv: func(n string) string {
		switch n {
		case "GNUPGHOME":
			return alice.Home
		case "PASSWORD_STORE_KEY":
			return alice.Fingerprint + " --logger-file=" + filepath.Join(out, "env")
		}
		return ""
	}})
	if err := s.Set(ctx, []Entry{{Name: "X_API_KEY", Value: "sk-x"}}, nil, ""); err == nil || !strings.Contains(err.Error(), "PASSWORD_STORE_KEY: word 2: starts with '-'") {
		t.Fatalf("PASSWORD_STORE_KEY: %v", err)
	}
	// a key typed by the user is checked too
	if err := a.Init(ctx, []string{"--logger-file=" + filepath.Join(out, "init")}); err == nil {
		t.Fatal("init took an option as a key")
	}
	if _, err := a.AddMembers(ctx, []string{"--logger-file=" + filepath.Join(out, "add")}); err == nil {
		t.Fatal("members add took an option as a key")
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Fatalf("gpg wrote %v", entries)
	}
}

// Every gpg run ends its options with "--": what follows is never read as an option, even
// where no check came first.
func TestGPGOperandsAfterDashDash(t *testing.T) {
	alice := newUser(t, "Alice", "")
	s := New(Config{Dir: t.TempDir(), Getenv: userEnv(alice)})
	out := t.TempDir()
	log := filepath.Join(out, "log")
	listing, _, err := s.gpg.call(ctx, gpgCall{args: []string{"--with-colons", "--list-keys"}, operands: []string{"--logger-file=" + log, alice.Fingerprint}})
	if err != nil && err != errGPGFailed {
		t.Fatal(err)
	}
	if exists(log) {
		t.Fatal("gpg read an operand as --logger-file")
	}
	if keys := parseKeys(listing); len(keys) != 1 || keys[0].fingerprint != alice.Fingerprint {
		t.Fatalf("gpg listed %v", keys)
	}
	// and a recipient given to --recipient is its value, whatever it starts with
	if _, err := s.gpg.encrypt(ctx, []byte("v\n"), []string{"--logger-file=" + log}, false); err == nil || strings.Contains(err.Error(), "logger") {
		t.Fatalf("encrypt: %v", err)
	}
	if exists(log) {
		t.Fatal("gpg read a recipient as --logger-file")
	}
}

// A .gpg-id that is a symlink (to ~/.git-credentials, say) is refused, not followed: its
// target's lines never reach gpg's argv or a message.
func TestGPGIDSymlink(t *testing.T) {
	alice := newUser(t, "Alice", "")
	a, remote := teamOf(t, alice)
	creds := filepath.Join(t.TempDir(), ".git-credentials")
	os.WriteFile(creds, []byte("https://bob:ghp_TokenNeverShown0123456789@github.com\n"), 0o600)

	mdir, push := attacker(t, remote)
	os.Remove(filepath.Join(mdir, ".gpg-id"))
	if err := os.Symlink(creds, filepath.Join(mdir, ".gpg-id")); err != nil {
		t.Fatal(err)
	}
	push("members")
	res, err := a.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if shown := strings.Join(res.RecipientsAfter, ", "); !strings.Contains(shown, "cannot be read") || strings.Contains(shown, "ghp_") {
		t.Fatalf("sync shows the new recipients as %q", shown)
	}
	for what, do := range map[string]func() error{
		"set":     func() error { return a.Set(ctx, []Entry{{Name: "ANTHROPIC_API_KEY", Value: "sk-ant-new"}}, nil, "") },
		"members": func() error { _, _, err := a.Members(ctx); return err },
	} {
		err := do()
		if err == nil || !strings.Contains(err.Error(), ".gpg-id: not a regular file (a symlink)") || strings.Contains(err.Error(), "ghp_") || strings.Contains(err.Error(), "bob") {
			t.Errorf("%s: %v", what, err)
		}
	}
	// a symlinked .gpg-id in the secrets' folder is refused too, not skipped for the root's
	run(t, os.Environ(), a.Dir(), "git", "reset", "-q", "--hard", "HEAD~1")
	if err := os.Symlink(creds, filepath.Join(a.SecretsDir(), ".gpg-id")); err != nil {
		t.Fatal(err)
	}
	if err := a.Set(ctx, []Entry{{Name: "ANTHROPIC_API_KEY", Value: "sk-ant-new"}}, nil, ""); err == nil || !strings.Contains(err.Error(), "amika/.gpg-id: not a regular file (a symlink)") {
		t.Fatalf("set: %v", err)
	}
}

// A user ID of .gpg-id is named in messages by its line, never quoted.
func TestRecipientNamedByLine(t *testing.T) {
	alice := newUser(t, "Alice", "")
	dir := t.TempDir()
	s := New(Config{Dir: dir, LockFile: filepath.Join(t.TempDir(), "lock"), Getenv: userEnv(alice)})
	os.WriteFile(filepath.Join(dir, ".gpg-id"), []byte(alice.Fingerprint+"\n\n# a comment\nhttps://bob:ghp_NotAKey@github.com\n"), 0o600)
	err := s.Set(ctx, []Entry{{Name: "X_API_KEY", Value: "sk-x"}}, nil, "")
	if err == nil || !strings.Contains(err.Error(), "the recipient on line 4 of .gpg-id: no public key in your keyring") || strings.Contains(err.Error(), "ghp_") {
		t.Fatalf("set: %v", err)
	}
}

// A small file that decrypts to gigabytes (a compressed run of zeros) is stopped at the
// bound of what a secret can hold, and named; the store's other secrets still read.
func TestCompressedEntry(t *testing.T) {
	alice := newUser(t, "Alice", "")
	dir := t.TempDir()
	s := New(Config{Dir: dir, LockFile: filepath.Join(t.TempDir(), "lock"), Getenv: userEnv(alice)})
	os.WriteFile(filepath.Join(dir, ".gpg-id"), []byte(alice.Fingerprint+"\n"), 0o600)
	mustSet(t, s, "GOOD_API_KEY", "sk-good")
	// the largest value amika stores, with its metadata, still reads back
	big := strings.Repeat("k", 1<<20)
	mustSet(t, s, "BIG_API_KEY", big)
	if got := mustGet(t, s, "BIG_API_KEY"); got != big {
		t.Fatalf("a 1 MiB value reads back as %d bytes", len(got))
	}
	plain := append([]byte("sk-bomb\n"), make([]byte, 32<<20)...)
	bomb, err := alice.GPG(plain, "--trust-model", "always", "--compress-algo", "bzip2", "--recipient", alice.Fingerprint, "--encrypt")
	if err != nil {
		t.Fatal(err)
	}
	if len(bomb) > 64<<10 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	names := []string{"GOOD_API_KEY"}
	for _, n := range []string{"ZZ_API_KEY", "ZZ1_API_KEY", "ZZ2_API_KEY", "ZZ3_API_KEY"} {
		os.WriteFile(s.Path(n), bomb, 0o600)
		names = append(names, n)
	}
	for _, r := range s.GetMany(ctx, names) {
		switch {
		case r.Name == "GOOD_API_KEY":
			if r.Err != nil || r.Entry.Value != "sk-good" {
				t.Errorf("%s: %q %v", r.Name, r.Entry.Value, r.Err)
			}
		case r.Err == nil || !strings.HasSuffix(r.Err.Error(), r.Name+".gpg: decrypts to more than 1088 KiB, more than a secret holds (a compressed message that expands?): not read"):
			t.Errorf("%s: %d bytes, %v", r.Name, len(r.Entry.Value), r.Err)
		}
	}
	var big2 errOutputLimit
	if _, _, err := s.gpg.call(ctx, gpgCall{input: bomb, args: []string{"--decrypt"}, limit: 1 << 20}); !errors.As(err, &big2) {
		t.Fatalf("call: %v", err)
	}
	// writing what could not be read back is refused
	if err := s.Set(ctx, []Entry{{Name: "HUGE", Value: strings.Repeat("k", maxPlaintext)}}, nil, ""); err == nil || !strings.Contains(err.Error(), "more than amika reads back") {
		t.Fatalf("set: %v", err)
	}
}

// A secrets folder committed as a symlink (to the user's own password store, say) is not
// followed: nothing is read or written through it.
func TestSecretsFolderSymlink(t *testing.T) {
	alice := newUser(t, "Alice", "")
	a, remote := teamOf(t, alice)
	own := t.TempDir()
	os.WriteFile(filepath.Join(own, ".gpg-id"), []byte(alice.Fingerprint+"\n"), 0o600)
	mine, _ := alice.GPG([]byte("personal-value\n"), "--encrypt", "--recipient", alice.Fingerprint)
	os.WriteFile(filepath.Join(own, "MINE_API_KEY.gpg"), mine, 0o600)

	mdir, push := attacker(t, remote)
	os.RemoveAll(filepath.Join(mdir, "amika"))
	if err := os.Symlink(own, filepath.Join(mdir, "amika")); err != nil {
		t.Fatal(err)
	}
	push("move")
	if _, err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if names, err := a.Names(); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("names: %v %v", names, err)
	}
	if e, err := a.Get(ctx, "MINE_API_KEY"); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("get: %q %v", e.Value, err)
	}
	for what, do := range map[string]func() error{
		"set":     func() error { return a.Set(ctx, []Entry{{Name: "MINE_API_KEY", Value: "sk-overwritten"}}, nil, "") },
		"delete":  func() error { return a.Delete(ctx, []string{"MINE_API_KEY"}, "") },
		"members": func() error { _, _, err := a.Members(ctx); return err },
	} {
		if err := do(); err == nil || !strings.Contains(err.Error(), "symlink") {
			t.Errorf("%s: %v", what, err)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(own, "MINE_API_KEY.gpg")); string(got) != string(mine) {
		t.Fatal("the file behind the symlink changed")
	}
	if entries, _ := os.ReadDir(own); len(entries) != 2 {
		t.Fatalf("the folder behind the symlink holds %v", entries)
	}
}
