//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package cli

import (
	"errors"
	"io"
)

func isTerminal(io.Reader) bool { return false }

func readHidden(io.Reader) (string, error) { return "", errors.New("no terminal") }

func readLine(io.Reader) (string, error) { return "", errors.New("no terminal") }
