// Package passtest makes GnuPG users for tests: each a GNUPGHOME of its own with a fresh
// key, run by the real gpg and gpg-agent.
package passtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// User is one person's GnuPG home and key.
type User struct {
	Name        string // "Alice"
	Email       string // "alice@example.com"
	Home        string // GNUPGHOME
	Fingerprint string
	Passphrase  string // "" for a key without one
}

// NewUser creates a GnuPG home and an ed25519/cv25519 key for name, with passphrase when it
// is not empty. The home is a short path under the system's temp directory: gpg-agent's
// socket path must fit in 107 bytes, and test directories are long.
func NewUser(name, passphrase string) (*User, error) {
	home, err := os.MkdirTemp("", "gpg-"+strings.ToLower(name)+"-")
	if err != nil {
		return nil, err
	}
	u := &User{Name: name, Email: strings.ToLower(name) + "@example.com", Home: home, Passphrase: passphrase}
	// Allow a passphrase to be preset or given on the command line, as tests need.
	// A low s2k count: protecting and unlocking a key in tests need not cost seconds.
	conf := agentConf
	if err := os.WriteFile(filepath.Join(home, "gpg-agent.conf"), []byte(conf), 0o600); err != nil {
		return nil, err
	}
	uid := fmt.Sprintf("%s <%s>", name, u.Email)
	if _, err := u.GPG(nil, "--pinentry-mode", "loopback", "--passphrase", passphrase, "--quick-gen-key", uid, "future-default", "default", "never"); err != nil {
		u.Close()
		return nil, err
	}
	out, err := u.GPG(nil, "--with-colons", "--list-secret-keys", u.Email)
	if err != nil {
		u.Close()
		return nil, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Split(line, ":"); len(f) > 9 && f[0] == "fpr" {
			u.Fingerprint = f[9]
			break
		}
	}
	if u.Fingerprint == "" {
		u.Close()
		return nil, fmt.Errorf("no fingerprint for %s", uid)
	}
	return u, u.Forget()
}

// Env is the user's environment: the process's with GNUPGHOME set to the user's home.
func (u *User) Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GNUPGHOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "GNUPGHOME="+u.Home)
}

// GPG runs gpg in batch mode as the user.
func (u *User) GPG(stdin []byte, args ...string) ([]byte, error) {
	cmd := exec.Command("gpg", append([]string{"--batch", "--quiet"}, args...)...)
	cmd.Env = u.Env()
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("gpg %s (%s): %v: %s", strings.Join(args, " "), u.Name, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// Import imports the public keys of others into the user's keyring.
func (u *User) Import(others ...*User) error {
	for _, o := range others {
		pub, err := o.GPG(nil, "--export", o.Fingerprint)
		if err != nil {
			return err
		}
		if _, err := u.GPG(pub, "--import"); err != nil {
			return err
		}
	}
	return nil
}

// Exchange has every user import every other's public key.
func Exchange(users ...*User) error {
	for _, u := range users {
		for _, o := range users {
			if o != u {
				if err := u.Import(o); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Forget makes gpg-agent drop every cached passphrase: the key is locked again.
func (u *User) Forget() error {
	return u.gpgconf("--reload", "gpg-agent")
}

// SetPinentry makes the user's gpg-agent ask for passphrases with program.
func (u *User) SetPinentry(program string) error {
	conf := agentConf + "pinentry-program " + program + "\n"
	if err := os.WriteFile(filepath.Join(u.Home, "gpg-agent.conf"), []byte(conf), 0o600); err != nil {
		return err
	}
	return u.gpgconf("--reload", "gpg-agent")
}

func (u *User) gpgconf(args ...string) error {
	cmd := exec.Command("gpgconf", args...)
	cmd.Env = u.Env()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("gpgconf %s (%s): %v: %s", strings.Join(args, " "), u.Name, err, out)
	}
	return nil
}

// Close stops the user's gpg-agent and removes the home.
func (u *User) Close() {
	u.gpgconf("--kill", "all")
	os.RemoveAll(u.Home)
}

// PinentryScript is a pinentry speaking the Assuan protocol gpg-agent uses: it answers
// GETPIN with the content of passfile and appends one line to log per launch. With hang, it
// never answers GETPIN, like a prompt nobody sees.
func PinentryScript(passfile, log string, hang bool) string {
	getpin := `printf 'D %s\nOK\n' "$(cat '` + passfile + `')"`
	if hang {
		getpin = "exec sleep 600"
	}
	return `#!/bin/sh
echo launched >> '` + log + `'
echo "OK Pleased to meet you"
while IFS= read -r line; do
	case $line in
	GETPIN*) ` + getpin + ` ;;
	BYE*) echo OK; exit 0 ;;
	*) echo OK ;;
	esac
done
`
}

// agentConf lets tests give a passphrase on the command line, and keeps the key derivation
// cheap.
const agentConf = "allow-loopback-pinentry\nallow-preset-passphrase\ns2k-count 65536\n"
