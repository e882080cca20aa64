package pass

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/amika-dev/amika/internal/safefile"
)

// gpgIDFile finds the .gpg-id that governs dir, as pass does: dir's own, else its parent's,
// up to the store's root. "" when there is none.
func (s *Store) gpgIDFile(dir string) string {
	root := filepath.Clean(s.cfg.Dir)
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		f := filepath.Join(d, ".gpg-id")
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
			return f
		}
		if d == root || !strings.HasPrefix(d, root+string(filepath.Separator)) {
			return ""
		}
	}
}

// Recipients lists whom amika's secrets are encrypted to: $PASSWORD_STORE_KEY when set,
// else the lines of the nearest .gpg-id (comments after '#' and blank lines skipped), and
// the file they came from ("" for the variable).
func (s *Store) Recipients() (file string, ids []string, err error) {
	file, ids, err = s.recipientsFor(s.SecretsDir())
	if err == nil && ids == nil {
		return "", nil, fmt.Errorf("%s: %w (the file listing whom secrets are encrypted to): create it with `pass init KEY…`, or `amika store add NAME DIR --init KEY…`", s.cfg.Dir, ErrNoGPGID)
	}
	return file, ids, err
}

// recipientsFor lists whom the secrets in dir are encrypted to, as Recipients does; no
// recipients and no error when no .gpg-id governs dir.
func (s *Store) recipientsFor(dir string) (file string, ids []string, err error) {
	if k := s.cfg.Getenv("PASSWORD_STORE_KEY"); strings.TrimSpace(k) != "" {
		return "", strings.Fields(k), nil
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

func readGPGID(file string) ([]string, error) {
	data, err := safefile.ReadFile(file, 1<<20)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", file, ErrNoGPGID)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	var ids []string
	for _, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line != "" {
			ids = append(ids, line)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s: lists no key: %w", file, ErrNoGPGID)
	}
	return ids, nil
}

// verifyGPGID checks .gpg-id's signature when PASSWORD_STORE_SIGNING_KEY asks for one, as
// pass does: then only a .gpg-id signed by one of those keys says whom to encrypt to, and a
// recipient slipped into the repository by someone else is refused.
func (s *Store) verifyGPGID(ctx context.Context, file string) error {
	want := strings.Fields(s.cfg.Getenv("PASSWORD_STORE_SIGNING_KEY"))
	if len(want) == 0 {
		return nil
	}
	if _, err := safefile.ReadFile(file+".sig", 1<<20); err != nil {
		return fmt.Errorf("%s.sig: PASSWORD_STORE_SIGNING_KEY is set, and the signature of .gpg-id cannot be read: %v", file, describe(err))
	}
	data, err := safefile.ReadFile(file, 1<<20)
	if err != nil {
		return fmt.Errorf("%s: %v", file, describe(err))
	}
	g := s.gpg
	g.interactive = false
	_, st, err := g.run(ctx, data, "--verify", file+".sig", "-")
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
	return fmt.Errorf("%s: not signed by a key of PASSWORD_STORE_SIGNING_KEY; amika will not encrypt to the keys it lists", file)
}

func describe(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "no such file"
	}
	return err.Error()
}
