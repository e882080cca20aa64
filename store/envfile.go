package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/amika-dev/amika/internal/safefile"
)

// Pair is one NAME=VALUE read from the command line, the environment or an env file.
type Pair struct {
	Name, Value string
	Origin      string // "argument", "$NAME", "file.env:3", "stdin"
}

// ReadEnvFile reads and parses the env file at path: a regular file or a pipe (bash's
// <(…)), at most maxFileSize bytes; a device, a directory or a socket is refused.
func ReadEnvFile(path string) ([]Pair, error) {
	data, err := safefile.ReadInput(path, maxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("env file %s: no such file or directory", path)
	}
	if err != nil {
		return nil, fmt.Errorf("env file %s: %v", path, err)
	}
	return parseEnvFile(data, path)
}

// parseEnvFile parses an env file by Docker's rules: blank lines and lines whose first
// non-blank is '#' are skipped; every other line needs '='; the name is the text before the
// first '=', trimmed; the value is everything after it, verbatim (no quotes stripped, no
// comments, no `export`, no substitution). The first bad line fails the whole file, and the
// error names the file, the line number and the reason, never any text of the line: a
// line that is not NAME=VALUE may still hold a secret (`DATABASE_URL: postgres://…`).
func parseEnvFile(data []byte, path string) ([]Pair, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var out []Pair
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), len(data)+1)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		trimmed := strings.TrimLeft(text, " \t")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		name, value, ok := strings.Cut(text, "=")
		if !ok {
			return nil, fmt.Errorf("env file %s: line %d: no '=' (want NAME=VALUE)", path, line)
		}
		name = strings.TrimSpace(name)
		if err := ValidateName(name); err != nil {
			return nil, fmt.Errorf("env file %s: line %d: %v", path, line, err)
		}
		if err := ValidateValue(name, value); err != nil {
			return nil, fmt.Errorf("env file %s: line %d: %v", path, line, err)
		}
		out = append(out, Pair{Name: name, Value: value, Origin: fmt.Sprintf("%s:%d", path, line)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("env file %s: line %d: %v", path, line+1, err)
	}
	return out, nil
}

// ParseAssignment splits a NAME=VALUE argument and validates both parts. An argument
// without '=' may be a value pasted by mistake, so the error never quotes it.
func ParseAssignment(arg string) (Pair, error) {
	name, value, ok := strings.Cut(arg, "=")
	if !ok {
		return Pair{}, errors.New("no '=' (want NAME=VALUE)")
	}
	if err := ValidateName(name); err != nil {
		return Pair{}, err
	}
	if err := ValidateValue(name, value); err != nil {
		return Pair{}, err
	}
	return Pair{Name: name, Value: value, Origin: "argument"}, nil
}

// Merge applies later pairs over earlier ones, keeping first-seen order.
func Merge(groups ...[]Pair) []Pair {
	pos := map[string]int{}
	var out []Pair
	for _, g := range groups {
		for _, p := range g {
			if i, ok := pos[p.Name]; ok {
				out[i] = p
				continue
			}
			pos[p.Name] = len(out)
			out = append(out, p)
		}
	}
	return out
}

// OneStdin is the error for --stdin given more than once: standard input holds one value,
// and which name it was meant for is not amika's to guess.
func OneStdin(names []string) error {
	for i, n := range names {
		for _, m := range names[:i] {
			if n == m && ValidateName(n) == nil {
				return fmt.Errorf("--stdin %s is given more than once: standard input holds one value", n)
			}
		}
	}
	return fmt.Errorf("--stdin is given %d times: standard input holds one value, for one name", len(names))
}
