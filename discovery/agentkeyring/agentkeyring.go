// Package agentkeyring reads the items coding agents keep in the OS keyring (Codex's
// keyring credential store, Gemini CLI's API key, Claude Code's Keychain item on macOS)
// for discovery. It never asks the user for anything and never waits long: an item it
// cannot read at once (a locked collection, a prompt) is an error, not a wait. Callers
// decide beforehand that a keyring answers (the store's bounded probe); this package does
// not look for one.
package agentkeyring

import (
	"errors"
	"time"

	"github.com/amika-dev/amika/discovery"
)

// Timeout bounds one read.
const Timeout = 2 * time.Second

// Reader returns the function discovery.Keyring.Read for this system, or nil where amika
// reads no agent's keyring items.
func Reader() func(discovery.KeyringItem) (string, bool, error) {
	return reader
}

var errTimeout = errors.New("the keyring did not answer within 2s")

// WatchPaths lists where this system's keyring keeps its items on disk (see
// discovery.Keyring.Watch): a login or logout that writes no file of the agent's changes
// them. A keyring whose storage is elsewhere (KeePassXC's database, wherever the user put
// it) is not among them.
func WatchPaths(p discovery.Paths) []string {
	return watchPaths(p)
}
