//go:build darwin

package agentkeyring

import (
	"errors"
	"path/filepath"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/amika-dev/amika/discovery"
)

// reader reads a generic password of the login Keychain through go-keyring (the security
// command). macOS may ask the user whether amika may read another program's item; the
// read gives up after Timeout rather than wait for an answer.
var reader = func(item discovery.KeyringItem) (string, bool, error) {
	type result struct {
		v   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := keyring.Get(item.Service, item.Account)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		if errors.Is(r.err, keyring.ErrNotFound) {
			return "", false, nil
		}
		return r.v, r.err == nil, r.err
	case <-time.After(Timeout):
		return "", false, errTimeout
	}
}

// watchPaths: the login Keychain, a database written in place (the file) with journal
// files beside it (the folder).
func watchPaths(p discovery.Paths) []string {
	dir := filepath.Join(p.Home, "Library", "Keychains")
	return []string{dir, filepath.Join(dir, "login.keychain-db")}
}
