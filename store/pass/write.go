package pass

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/amika-dev/amika/internal/safefile"
)

// lock serialises amika's writers of the store (writes, commits, syncs).
func (s *Store) lock() (func(), error) {
	if s.cfg.LockFile == "" {
		return nil, errors.New("password store: no lock file configured")
	}
	if err := safefile.PrivateDir(filepath.Dir(s.cfg.LockFile)); err != nil {
		return nil, fmt.Errorf("%s: %v", filepath.Dir(s.cfg.LockFile), err)
	}
	return safefile.Lock(s.cfg.LockFile)
}

// keySet is the recipients' public keys, for checking what gpg wrote.
type keySet struct {
	recipients []string
	keys       []key
	// of maps each recipient to the indexes of the keys it names.
	of map[string][]int
}

// resolve lists the recipients' public keys. A recipient with no usable key in the user's
// keyring fails here, before anything is encrypted.
func (s *Store) resolve(ctx context.Context, recipients []string) (keySet, error) {
	ks := keySet{recipients: recipients, of: map[string][]int{}}
	keys, err := s.gpg.listKeys(ctx, false, recipients...)
	if err != nil {
		return ks, err
	}
	ks.keys = keys
	for _, r := range recipients {
		for i, k := range keys {
			if k.matches(r) {
				ks.of[r] = append(ks.of[r], i)
			}
		}
		usable := false
		for _, i := range ks.of[r] {
			usable = usable || keys[i].usable
		}
		if !usable {
			if len(ks.of[r]) == 0 {
				return ks, fmt.Errorf("%s: no public key in your keyring (gpg --import it)", s.recipientRef(r))
			}
			return ks, fmt.Errorf("%s: its key cannot encrypt (revoked, expired or disabled)", s.recipientRef(r))
		}
	}
	return ks, nil
}

// pinned says whether every recipient is a full fingerprint.
func pinned(recipients []string) bool {
	for _, r := range recipients {
		if !isFingerprint(r) {
			return false
		}
	}
	return true
}

// seal encrypts plaintext to the recipients and checks the result before anything is
// written: it is encrypted to a key of every recipient and to no other key, and, where the
// user holds one of those keys unlocked, it decrypts to plaintext.
func (s *Store) seal(ctx context.Context, plaintext []byte, ks keySet) ([]byte, error) {
	ct, err := s.gpg.encrypt(ctx, plaintext, ks.recipients, pinned(ks.recipients))
	if err != nil {
		return nil, err
	}
	if err := s.check(ctx, ct, plaintext, ks); err != nil {
		return nil, err
	}
	s.remember(ct, ks.recipients)
	return ct, nil
}

func (s *Store) check(ctx context.Context, ct, plaintext []byte, ks keySet) error {
	g := s.gpg
	g.interactive = false // checking never asks for a passphrase
	out, st, err := g.decrypt(ctx, ct)
	if err := ks.covers(st.encTo); err != nil {
		return fmt.Errorf("gpg's output is %v; nothing written", err)
	}
	switch {
	case err == nil && !bytes.Equal(out, plaintext):
		return errors.New("gpg's output does not decrypt to what was encrypted; nothing written")
	case err == nil, errors.Is(err, ErrLocked), errors.Is(err, ErrNoSecretKey):
		return nil
	}
	return fmt.Errorf("checking gpg's output: %v; nothing written", err)
}

// covers checks that a message encrypted to encTo (key IDs) can be read by every recipient
// and by no one else.
func (ks keySet) covers(encTo []string) error {
	for _, r := range ks.recipients {
		found := false
		for _, i := range ks.of[r] {
			for _, id := range ks.keys[i].keyIDs {
				found = found || containsID(encTo, id)
			}
		}
		if !found {
			return fmt.Errorf("not encrypted to %s", recipientID(r, "a recipient of .gpg-id"))
		}
	}
	for _, id := range encTo {
		known := false
		for _, k := range ks.keys {
			known = known || containsID(k.keyIDs, id)
		}
		if !known {
			return fmt.Errorf("also encrypted to key %s, which .gpg-id does not list (encrypt-to or hidden-encrypt-to in gpg.conf?)", id)
		}
	}
	return nil
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// change is one file a write replaces or removes, with what to put back if the write fails.
type change struct {
	path string
	data []byte // new content; nil removes the file
	old  []byte // previous content; nil: there was none
}

// apply writes the changes and commits them in one commit. If anything fails, every file
// is put back as it was: nothing half-written, nothing committed.
func (s *Store) apply(ctx context.Context, message string, changes []change) error {
	if s.cfg.RequireGit {
		if _, err := s.toplevel(ctx); err != nil {
			return err
		}
	}
	done := 0
	undo := func() {
		for _, c := range changes[:done] {
			if c.old != nil {
				safefile.WriteFileAtomic(c.path, c.old, 0o600)
			} else {
				os.Remove(c.path)
			}
		}
	}
	for _, c := range changes {
		dir := filepath.Dir(c.path)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			undo()
			return fmt.Errorf("%s: %v", dir, unwrapPath(err))
		}
		safefile.RemoveTemps(dir)
		var err error
		if c.data != nil {
			err = safefile.WriteFileAtomic(c.path, c.data, 0o600)
		} else if err = os.Remove(c.path); errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		if err != nil {
			undo()
			return fmt.Errorf("%s: %v", c.path, unwrapPath(err))
		}
		done++
	}
	paths := make([]string, len(changes))
	for i, c := range changes {
		paths[i] = c.path
	}
	if err := s.commit(ctx, message, paths); err != nil {
		undo()
		return fmt.Errorf("%s: %w; nothing changed", s.cfg.Dir, err)
	}
	return nil
}

// Merge makes the entry to write from the one given and the one it replaces (nil when the
// store has none, or holds one encrypted to keys the user lacks). It runs under the store's
// lock, so concurrent writers never lose what the other wrote.
type Merge func(next Entry, prev *Entry) Entry

// Set encrypts entries to the store's recipients and writes them in one commit: all of them
// or, on any error, none. merge (optional) combines each with the entry it replaces. A store
// that syncs pulls first: the recipients and the entries replaced are the remote's. A
// *SyncError says they were committed and not pushed.
func (s *Store) Set(ctx context.Context, entries []Entry, merge Merge, message string) error {
	for _, e := range entries {
		if !validName(e.Name) {
			return errors.New("invalid secret name")
		}
		if e.Value == "" {
			return errors.New("a secret with an empty value")
		}
	}
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	return s.write(ctx, func() error { return s.set(ctx, entries, merge, message) })
}

func (s *Store) set(ctx context.Context, entries []Entry, merge Merge, message string) error {
	file, recipients, err := s.Recipients()
	if err != nil {
		return err
	}
	ks, err := s.resolve(ctx, recipients)
	if err != nil {
		return fmt.Errorf("%s: %w", orDir(file, s.cfg.Dir), err)
	}
	changes := make([]change, 0, len(entries))
	for i, e := range entries {
		path := s.Path(e.Name)
		old, err := readFile(path)
		if err != nil && err != ErrNotFound {
			return fmt.Errorf("%s: %w", path, err)
		}
		if merge != nil {
			var prev *Entry
			if old != nil {
				pt, _, err := s.gpg.decrypt(ctx, old)
				switch {
				case err == nil:
					if p, err := Parse(pt); err == nil {
						p.Name = e.Name
						prev = &p
					}
				case !errors.Is(err, ErrNoSecretKey):
					return fmt.Errorf("%s: reading the version it replaces: %w", path, err)
				}
			}
			e = merge(e, prev)
			e.Name = entries[i].Name
		}
		ct, err := s.seal(ctx, Format(e), ks)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		changes = append(changes, change{path: path, data: ct, old: old})
	}
	if message == "" {
		message = setMessage(s, entries)
	}
	return s.apply(ctx, message, changes)
}

func orDir(file, dir string) string {
	if file == "" {
		return dir + " (PASSWORD_STORE_KEY)"
	}
	return file
}

// setMessage is pass's commit message for an insert.
func setMessage(s *Store, entries []Entry) string {
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = s.cfg.Prefix + "/" + e.Name
	}
	if len(names) == 1 {
		return "Add given password for " + names[0] + " to store."
	}
	return "Add given passwords for " + strings.Join(names, ", ") + " to store."
}

// Delete removes the named secrets in one commit. A name the store does not hold is
// ErrNotFound, and nothing is removed.
func (s *Store) Delete(ctx context.Context, names []string, message string) error {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer unlock()
	return s.write(ctx, func() error { return s.delete(ctx, names, message) })
}

func (s *Store) delete(ctx context.Context, names []string, message string) error {
	changes := make([]change, 0, len(names))
	for _, n := range names {
		path := s.Path(n)
		old, err := readFile(path)
		if !validName(n) || err == ErrNotFound {
			return fmt.Errorf("%s: %w", n, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		changes = append(changes, change{path: path, old: old})
	}
	if message == "" {
		rels := make([]string, len(names))
		for i, n := range names {
			rels[i] = s.cfg.Prefix + "/" + n
		}
		message = "Remove " + strings.Join(rels, ", ") + " from store."
	}
	return s.apply(ctx, message, changes)
}
