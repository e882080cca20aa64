package discovery

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Agent files can be large (Claude Code's ~/.claude.json holds every project's prompt
// history), and discovery needs a handful of top-level fields out of them. scanObject walks
// the top-level object and hands each member's raw value to fn without decoding it; nested
// values are skipped by matching brackets and jumping over strings, which costs a fraction of
// a full decode. Values the caller wants are decoded strictly with encoding/json.

var errNotObject = errors.New("top level is not a JSON object")

// syntaxError reports malformed JSON at a byte offset.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at byte %d: %s", e.offset, e.msg)
}

// scanObject calls fn for each member of the top-level object in data, in file order. fn
// returns false to stop early. The top level must be an object.
func scanObject(data []byte, fn func(key string, raw []byte) bool) error {
	i := skipSpace(data, 0)
	if i == len(data) {
		return &syntaxError{i, "empty document"}
	}
	if data[i] != '{' {
		if end, err := skipValue(data, i); err != nil {
			return err
		} else if skipSpace(data, end) != len(data) {
			return &syntaxError{end, "data after the top-level value"}
		}
		return errNotObject
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return trailing(data, i+1)
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return &syntaxError{i, "expected a member name"}
		}
		end, err := skipString(data, i)
		if err != nil {
			return err
		}
		key, err := decodeKey(data[i:end])
		if err != nil {
			return &syntaxError{i, "bad member name"}
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return &syntaxError{i, "expected ':'"}
		}
		i = skipSpace(data, i+1)
		start := i
		if i, err = skipValue(data, i); err != nil {
			return err
		}
		if !fn(key, data[start:i]) {
			return nil
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return &syntaxError{i, "unexpected end of object"}
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return trailing(data, i+1)
		default:
			return &syntaxError{i, "expected ',' or '}'"}
		}
	}
}

func trailing(data []byte, i int) error {
	if i = skipSpace(data, i); i != len(data) {
		return &syntaxError{i, "data after the top-level value"}
	}
	return nil
}

func decodeKey(quoted []byte) (string, error) {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1 : len(quoted)-1]), nil
	}
	var s string
	err := json.Unmarshal(quoted, &s)
	return s, err
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the offset just past the string starting at data[i] == '"'.
func skipString(data []byte, i int) (int, error) {
	j := i + 1
	for {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return 0, &syntaxError{i, "unterminated string"}
		}
		j += k
		backslashes := 0
		for b := j - 1; b > i && data[b] == '\\'; b-- {
			backslashes++
		}
		j++
		if backslashes%2 == 0 {
			return j, nil
		}
	}
}

// skipValue returns the offset just past the value starting at data[i]. Containers are
// checked for balanced brackets; scalars inside them are not validated, which is what keeps a
// multi-megabyte file cheap. Top-level members that matter are decoded strictly later.
func skipValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, &syntaxError{i, "expected a value"}
	}
	switch c := data[i]; {
	case c == '"':
		return skipString(data, i)
	case c == '{' || c == '[':
		return skipContainer(data, i)
	case c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n':
		j := i
		for j < len(data) && isScalarByte(data[j]) {
			j++
		}
		if !json.Valid(data[i:j]) {
			return 0, &syntaxError{i, "invalid literal"}
		}
		return j, nil
	default:
		return 0, &syntaxError{i, fmt.Sprintf("unexpected character %q", c)}
	}
}

func isScalarByte(c byte) bool {
	return c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func skipContainer(data []byte, i int) (int, error) {
	var stack []byte
	for j := i; j < len(data); j++ {
		switch data[j] {
		case '"':
			end, err := skipString(data, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case '{':
			stack = append(stack, '}')
		case '[':
			stack = append(stack, ']')
		case '}', ']':
			if len(stack) == 0 || stack[len(stack)-1] != data[j] {
				return 0, &syntaxError{j, fmt.Sprintf("unexpected %q", data[j])}
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return j + 1, nil
			}
		}
	}
	return 0, &syntaxError{i, "unterminated container"}
}
