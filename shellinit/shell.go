// Package shellinit speaks to shells: it quotes values for each shell, renders variable
// assignments, and carries the hook scripts and the direnv extension.
package shellinit

import (
	"embed"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Shell is a shell `amika init` writes a hook for.
type Shell string

const (
	Bash Shell = "bash"
	Zsh  Shell = "zsh"
	Fish Shell = "fish"
)

// Shells lists the shells amika init supports.
var Shells = []Shell{Bash, Zsh, Fish}

// ParseShell checks a shell name.
func ParseShell(name string) (Shell, error) {
	if slices.Contains(Shells, Shell(name)) {
		return Shell(name), nil
	}
	return "", errors.New("unsupported shell (supported: bash, zsh, fish)")
}

func (sh Shell) dialect() dialect {
	switch sh {
	case Fish:
		return fish{}
	case Zsh:
		return zsh{}
	}
	return posix{}
}

// The shell code is real shell files, so it reads as shell and each shell can check its
// own: hook.SHELL (the hook), refresh.SHELL (the end of each refresh: the fast path's test
// and state), lazy.SHELL (the --lazy wrappers), direnv.sh (the direnv extension).
//
//go:embed hook.bash hook.zsh hook.fish refresh.bash refresh.zsh refresh.fish lazy.bash lazy.zsh lazy.fish direnv.sh
var scripts embed.FS

// render writes the shell file name with each placeholder @AMIKA_KEY@ replaced by its value
// in vars (KEY, value, KEY, value, …). It runs in one pass over the file: a value is never
// scanned for placeholders, so no replacement depends on another or on their order. A
// placeholder without a value is an error.
func render(b *strings.Builder, name string, vars ...string) error {
	data, err := scripts.ReadFile(name)
	if err != nil {
		return fmt.Errorf("no shell file %s", name)
	}
	const open = "@AMIKA_"
	s := string(data)
	for {
		i := strings.Index(s, open)
		if i < 0 {
			break
		}
		n := strings.IndexByte(s[i+len(open):], '@')
		if n < 0 {
			return fmt.Errorf("%s: unterminated placeholder", name)
		}
		key := s[i+len(open) : i+len(open)+n]
		value, ok := lookupVar(vars, key)
		if !ok {
			return fmt.Errorf("%s: no value for @AMIKA_%s@", name, key)
		}
		b.WriteString(s[:i])
		b.WriteString(value)
		s = s[i+len(open)+n+1:]
	}
	b.WriteString(s)
	return nil
}

func lookupVar(vars []string, key string) (string, bool) {
	for i := 0; i+1 < len(vars); i += 2 {
		if vars[i] == key {
			return vars[i+1], true
		}
	}
	return "", false
}
