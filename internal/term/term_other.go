//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package term

import "io"

// IsTerminal reports whether r is a terminal amika can ask a question on: never here.
func IsTerminal(io.Reader) bool { return false }

// ReadHidden reads one line; with no terminal there is no echo to turn off.
func ReadHidden(r io.Reader) (string, error) { return ReadLine(r) }

// Name is the path of the terminal r is: none here.
func Name(io.Reader) string { return "" }
