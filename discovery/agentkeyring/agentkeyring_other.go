//go:build !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd || darwin)

package agentkeyring

import "github.com/amika-dev/amika/discovery"

// amika does not read agents' items from Windows' Credential Manager.
var reader func(discovery.KeyringItem) (string, bool, error)

func watchPaths(discovery.Paths) []string { return nil }
