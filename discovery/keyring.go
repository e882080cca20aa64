package discovery

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
)

// maxKeyringValue bounds what discovery takes from one keyring item.
const maxKeyringValue = 1 << 20

// label is how an item's row names it: "<keyring label>:<service>/<account>".
func (k *Keyring) label(item KeyringItem) string {
	return k.Label + ":" + item.Service + "/" + item.Account
}

// get reads one item; a missing item is fs.ErrNotExist.
func (k *Keyring) get(item KeyringItem) (string, error) {
	v, found, err := k.Read(item)
	switch {
	case err != nil:
		return "", fmt.Errorf("cannot read the item: %v", err)
	case !found:
		return "", fs.ErrNotExist
	case len(v) > maxKeyringValue:
		return "", fmt.Errorf("the item holds more than %d KiB, not a credential", maxKeyringValue>>10)
	}
	return v, nil
}

// keyringLocation is one item whose secret is parsed as the source's file would be.
func keyringLocation(k *Keyring, item KeyringItem) location {
	loc := location{path: k.label(item)}
	if k.Read == nil {
		loc.unavailable = k.Unavailable
		return loc
	}
	loc.read = func(*parseContext) ([]byte, error) {
		v, err := k.get(item)
		if err != nil {
			return nil, err
		}
		return []byte(v), nil
	}
	return loc
}

// CodexKeyringService is the keyring service Codex keeps its login under when its
// credential store is "keyring" (or "auto" with a keyring).
const CodexKeyringService = "Codex Auth"

// CodexKeyringAccount derives the account Codex stores a home's login under, as Codex
// does: "cli|" and the first 16 hex digits of the SHA-256 of the home directory's
// canonical path (the path as given when it cannot be resolved).
func CodexKeyringAccount(codexHome string) string {
	path := codexHome
	if abs, err := filepath.Abs(codexHome); err == nil {
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			path = real
		}
	}
	sum := sha256.Sum256([]byte(path))
	return "cli|" + hex.EncodeToString(sum[:])[:16]
}

// codexKeyring reads Codex's keyring store. Codex up to 0.171 keeps the whole auth.json
// document in one item (account cli|<hash>); later versions keep one item per field under
// a revision named by the item cli|<hash>|v2|active. Both are read, the second first, as
// Codex does.
func codexKeyring(k *Keyring, codexHome string) location {
	if k.Read == nil {
		return location{path: k.Label + ":" + CodexKeyringService, unavailable: k.Unavailable}
	}
	account := CodexKeyringAccount(codexHome)
	loc := keyringLocation(k, KeyringItem{Service: CodexKeyringService, Account: account})
	loc.read = func(*parseContext) ([]byte, error) {
		get := func(account string) (string, error) {
			return k.get(KeyringItem{Service: CodexKeyringService, Account: account})
		}
		rev, err := get(account + "|v2|active")
		switch {
		case err == fs.ErrNotExist:
			v, err := get(account)
			return []byte(v), err
		case err != nil:
			return nil, err
		case !revision(rev):
			return nil, fmt.Errorf("the active revision item holds no revision number")
		}
		doc := map[string]any{}
		if v, err := get(account + "|v2|" + rev + "|OPENAI_API_KEY"); err == nil {
			doc["OPENAI_API_KEY"] = v
		} else if err != fs.ErrNotExist {
			return nil, err
		}
		if v, err := get(account + "|v2|" + rev + "|tokens.access_token"); err == nil {
			doc["tokens"] = map[string]string{"access_token": v}
		} else if err != fs.ErrNotExist {
			return nil, err
		}
		return json.Marshal(doc)
	}
	return loc
}

func revision(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
