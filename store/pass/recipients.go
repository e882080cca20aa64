package pass

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
)

// maxGPGID bounds .gpg-id and its signature: a list of keys, one a line.
const maxGPGID = 64 << 10

// maxRecipient bounds one recipient: a fingerprint, a key ID, an email or a user ID.
const maxRecipient = 256

// gpgIDFile finds the .gpg-id that governs dir, as pass does: dir's own, else its parent's,
// up to the store's root. "" when there is none. Whatever stands at that name counts: a
// symlink or a folder named .gpg-id is refused when read, never skipped for a parent's.
func (s *Store) gpgIDFile(dir string) string {
	root := filepath.Clean(s.cfg.Dir)
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		f := filepath.Join(d, ".gpg-id")
		if _, err := os.Lstat(f); err == nil {
			return f
		}
		if d == root || !strings.HasPrefix(d, root+string(filepath.Separator)) {
			return ""
		}
	}
}

// Recipients lists whom amika's secrets are encrypted to: $PASSWORD_STORE_KEY when set,
// else the lines of the nearest .gpg-id (comments after '#' and blank lines skipped), and
// the file they came from ("" for the variable). Every recipient is checked
// (checkRecipient): one that is not a key's name fails the whole list.
func (s *Store) Recipients() (file string, ids []string, err error) {
	file, ids, err = s.recipientsFor(s.SecretsDir())
	if err == nil && ids == nil {
		return "", nil, fmt.Errorf("%s: %w (the file listing whom secrets are encrypted to): create it with `PASSWORD_STORE_DIR=DIR pass init KEY…`", s.cfg.Dir, ErrNoGPGID)
	}
	return file, ids, err
}

// recipientsFor lists whom the secrets in dir are encrypted to, as Recipients does; no
// recipients and no error when no .gpg-id governs dir.
func (s *Store) recipientsFor(dir string) (file string, ids []string, err error) {
	if k := s.cfg.Getenv("PASSWORD_STORE_KEY"); strings.TrimSpace(k) != "" {
		ids = strings.Fields(k)
		for i, id := range ids {
			if why := checkRecipient(id); why != "" {
				return "", nil, fmt.Errorf("PASSWORD_STORE_KEY: word %d: %s", i+1, why)
			}
		}
		return "", ids, nil
	}
	if linked(s.SecretsDir()) {
		return "", nil, fmt.Errorf("%s: %w", s.SecretsDir(), errFolderLink)
	}
	file = s.gpgIDFile(dir)
	if file == "" {
		return "", nil, nil
	}
	ids, err = readGPGID(file)
	if err != nil {
		return file, nil, err
	}
	if err := s.verifyGPGID(context.Background(), file); err != nil {
		return file, nil, err
	}
	return file, ids, nil
}

// gpgIDLine is one recipient of .gpg-id and the line it is on.
type gpgIDLine struct {
	id   string
	line int
	bad  string // why it is refused (checkRecipient), "" when it is not
}

// parseGPGID reads .gpg-id as pass does: one recipient a line, '#' starts a comment, blank
// lines skipped. The file is read without following a symlink (a commit can make .gpg-id
// point anywhere, ~/.git-credentials included), and bounded.
func parseGPGID(file string) ([]gpgIDLine, error) {
	data, err := safefile.ReadFileNoFollow(file, maxGPGID)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", discovery.Printable(file), ErrNoGPGID)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", discovery.Printable(file), err)
	}
	var out []gpgIDLine
	for n, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, gpgIDLine{id: line, line: n + 1, bad: checkRecipient(line)})
		}
	}
	return out, nil
}

// readGPGID lists the recipients of .gpg-id. A line that is not a key's name fails the
// whole file, with an error naming the line, never quoting it.
func readGPGID(file string) ([]string, error) {
	lines, err := parseGPGID(file)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range lines {
		if l.bad != "" {
			return nil, fmt.Errorf("%s: line %d: %s; amika encrypts to none of its keys until it is fixed", discovery.Printable(file), l.line, l.bad)
		}
		ids = append(ids, l.id)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s: lists no key: %w", discovery.Printable(file), ErrNoGPGID)
	}
	return ids, nil
}

// checkRecipient says why id cannot be passed to gpg as a recipient, or "" when it can: a
// fingerprint, a long key ID, an email or another user ID, as `gpg -r` takes them. Refused:
// anything starting with '-' (an option, were it ever read as one), control characters
// (which would reach the terminal in messages), invalid UTF-8, a short key ID (8 hex digits
// name any of many keys), and more than 256 bytes.
func checkRecipient(id string) string {
	switch {
	case id == "":
		return "empty"
	case id[0] == '-':
		return "starts with '-', as an option does: not a key"
	case len(id) > maxRecipient:
		return fmt.Sprintf("longer than %d bytes: not a key", maxRecipient)
	case !utf8.ValidString(id):
		return "not UTF-8: not a key"
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return "holds a control character: not a key"
		}
	}
	if h := strings.TrimPrefix(strings.TrimPrefix(id, "0x"), "0X"); len(h) == 8 && isHex(h) {
		return "a short key ID (8 hex digits) can name several keys: write the key's fingerprint"
	}
	return ""
}

// recipientID is a recipient's fingerprint or key ID (upper case) when it is one, else
// other: a user ID from .gpg-id is never repeated in a message.
func recipientID(r, other string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(r, "0x"), "0X")
	if isHex(h) && (len(h) == 16 || len(h) == 40 || len(h) == 64) {
		return "recipient " + strings.ToUpper(h)
	}
	return other
}

// recipientRef names recipient r in a message: its fingerprint or key ID as it is; a user
// ID by the line of .gpg-id (or the word of PASSWORD_STORE_KEY) it is on.
func (s *Store) recipientRef(r string) string {
	if id := recipientID(r, ""); id != "" {
		return id
	}
	if k := s.cfg.Getenv("PASSWORD_STORE_KEY"); strings.TrimSpace(k) != "" {
		for i, w := range strings.Fields(k) {
			if w == r {
				return fmt.Sprintf("the recipient in word %d of PASSWORD_STORE_KEY", i+1)
			}
		}
	} else if f := s.gpgIDFile(s.SecretsDir()); f != "" {
		lines, _ := parseGPGID(f)
		for _, l := range lines {
			if l.id == r {
				return fmt.Sprintf("the recipient on line %d of %s", l.line, s.rel(f))
			}
		}
	}
	return "a recipient"
}

// gpgIDState is what the .gpg-id governing amika's secrets says, for telling whether a pull
// changed it.
type gpgIDState struct {
	exists bool
	ids    string   // the recipients, one a line, or why the file cannot be read
	shown  []string // the recipients as messages may show them (recipientShown)
}

func (s *Store) gpgIDState() gpgIDState {
	f := s.gpgIDFile(s.SecretsDir())
	if f == "" {
		return gpgIDState{}
	}
	lines, err := parseGPGID(f)
	if err != nil {
		return gpgIDState{exists: true, ids: err.Error(), shown: []string{"none (" + s.rel(f) + " cannot be read)"}}
	}
	st := gpgIDState{exists: true}
	var ids []string
	for _, l := range lines {
		ids = append(ids, l.id)
		st.shown = append(st.shown, recipientShown(l, s.rel(f)))
	}
	st.ids = strings.Join(ids, "\n")
	return st
}

// changed says whether the .gpg-id after differs from st, as a pull can change it: a
// store that had none has nothing to warn about.
func (st gpgIDState) changed(after gpgIDState) bool {
	return st.exists && st.ids != after.ids
}

// recipientShown is a recipient of .gpg-id as a message shows it: a fingerprint or key ID
// as it is, anything else by its line.
func recipientShown(l gpgIDLine, file string) string {
	if l.bad != "" {
		return fmt.Sprintf("line %d of %s (refused: %s)", l.line, file, l.bad)
	}
	if id := recipientID(l.id, ""); id != "" {
		return strings.TrimPrefix(id, "recipient ")
	}
	return fmt.Sprintf("the user ID on line %d of %s", l.line, file)
}

// verifyGPGID checks .gpg-id's signature when PASSWORD_STORE_SIGNING_KEY asks for one, as
// pass does: then only a .gpg-id signed by one of those keys says whom to encrypt to, and a
// recipient slipped into the repository by someone else is refused.
func (s *Store) verifyGPGID(ctx context.Context, file string) error {
	want := strings.Fields(s.cfg.Getenv("PASSWORD_STORE_SIGNING_KEY"))
	if len(want) == 0 {
		return nil
	}
	sig, err := safefile.ReadFileNoFollow(file+".sig", maxGPGID)
	if err != nil {
		return fmt.Errorf("%s: PASSWORD_STORE_SIGNING_KEY is set, and the signature of .gpg-id cannot be read: %v", discovery.Printable(file+".sig"), describe(err))
	}
	data, err := safefile.ReadFileNoFollow(file, maxGPGID)
	if err != nil {
		return fmt.Errorf("%s: %v", discovery.Printable(file), describe(err))
	}
	// gpg checks the very bytes read here: the data on standard input, the signature on
	// a pipe (descriptor 3); it opens no path of the store itself.
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	go func() {
		w.Write(sig) // fails once gpg is gone and r is closed
		w.Close()
	}()
	g := s.gpg
	g.interactive = false
	_, st, err := g.call(ctx, gpgCall{input: data, args: []string{"--enable-special-filenames", "--verify"}, operands: []string{"-&3", "-"}, extra: []*os.File{r}})
	if err != nil && err != errGPGFailed {
		return err
	}
	for _, fpr := range st.validSig {
		for _, w := range want {
			if strings.EqualFold(strings.TrimPrefix(w, "0x"), fpr) {
				return nil
			}
		}
	}
	return fmt.Errorf("%s: not signed by a key of PASSWORD_STORE_SIGNING_KEY; amika will not encrypt to the keys it lists", discovery.Printable(file))
}

func describe(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "no such file"
	}
	return err.Error()
}
