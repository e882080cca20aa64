//go:build !unix

package helper

// lock is a no-op where flock does not exist; the store's own writes stay atomic.
func lock(string) (func(), error) { return func() {}, nil }
