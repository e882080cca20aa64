package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/internal/report"
	"github.com/amika-dev/amika/internal/term"
)

// ioStreams are a command's standard input, output and error, and the questions it asks on
// a terminal. Without a terminal amika never asks: a command that would have to refuses,
// naming --yes, rather than hang or take an answer from a pipe.
type ioStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// tty says whether In is a terminal, once asked: 0 not yet, 1 yes, -1 no.
	tty int8
}

// streamsOf are cmd's streams, the process's own unless a test set others.
func streamsOf(cmd *cobra.Command) *ioStreams {
	return &ioStreams{In: cmd.InOrStdin(), Out: cmd.OutOrStdout(), ErrOut: cmd.ErrOrStderr()}
}

// CanPrompt reports whether standard input is a terminal amika can ask on.
func (s *ioStreams) CanPrompt() bool {
	if s.tty == 0 {
		s.tty = -1
		if term.IsTerminal(s.In) {
			s.tty = 1
		}
	}
	return s.tty > 0
}

// MayConfirm lets a command that asks before it changes anything go on: with yes (it will
// not ask), or on a terminal. Otherwise it is a usage error naming --yes.
func (s *ioStreams) MayConfirm(what string, yes bool) error {
	if yes || s.CanPrompt() {
		return nil
	}
	return usagef("%s: standard input is not a terminal, so amika cannot ask for confirmation; pass --yes", what)
}

// Confirm asks a yes/no question on the terminal; anything but y or yes is a no, an error
// saying nothing changed.
func (s *ioStreams) Confirm(what, question string) error {
	if err := s.MayConfirm(what, false); err != nil {
		return err
	}
	fmt.Fprintf(s.ErrOut, "%s [y/N] ", question)
	answer, err := term.ReadLine(s.In)
	if err != nil && err != io.EOF {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return fmt.Errorf("%s: not confirmed; nothing changed", what)
}

// Choose asks which of the n credentials the command listed, numbered from 1, to store,
// and returns its index. Without a terminal it refuses, saying what else the command
// takes (hint); an empty answer cancels.
func (s *ioStreams) Choose(what string, n int, hint string) (int, error) {
	if !s.CanPrompt() {
		return 0, usagef("%s: found %s, and standard input is not a terminal to choose on; %s", what, report.Plural(n, "credential", "credentials"), hint)
	}
	fmt.Fprintf(s.ErrOut, "Store which one? [1-%d, empty to cancel] ", n)
	answer, _ := term.ReadLine(s.In)
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return 0, fmt.Errorf("%s: cancelled; nothing stored", what)
	}
	i, err := strconv.Atoi(answer)
	if err != nil || i < 1 || i > n {
		return 0, usagef("%s: the answer is not a number from 1 to %d; nothing stored", what, n)
	}
	return i - 1, nil
}

// ReadSecret reads a value typed on the terminal, with echo off, after prompt.
func (s *ioStreams) ReadSecret(prompt string) (string, error) {
	fmt.Fprint(s.ErrOut, prompt)
	v, err := term.ReadHidden(s.In)
	if err == io.EOF {
		err = nil
	}
	return v, err
}
