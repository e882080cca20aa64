//go:build !((dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd)

package store

// Outside the Secret Service, go-keyring does the work (the macOS Keychain, the Windows
// Credential Manager).
func platformItems() itemStore { return goKeyring{} }
