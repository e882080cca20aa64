package pass

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/safefile"
)

// Member is one recipient of .gpg-id and the key it names in the user's keyring.
type Member struct {
	ID          string // as written in .gpg-id
	Fingerprint string // "" when no public key matches
	UserID      string // the key's first user ID
	Usable      bool   // the key can encrypt
	Yours       bool   // the user holds its secret key
}

// Members lists the recipients of amika's secrets and the file listing them.
func (s *Store) Members(ctx context.Context) (string, []Member, error) {
	file, ids, err := s.Recipients()
	if err != nil {
		return file, nil, err
	}
	keys, err := s.gpg.listKeys(ctx, false, ids...)
	if err != nil {
		return file, nil, err
	}
	secret, _ := s.gpg.listKeys(ctx, true, ids...)
	out := make([]Member, 0, len(ids))
	for _, id := range ids {
		m := Member{ID: id}
		for _, k := range keys {
			if !k.matches(id) {
				continue
			}
			if m.Fingerprint == "" || k.usable && !m.Usable {
				m.Fingerprint, m.Usable = k.fingerprint, k.usable
				if len(k.uids) > 0 {
					m.UserID = k.uids[0]
				}
			}
		}
		for _, k := range secret {
			m.Yours = m.Yours || k.fingerprint == m.Fingerprint && m.Fingerprint != ""
		}
		out = append(out, m)
	}
	return file, out, nil
}

// lookupKey resolves what a user typed (fingerprint, key ID, email) to exactly one public
// key that can encrypt.
func (s *Store) lookupKey(ctx context.Context, who string) (key, error) {
	if why := checkRecipient(who); why != "" {
		return key{}, fmt.Errorf("%s: %s", discovery.Printable(who), why)
	}
	keys, err := s.gpg.listKeys(ctx, false, who)
	if err != nil {
		return key{}, err
	}
	var usable []key
	for _, k := range keys {
		if k.usable && k.matches(who) {
			usable = append(usable, k)
		}
	}
	switch len(usable) {
	case 0:
		if len(keys) > 0 {
			return key{}, fmt.Errorf("%s: the key cannot encrypt (revoked, expired or disabled)", discovery.Printable(who))
		}
		return key{}, fmt.Errorf("%s: no public key in your keyring (gpg --import it first)", discovery.Printable(who))
	case 1:
		return usable[0], nil
	}
	return key{}, fmt.Errorf("%s: %d keys match; give the fingerprint", discovery.Printable(who), len(usable))
}

// AddMembers adds keys (fingerprints, key IDs or emails of keys in the user's keyring) to
// .gpg-id as fingerprints, re-encrypts the secrets it governs and commits, as `pass init`
// does. A store that syncs pulls first: the change is made to the remote's .gpg-id and
// secrets. It returns the files re-encrypted, relative to the store.
func (s *Store) AddMembers(ctx context.Context, who []string) ([]string, error) {
	return s.changeMembers(ctx, who, s.addMembers)
}

// changeMembers makes a change of members under the store's lock, as a write.
func (s *Store) changeMembers(ctx context.Context, who []string, change func(context.Context, []string) ([]string, error)) ([]string, error) {
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	var redone []string
	err = s.write(ctx, func() error {
		var err error
		redone, err = change(ctx, who)
		return err
	})
	return redone, err
}

// memberFile is the .gpg-id a change of members rewrites, and the recipients it lists. With
// PASSWORD_STORE_KEY set there is none to change.
func (s *Store) memberFile() (file string, ids []string, err error) {
	file, ids, err = s.Recipients()
	if err == nil && file == "" {
		err = errors.New("PASSWORD_STORE_KEY is set: it, not .gpg-id, says whom to encrypt to; unset it to change members")
	}
	return file, ids, err
}

func (s *Store) addMembers(ctx context.Context, who []string) ([]string, error) {
	file, ids, err := s.memberFile()
	if err != nil {
		return nil, err
	}
	next := append([]string(nil), ids...)
	var added []string
	for _, w := range who {
		k, err := s.lookupKey(ctx, w)
		if err != nil {
			return nil, err
		}
		present := false
		for _, id := range next {
			present = present || k.matches(id)
		}
		if !present {
			next = append(next, k.fingerprint)
			added = append(added, k.fingerprint)
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	return s.setRecipients(ctx, file, next, "Add "+strings.Join(added, ", ")+" to "+s.rel(file)+"; reencrypt.")
}

// RemoveMembers removes keys from .gpg-id, re-encrypts and commits, as AddMembers does.
// What removed members could read before stays readable to them in the repository's
// history: rotate those secrets.
func (s *Store) RemoveMembers(ctx context.Context, who []string) ([]string, error) {
	return s.changeMembers(ctx, who, s.removeMembers)
}

func (s *Store) removeMembers(ctx context.Context, who []string) ([]string, error) {
	file, ids, err := s.memberFile()
	if err != nil {
		return nil, err
	}
	keys, _ := s.gpg.listKeys(ctx, false, ids...)
	var next, removed []string
	for _, id := range ids {
		drop := false
		for _, w := range who {
			if strings.EqualFold(strings.TrimPrefix(id, "0x"), strings.TrimPrefix(w, "0x")) {
				drop = true
			}
			for _, k := range keys {
				if k.matches(id) && k.matches(w) {
					drop = true
				}
			}
		}
		if drop {
			removed = append(removed, id)
		} else {
			next = append(next, id)
		}
	}
	if len(removed) == 0 {
		return nil, fmt.Errorf("%s: lists none of %s", file, discovery.Printable(strings.Join(who, ", ")))
	}
	if len(next) == 0 {
		return nil, fmt.Errorf("%s: removing %s would leave no recipient", file, discovery.Printable(strings.Join(who, ", ")))
	}
	return s.setRecipients(ctx, file, next, "Remove "+strings.Join(removed, ", ")+" from "+s.rel(file)+"; reencrypt.")
}

// Init writes a .gpg-id listing keys (as fingerprints) for a store that has none, and
// commits it.
func (s *Store) Init(ctx context.Context, who []string) error {
	_, err := s.changeMembers(ctx, who, s.init)
	return err
}

func (s *Store) init(ctx context.Context, who []string) ([]string, error) {
	if f := s.gpgIDFile(s.SecretsDir()); f != "" {
		return nil, fmt.Errorf("%s: exists already; change members with `amika store members add|remove`", f)
	}
	var fprs []string
	for _, w := range who {
		k, err := s.lookupKey(ctx, w)
		if err != nil {
			return nil, err
		}
		fprs = append(fprs, k.fingerprint)
	}
	file := filepath.Join(s.cfg.Dir, ".gpg-id")
	return s.setRecipients(ctx, file, fprs, "Set GPG id to "+strings.Join(fprs, ", ")+".")
}

// setRecipients writes ids to file and re-encrypts every secret file governs (everything
// under its folder but folders with a .gpg-id of their own), then commits all of it in one
// commit. Everything is decrypted and re-encrypted in memory first: a file the user cannot
// decrypt stops the change before anything is written.
func (s *Store) setRecipients(ctx context.Context, file string, ids []string, message string) ([]string, error) {
	ks, err := s.resolve(ctx, ids)
	if err != nil {
		return nil, err
	}
	files, err := s.governed(filepath.Dir(file))
	if err != nil {
		return nil, err
	}
	var changes []change
	var redone []string
	for _, path := range files {
		ct, err := readFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if s.encryptedToExactly(ctx, ct, ks) {
			continue
		}
		pt, _, err := s.gpg.decrypt(ctx, ct)
		if err != nil {
			return nil, fmt.Errorf("%s: cannot re-encrypt: %w; nothing changed", path, err)
		}
		next, err := s.seal(ctx, pt, ks)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		changes = append(changes, change{path: path, data: next, old: ct})
		redone = append(redone, s.rel(path))
	}
	old, err := safefile.ReadFileNoFollow(file, maxGPGID)
	if errors.Is(err, fs.ErrNotExist) {
		old = nil
	} else if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	content := []byte(strings.Join(ids, "\n") + "\n")
	if !bytes.Equal(old, content) {
		changes = append([]change{{path: file, data: content, old: old}}, changes...)
		if sig, err := s.signGPGID(ctx, content); err != nil {
			return nil, err
		} else if sig != nil {
			oldSig, _ := safefile.ReadFileNoFollow(file+".sig", maxGPGID)
			changes = append(changes, change{path: file + ".sig", data: sig, old: oldSig})
		}
	}
	if err := s.apply(ctx, message, changes); err != nil {
		return nil, err
	}
	return redone, nil
}

// encryptedToExactly says whether ct is already encrypted to the keys ks names, one per
// recipient and no other (pass skips those too).
func (s *Store) encryptedToExactly(ctx context.Context, ct []byte, ks keySet) bool {
	g := s.gpg
	g.interactive = false
	_, st, err := g.run(ctx, ct, "--list-only", "--decrypt")
	if err != nil && err != errGPGFailed {
		return false
	}
	if len(st.encTo) == 0 || ks.covers(st.encTo) != nil {
		return false
	}
	s.remember(ct, ks.recipients)
	return true
}

// governed lists the .gpg files under dir that dir's .gpg-id governs: not those under a
// folder with its own .gpg-id, not in .git, not symlinks.
func (s *Store) governed(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && (d.Name() == ".git" || exists(filepath.Join(path, ".gpg-id"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".gpg") {
			out = append(out, path)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %v", dir, unwrapPath(err))
	}
	sort.Strings(out)
	return out, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// signGPGID signs a new .gpg-id when PASSWORD_STORE_SIGNING_KEY asks for signed ones.
func (s *Store) signGPGID(ctx context.Context, content []byte) ([]byte, error) {
	keys := strings.Fields(s.cfg.Getenv("PASSWORD_STORE_SIGNING_KEY"))
	if len(keys) == 0 {
		return nil, nil
	}
	args := []string{"--detach-sign"}
	for _, k := range keys {
		args = append(args, "--default-key", k)
	}
	out, st, err := s.gpg.run(ctx, content, args...)
	if err != nil {
		if err == errGPGFailed {
			return nil, fmt.Errorf("cannot sign .gpg-id: %s", decryptError(st))
		}
		return nil, err
	}
	return out, nil
}

// Unlock makes gpg-agent ask for the passphrase of the user's key for this store, once, so
// that later non-interactive decryptions (hooks, `credential get`) work while the agent
// keeps it cached. It encrypts a probe to the store's recipients and decrypts it.
func (s *Store) Unlock(ctx context.Context) error {
	_, recipients, err := s.Recipients()
	if err != nil {
		return err
	}
	ks, err := s.resolve(ctx, recipients)
	if err != nil {
		return err
	}
	probe := []byte("amika unlock\n")
	ct, err := s.gpg.encrypt(ctx, probe, ks.recipients, pinned(ks.recipients))
	if err != nil {
		return err
	}
	g := s.gpg
	g.interactive = true
	if g.timeout < defaultInteractiveTimeout {
		g.timeout = defaultInteractiveTimeout
	}
	out, _, err := g.decrypt(ctx, ct)
	if errors.Is(err, ErrNoSecretKey) {
		named := make([]string, len(recipients))
		for i, r := range recipients {
			named[i] = s.recipientRef(r)
		}
		return fmt.Errorf("%s: none of your secret keys is a recipient (%s)", s.cfg.Dir, strings.Join(named, ", "))
	}
	if err != nil {
		return err
	}
	if !bytes.Equal(out, probe) {
		return errors.New("gpg returned something else than the probe it was given")
	}
	return nil
}
