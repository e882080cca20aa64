package store

import (
	"errors"
	"time"
)

// There is no D-Bus on Windows: the keyring is the Credential Manager.

var errNoBus = errors.New("no D-Bus session bus")

func sessionBusAddress(func(string) string) (string, error) { return "", errNoBus }

func checkPeer(string, time.Time) error { return errNoBus }

type foreignBusError struct{ msg string }

func (e *foreignBusError) Error() string { return e.msg }
