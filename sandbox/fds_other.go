//go:build !linux

package sandbox

// closeInherited does nothing where no engine runs.
func closeInherited() {}
