package discovery

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// Agent files can be large (Claude Code's ~/.claude.json holds every project's prompt
// history), and discovery needs a handful of top-level fields out of them. scanObject walks
// the top-level object and hands each member's raw value to fn without decoding it. The
// whole document is still validated as strictly as encoding/json does (same grammar, same
// nesting limit), but without building anything: string bodies are skipped eight bytes at a
// time, which is what keeps a multi-megabyte file to a few milliseconds. Values the caller
// wants are then decoded with encoding/json.

var errNotObject = errors.New("top level is not a JSON object")

// utf8Error is invalid UTF-8 in a string, at a byte offset.
type utf8Error int

func (e utf8Error) Error() string { return fmt.Sprintf("invalid UTF-8 at byte %d", int(e)) }

// notObjectError is a valid document whose top level is not an object.
type notObjectError struct{ kind string }

func (e notObjectError) Error() string        { return "top level is " + e.kind + ", not an object" }
func (e notObjectError) Is(target error) bool { return target == errNotObject }

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// syntaxError reports malformed JSON at a byte offset. Its message never quotes the
// document: the offending bytes may be part of a secret.
type syntaxError struct {
	offset int
	msg    string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.offset, e.msg)
}

// describeParseError says what is wrong with a document, placing a syntax or encoding
// error by line and column (and byte offset) without quoting the document.
func describeParseError(data []byte, err error) string {
	var se *syntaxError
	var ue utf8Error
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at %s: %s", position(data, se.offset), se.msg)
	case errors.As(err, &ue):
		return fmt.Sprintf("invalid UTF-8 at %s", position(data, int(ue)))
	}
	return err.Error()
}

// ScanObject calls fn for each member of the top-level JSON object in data, in file order,
// with the member's raw value, and fails unless data is one valid object in valid UTF-8;
// fn returning false stops the calls, not the validation. Its errors say where the
// document is wrong and never quote it. amika's store parses keychain.json with it, so the
// store and discovery describe a broken file alike.
func ScanObject(data []byte, fn func(key string, raw []byte) bool) error {
	if err := scanObject(data, fn); err != nil {
		return errors.New(describeParseError(data, err))
	}
	return nil
}

// position is "line L, column C (byte B)" for a byte offset; columns count bytes from 1.
func position(data []byte, offset int) string {
	offset = min(max(offset, 0), len(data))
	line := 1 + bytes.Count(data[:offset], []byte("\n"))
	col := offset - bytes.LastIndexByte(data[:offset], '\n')
	return fmt.Sprintf("line %d, column %d (byte %d)", line, col, offset)
}

// scanObject calls fn for each member of the top-level object in data, in file order, and
// returns nil only when data is one valid JSON object in valid UTF-8. fn returning false
// stops the calls but not the validation.
func scanObject(data []byte, fn func(key string, raw []byte) bool) error {
	s := scanner{data: data}
	i := s.space(0)
	if i == len(data) {
		return &syntaxError{i, "empty document"}
	}
	if data[i] != '{' {
		end, err := s.value(i, 0)
		if err != nil {
			return err
		}
		if err := s.trailing(end); err != nil {
			return err
		}
		return notObjectError{jsonType(data[i:end])}
	}
	i = s.space(i + 1)
	if i < len(data) && data[i] == '}' {
		return s.trailing(i + 1)
	}
	calling := true
	for {
		if i >= len(data) || data[i] != '"' {
			return s.unexpected(i, "a member name")
		}
		end, escaped, err := s.str(i)
		if err != nil {
			return err
		}
		keyStart, keyEnd := i, end
		i = s.space(end)
		if i >= len(data) || data[i] != ':' {
			return s.unexpected(i, "':'")
		}
		i = s.space(i + 1)
		start := i
		if i, err = s.value(i, 1); err != nil {
			return err
		}
		if calling {
			calling = fn(decodeKey(data[keyStart:keyEnd], escaped), data[start:i])
		}
		i = s.space(i)
		if i >= len(data) {
			return &syntaxError{i, "unexpected end of document"}
		}
		switch data[i] {
		case ',':
			i = s.space(i + 1)
		case '}':
			return s.trailing(i + 1)
		default:
			return s.unexpected(i, "',' or '}'")
		}
	}
}

type scanner struct{ data []byte }

func (s *scanner) trailing(i int) error {
	if i = s.space(i); i != len(s.data) {
		return &syntaxError{i, "data after the top-level value"}
	}
	return nil
}

// unexpected describes what is at i without showing it.
func (s *scanner) unexpected(i int, want string) error {
	if i >= len(s.data) {
		return &syntaxError{i, "unexpected end of document, expected " + want}
	}
	return &syntaxError{i, "unexpected " + byteClass(s.data[i]) + ", expected " + want}
}

func byteClass(c byte) string {
	switch {
	case c < 0x20:
		return "control character"
	case c >= 0x80:
		return "non-ASCII character"
	case c == '"', c == '{', c == '}', c == '[', c == ']', c == ':', c == ',':
		return strconv.QuoteRune(rune(c))
	}
	return "character"
}

func (s *scanner) space(i int) int {
	// Indented files (JSON.stringify(…, null, 2)) carry long runs of spaces.
	for i+8 <= len(s.data) && binary.LittleEndian.Uint64(s.data[i:]) == ' '*ones {
		i += 8
	}
	for i < len(s.data) {
		switch s.data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (s *scanner) value(i, depth int) (int, error) {
	data := s.data
	if i >= len(data) {
		return 0, &syntaxError{i, "unexpected end of document, expected a value"}
	}
	switch c := data[i]; {
	case c == '"':
		end, _, err := s.str(i)
		return end, err
	case c == '{':
		return s.object(i, depth+1)
	case c == '[':
		return s.array(i, depth+1)
	case c == '-' || c >= '0' && c <= '9':
		return s.number(i)
	case c == 't':
		return s.literal(i, "true")
	case c == 'f':
		return s.literal(i, "false")
	case c == 'n':
		return s.literal(i, "null")
	}
	return 0, s.unexpected(i, "a value")
}

func (s *scanner) literal(i int, word string) (int, error) {
	if len(s.data)-i < len(word) || string(s.data[i:i+len(word)]) != word {
		return 0, &syntaxError{i, "invalid literal"}
	}
	return i + len(word), nil
}

func (s *scanner) number(i int) (int, error) {
	data, start := s.data, i
	digits := func() bool {
		j := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		return i > j
	}
	if data[i] == '-' {
		i++
	}
	if i < len(data) && data[i] == '0' {
		i++
	} else if !digits() {
		return 0, &syntaxError{start, "invalid number"}
	}
	if i < len(data) && data[i] == '.' {
		i++
		if !digits() {
			return 0, &syntaxError{start, "invalid number"}
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digits() {
			return 0, &syntaxError{start, "invalid number"}
		}
	}
	return i, nil
}

func (s *scanner) object(i, depth int) (int, error) {
	if depth > maxDepth {
		return 0, &syntaxError{i, "nested too deeply"}
	}
	data := s.data
	i = s.space(i + 1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return 0, s.unexpected(i, "a member name")
		}
		end, _, err := s.str(i)
		if err != nil {
			return 0, err
		}
		i = s.space(end)
		if i >= len(data) || data[i] != ':' {
			return 0, s.unexpected(i, "':'")
		}
		if i, err = s.value(s.space(i+1), depth); err != nil {
			return 0, err
		}
		i = s.space(i)
		if i >= len(data) {
			return 0, &syntaxError{i, "unexpected end of document in an object"}
		}
		switch data[i] {
		case ',':
			i = s.space(i + 1)
		case '}':
			return i + 1, nil
		default:
			return 0, s.unexpected(i, "',' or '}'")
		}
	}
}

func (s *scanner) array(i, depth int) (int, error) {
	if depth > maxDepth {
		return 0, &syntaxError{i, "nested too deeply"}
	}
	data := s.data
	i = s.space(i + 1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for {
		var err error
		if i, err = s.value(i, depth); err != nil {
			return 0, err
		}
		i = s.space(i)
		if i >= len(data) {
			return 0, &syntaxError{i, "unexpected end of document in an array"}
		}
		switch data[i] {
		case ',':
			i = s.space(i + 1)
		case ']':
			return i + 1, nil
		default:
			return 0, s.unexpected(i, "',' or ']'")
		}
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// str validates the string starting at data[i] == '"', UTF-8 included, and returns the
// offset just past it and whether it holds escapes. The body is skipped a word at a time
// while the word has no quote, backslash or control byte (the classic has-zero-byte and
// has-less-than tricks). A string that had any non-ASCII byte is then checked for UTF-8
// as a whole, which is cheaper than rune by rune.
func (s *scanner) str(i int) (int, bool, error) {
	data := s.data
	j := i + 1
	escaped := false
	var high uint64 // non-zero once a byte >= 0x80 was seen (maybe just past the string)
	for {
		for j+8 <= len(data) {
			v := binary.LittleEndian.Uint64(data[j:])
			high |= v
			q := v ^ ('"' * ones)
			b := v ^ ('\\' * ones)
			// The lowest flagged byte is exact: borrows only run upwards.
			if m := ((q-ones)&^q | (b-ones)&^b | (v-0x20*ones)&^v) & highs; m != 0 {
				j += bits.TrailingZeros64(m) >> 3
				goto special
			}
			j += 8
		}
		for ; j < len(data); j++ {
			c := data[j]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			high |= uint64(c)
		}
	special:
		if j >= len(data) {
			return 0, false, &syntaxError{i, "unterminated string"}
		}
		switch c := data[j]; {
		case c == '"':
			if high&highs != 0 && !utf8.Valid(data[i+1:j]) {
				return 0, false, utf8Error(i + 1 + invalidUTF8At(data[i+1:j]))
			}
			return j + 1, escaped, nil
		case c == '\\':
			escaped = true
			if j+1 >= len(data) {
				return 0, false, &syntaxError{i, "unterminated string"}
			}
			switch data[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(data) || !isHex(data[j+2]) || !isHex(data[j+3]) || !isHex(data[j+4]) || !isHex(data[j+5]) {
					return 0, false, &syntaxError{j, "invalid \\u escape in a string"}
				}
				j += 6
			default:
				return 0, false, &syntaxError{j, "invalid escape in a string"}
			}
		default:
			return 0, false, &syntaxError{j, "control character in a string"}
		}
	}
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// decodeKey turns a validated quoted member name into its text.
func decodeKey(quoted []byte, escaped bool) string {
	if !escaped {
		return string(quoted[1 : len(quoted)-1])
	}
	s, _ := unquote(quoted)
	return s
}

// unquote decodes a JSON string value (quotes included).
func unquote(quoted []byte) (string, error) {
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		return "", errors.New("invalid string")
	}
	return s, nil
}
