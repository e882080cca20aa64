package pass

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
)

// ErrLocked is a decryption that needs a passphrase gpg-agent does not have cached, where
// amika may not ask for it (hooks, `credential get`, `run`, anything without a terminal).
var ErrLocked = errors.New("the secret key is locked: its passphrase is not cached in gpg-agent (run `amika store unlock`)")

// ErrTimeout is a gpg that did not finish in time: gpg-agent hung, or a smartcard waits for
// a touch nobody gives.
var ErrTimeout = errors.New("gpg did not finish in time")

// ErrNoSecretKey is a file encrypted to none of the user's keys.
var ErrNoSecretKey = errors.New("not encrypted to any key of yours")

// gpgRunner runs the user's gpg. It never holds a key: gpg and gpg-agent do the work; values
// go to gpg on standard input and come back on standard output, never in argv.
type gpgRunner struct {
	program string
	env     []string // nil: the process's environment
	opts    []string // PASSWORD_STORE_GPG_OPTS
	// interactive lets gpg-agent ask for a passphrase (pinentry). Without it gpg runs with
	// --pinentry-mode error, and a locked key fails at once with ErrLocked.
	interactive bool
	timeout     time.Duration
	// name names a recipient in messages (Store.recipientRef); nil: recipientID.
	name func(recipient string) string
}

// status is what gpg said on its status channel.
type status struct {
	encTo     []string // key IDs the message is encrypted to
	noSeckey  []string
	invRecp   []string // "reason recipient"
	okay      bool     // DECRYPTION_OKAY
	failed    bool     // DECRYPTION_FAILED
	errCodes  []int    // ERROR … codes, low 16 bits (gpg-error codes)
	pinentry  bool     // PINENTRY_LAUNCHED
	validSig  []string // VALIDSIG: the signing key's and its primary key's fingerprints
	lastHuman string   // gpg's last "gpg: …" line, for unexpected failures
}

// defaultTimeout bounds a gpg run that asks nobody anything: a decryption through a
// working agent takes milliseconds.
const defaultTimeout = 5 * time.Second

// gpg-error codes seen in ERROR status lines.
const (
	gpgErrBadPassphrase = 11
	gpgErrNoPinentry    = 85
	gpgErrCanceled      = 99
	gpgErrFullyCanceled = 198
)

func parseStatus(stderr []byte) status {
	var st status
	for _, line := range strings.Split(string(stderr), "\n") {
		rest, ok := strings.CutPrefix(line, "[GNUPG:] ")
		if !ok {
			if strings.HasPrefix(line, "gpg: ") {
				st.lastHuman = strings.TrimPrefix(line, "gpg: ")
			}
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "ENC_TO":
			if len(f) > 1 {
				st.encTo = append(st.encTo, strings.ToUpper(f[1]))
			}
		case "NO_SECKEY":
			if len(f) > 1 {
				st.noSeckey = append(st.noSeckey, strings.ToUpper(f[1]))
			}
		case "INV_RECP":
			st.invRecp = append(st.invRecp, strings.Join(f[1:], " "))
		case "DECRYPTION_OKAY":
			st.okay = true
		case "DECRYPTION_FAILED":
			st.failed = true
		case "PINENTRY_LAUNCHED":
			st.pinentry = true
		case "VALIDSIG":
			if len(f) > 1 {
				st.validSig = append(st.validSig, strings.ToUpper(f[1]), strings.ToUpper(f[len(f)-1]))
			}
		case "ERROR", "FAILURE":
			if len(f) > 2 {
				if c, err := strconv.Atoi(f[2]); err == nil {
					st.errCodes = append(st.errCodes, c&0xffff)
				}
			}
		}
	}
	return st
}

func (st status) has(code int) bool {
	for _, c := range st.errCodes {
		if c == code {
			return true
		}
	}
	return false
}

// args are pass's gpg options, less --quiet: it silences the status lines that tell a
// locked key from a missing one.
func (g *gpgRunner) args(extra ...string) []string {
	a := []string{"--yes", "--compress-algo=none", "--no-encrypt-to", "--batch", "--status-fd", "2",
		// Encrypt only to keys the user already has: never fetch one (WKD, keyservers).
		"--auto-key-locate", "local"}
	a = append(a, g.opts...)
	if !g.interactive {
		a = append(a, "--no-tty", "--pinentry-mode", "error")
	}
	return append(a, extra...)
}

// maxPlaintext bounds what one decryption may yield: a value (at most 1 MiB) and its
// metadata lines. A file that decrypts to more is no secret amika wrote: a small compressed
// message can expand to gigabytes, and gpg is stopped rather than read.
const maxPlaintext = 1<<20 + 64<<10

// maxOutput bounds gpg's standard output where no smaller bound applies (key listings,
// ciphertext), and maxStatus its standard error (status lines and messages).
const (
	maxOutput = 16 << 20
	maxStatus = 1 << 20
)

// gpgCall is one run of gpg.
type gpgCall struct {
	input []byte
	args  []string // options
	// operands follow "--": gpg never reads them as options, whatever they hold.
	operands []string
	limit    int        // bound on standard output; 0 is maxOutput
	extra    []*os.File // file descriptors 3, 4, … (for --enable-special-filenames)
}

// errOutputLimit is a gpg stopped because its standard output went past the bound.
type errOutputLimit struct{ limit int }

func (e errOutputLimit) Error() string {
	return fmt.Sprintf("gpg's output is larger than %s: gpg was stopped", sizeText(e.limit))
}

func sizeText(n int) string {
	if n >= 1<<20 && n%(1<<10) == 0 {
		if n%(1<<20) == 0 {
			return fmt.Sprintf("%d MiB", n>>20)
		}
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// run runs gpg with options args (followed by "--" and nothing else) and input on standard
// input, and returns its standard output and status.
func (g *gpgRunner) run(ctx context.Context, input []byte, args ...string) ([]byte, status, error) {
	return g.call(ctx, gpgCall{input: input, args: args})
}

// call runs gpg as c says. What gpg writes is collected up to a bound: past it gpg is
// killed, and the error is errOutputLimit (standard output) or a plain error (messages).
func (g *gpgRunner) call(ctx context.Context, c gpgCall) ([]byte, status, error) {
	timeout := g.timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	if c.limit == 0 {
		c.limit = maxOutput
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	argv := append(g.args(c.args...), "--")
	argv = append(argv, c.operands...)
	cmd := exec.CommandContext(ctx, g.program, argv...)
	cmd.Env = g.env
	cmd.Stdin = bytes.NewReader(c.input)
	cmd.ExtraFiles = c.extra
	stdout := &capped{limit: c.limit, stop: cancel}
	stderr := &capped{limit: maxStatus, stop: cancel}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// gpg may start gpg-agent, which keeps running; never wait on what it inherited.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	st := parseStatus(stderr.buf.Bytes())
	switch {
	case stdout.over:
		return nil, st, errOutputLimit{c.limit}
	case stderr.over:
		return nil, st, fmt.Errorf("gpg wrote more than %s of messages: gpg was stopped", sizeText(maxStatus))
	case ctx.Err() == context.DeadlineExceeded:
		return nil, st, fmt.Errorf("%w (%v): gpg-agent does not answer, or a smartcard waits for a touch", ErrTimeout, timeout)
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return nil, st, fmt.Errorf("cannot run %s: %v", g.program, unwrapExec(err))
	}
	if err != nil {
		return stdout.buf.Bytes(), st, errGPGFailed
	}
	return stdout.buf.Bytes(), st, nil
}

// capped collects what a process writes, up to limit bytes. The first write past it stops
// the process (stop kills it) and fails, so nothing more is read.
type capped struct {
	buf   bytes.Buffer
	limit int
	stop  func()
	over  bool
}

var errCapped = errors.New("output past its bound")

func (c *capped) Write(p []byte) (int, error) {
	if c.over {
		return 0, errCapped
	}
	if c.buf.Len()+len(p) > c.limit {
		c.over = true
		c.stop()
		return 0, errCapped
	}
	return c.buf.Write(p)
}

var errGPGFailed = errors.New("gpg failed")

func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// decrypt decrypts ciphertext. Errors: ErrLocked, ErrNoSecretKey (wrapped, naming the key
// IDs the file is encrypted to), or gpg's own reason.
func (g *gpgRunner) decrypt(ctx context.Context, ciphertext []byte) ([]byte, status, error) {
	out, st, err := g.call(ctx, gpgCall{input: ciphertext, args: []string{"--decrypt"}, limit: maxPlaintext})
	if err == nil && st.okay {
		return out, st, nil
	}
	var big errOutputLimit
	if errors.As(err, &big) {
		return nil, st, fmt.Errorf("decrypts to more than %s, more than a secret holds (a compressed message that expands?): not read", sizeText(big.limit))
	}
	if err != nil && err != errGPGFailed {
		return nil, st, err
	}
	return nil, st, decryptError(st)
}

func decryptError(st status) error {
	switch {
	case st.has(gpgErrNoPinentry):
		return ErrLocked
	case st.has(gpgErrCanceled) || st.has(gpgErrFullyCanceled):
		return errors.New("passphrase entry cancelled")
	case st.has(gpgErrBadPassphrase):
		return errors.New("bad passphrase")
	case len(st.encTo) > 0 && (len(st.noSeckey) == len(st.encTo) || st.failed && len(st.errCodes) == 0):
		// Without the public key of a recipient, gpg says NO_SECKEY for none of them.
		return fmt.Errorf("%w (only to %s)", ErrNoSecretKey, strings.Join(st.encTo, ", "))
	case st.lastHuman != "":
		return fmt.Errorf("gpg: %s", discovery.Printable(st.lastHuman))
	}
	return errors.New("gpg could not decrypt it")
}

// encrypt encrypts plaintext to recipients. trustFingerprints is set when every recipient
// is a full fingerprint: the fingerprint, written in .gpg-id and reviewed in git, is the
// decision to trust that key, so gpg's web of trust is not asked again.
// Recipients are checked (checkRecipient) and given as values of --recipient: gpg takes the
// argument after it as the recipient whatever it starts with, and nothing after "--".
func (g *gpgRunner) encrypt(ctx context.Context, plaintext []byte, recipients []string, trustFingerprints bool) ([]byte, error) {
	if len(plaintext) > maxPlaintext {
		return nil, fmt.Errorf("larger than %s, more than amika reads back", sizeText(maxPlaintext))
	}
	args := []string{"--encrypt"}
	if trustFingerprints {
		args = append(args, "--trust-model", "always")
	}
	for _, r := range recipients {
		if why := checkRecipient(r); why != "" {
			return nil, fmt.Errorf("%s: %s", g.recipientName(r), why)
		}
		args = append(args, "--recipient", r)
	}
	out, st, err := g.call(ctx, gpgCall{input: plaintext, args: args, limit: maxFile})
	if err == nil && len(out) > 0 {
		return out, nil
	}
	if err != nil && err != errGPGFailed {
		return nil, err
	}
	if len(st.invRecp) > 0 {
		var why []string
		for _, r := range st.invRecp {
			code, who, _ := strings.Cut(r, " ")
			why = append(why, g.recipientName(who)+": "+invRecpReason(code))
		}
		return nil, fmt.Errorf("cannot encrypt: %s", strings.Join(why, "; "))
	}
	if st.lastHuman != "" {
		return nil, fmt.Errorf("gpg: %s", discovery.Printable(st.lastHuman))
	}
	return nil, errors.New("gpg could not encrypt")
}

// recipientName names a recipient in a message without quoting .gpg-id: a fingerprint or
// key ID as it is, anything else by where it is written.
func (g *gpgRunner) recipientName(r string) string {
	if g.name != nil {
		return g.name(r)
	}
	return recipientID(r, "a recipient")
}

// invRecpReason explains INV_RECP's reason codes.
func invRecpReason(code string) string {
	switch code {
	case "0", "1":
		return "no public key in your keyring (gpg --import it)"
	case "2":
		return "ambiguous: several keys match (use the fingerprint)"
	case "3":
		return "wrong key usage: it cannot encrypt"
	case "4":
		return "key revoked"
	case "5":
		return "key expired"
	case "10":
		return "key not trusted (write its fingerprint in .gpg-id, or certify it: gpg --lsign-key)"
	case "13":
		return "key disabled"
	}
	return "unusable public key (reason " + code + ")"
}

// key is one public key as gpg lists it.
type key struct {
	fingerprint string
	keyIDs      []string // the primary key's and every subkey's long key ID
	encryptIDs  []string // key IDs that can encrypt now (not revoked or expired)
	uids        []string
	usable      bool // has a subkey (or primary) that can encrypt
	secret      bool
}

// listKeys lists the public keys matching ids (all of them when ids is empty); with secret,
// the secret keys instead.
func (g *gpgRunner) listKeys(ctx context.Context, secret bool, ids ...string) ([]key, error) {
	args := []string{"--with-colons", "--fixed-list-mode"}
	if secret {
		args = append(args, "--list-secret-keys")
	} else {
		args = append(args, "--list-keys")
	}
	for _, id := range ids {
		if why := checkRecipient(id); why != "" {
			return nil, fmt.Errorf("%s: %s", g.recipientName(id), why)
		}
	}
	out, st, err := g.call(ctx, gpgCall{args: args, operands: ids})
	if err != nil && err != errGPGFailed {
		return nil, err
	}
	keys := parseKeys(out)
	if err != nil && len(keys) == 0 && len(ids) == 0 {
		return nil, fmt.Errorf("gpg: %s", discovery.Printable(st.lastHuman))
	}
	return keys, nil
}

func parseKeys(colons []byte) []key {
	var keys []key
	var cur *key
	inSub := false
	for _, line := range strings.Split(string(colons), "\n") {
		f := strings.Split(line, ":")
		if len(f) < 10 || f[0] != "fpr" && f[0] != "uid" && len(f) < 12 {
			continue
		}
		switch f[0] {
		case "pub", "sec":
			keys = append(keys, key{secret: f[0] == "sec"})
			cur = &keys[len(keys)-1]
			inSub = false
			id := strings.ToUpper(f[4])
			cur.keyIDs = append(cur.keyIDs, id)
			if valid(f[1]) && strings.Contains(f[11], "e") {
				cur.encryptIDs = append(cur.encryptIDs, id)
			}
		case "sub", "ssb":
			if cur == nil {
				continue
			}
			inSub = true
			id := strings.ToUpper(f[4])
			cur.keyIDs = append(cur.keyIDs, id)
			if valid(f[1]) && strings.Contains(f[11], "e") {
				cur.encryptIDs = append(cur.encryptIDs, id)
			}
		case "fpr":
			if cur != nil && !inSub && cur.fingerprint == "" && len(f) > 9 {
				cur.fingerprint = strings.ToUpper(f[9])
			}
		case "uid":
			if cur != nil && valid(f[1]) && len(f) > 9 {
				cur.uids = append(cur.uids, f[9])
			}
		}
	}
	for i := range keys {
		keys[i].usable = len(keys[i].encryptIDs) > 0
	}
	return keys
}

// valid reads gpg's validity field: revoked, expired, invalid and disabled keys are not.
func valid(v string) bool {
	switch v {
	case "r", "e", "i", "d":
		return false
	}
	return true
}

// matches says whether recipient (as written in .gpg-id: a fingerprint, a key ID, an email
// or a user ID) names k, the way gpg's -r does for those forms.
func (k key) matches(recipient string) bool {
	r := strings.TrimPrefix(strings.TrimPrefix(recipient, "0x"), "0X")
	if isHex(r) && (len(r) == 8 || len(r) == 16 || len(r) == 40 || len(r) == 64) {
		r = strings.ToUpper(r)
		if k.fingerprint == r {
			return true
		}
		for _, id := range k.keyIDs {
			if strings.HasSuffix(id, r) || len(r) >= 40 && strings.HasSuffix(r, id) {
				return true
			}
		}
		return false
	}
	needle := strings.ToLower(strings.Trim(recipient, "<>"))
	for _, u := range k.uids {
		u = strings.ToLower(u)
		if strings.HasPrefix(recipient, "<") {
			if strings.Contains(u, "<"+needle+">") {
				return true
			}
			continue
		}
		if strings.Contains(u, needle) {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return s != ""
}

// isFingerprint is a full v4 or v5 fingerprint.
func isFingerprint(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	return (len(s) == 40 || len(s) == 64) && isHex(s)
}
