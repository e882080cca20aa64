//go:build !unix || darwin || solaris

package sessionbus

import (
	"errors"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// There is no session bus amika uses here: the keyring is the macOS Keychain or the
// Windows Credential Manager.

// ErrNoBus is the absence of any session bus.
var ErrNoBus = errors.New("no D-Bus session bus")

// ForeignError is a session bus that is not the user's.
type ForeignError struct{ msg string }

func (e *ForeignError) Error() string { return e.msg }

func Address(func(string) string) (string, error)   { return "", ErrNoBus }
func Connect(string, time.Time) (*dbus.Conn, error) { return nil, ErrNoBus }
func Conn() (*dbus.Conn, error)                     { return nil, ErrNoBus }
func Redact(addr string) string                     { first, _, _ := strings.Cut(addr, ";"); return first }
