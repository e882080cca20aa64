//go:build !linux

package sandbox

import "errors"

// closeInherited does nothing where no engine runs.
func closeInherited() {}

func scopesSockets() bool { return false }

func scopeThread() error { return errors.New("no Landlock") }
