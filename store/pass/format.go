package pass

import (
	"errors"
	"strconv"
	"strings"
)

// Entry is one secret of a password store: the value pass shows on the first line, and the
// "key: value" lines that follow it, as pass users and gopass write them.
type Entry struct {
	Name   string
	Value  string
	Fields []Field
}

// Field is one line after the value: "key: value", or a free-text line (Key empty) that
// amika keeps as it found it.
type Field struct {
	Key, Value string
}

// Get returns the value of the first field named key (case-insensitively).
func (e Entry) Get(key string) string {
	for _, f := range e.Fields {
		if f.Key != "" && strings.EqualFold(f.Key, key) {
			return f.Value
		}
	}
	return ""
}

// linesKey ends a file whose value spans several lines: "value-lines: N" says the value is
// the first N lines. A one-line value never carries it, so `pass show -c` and every other
// client keep finding a one-line value on the first line.
const linesKey = "value-lines"

// Format writes e as a password-store file: the value, then its fields.
func Format(e Entry) []byte {
	var b strings.Builder
	b.WriteString(e.Value)
	b.WriteByte('\n')
	for _, f := range e.Fields {
		if f.Key == "" {
			b.WriteString(oneLine(f.Value))
		} else {
			b.WriteString(oneLine(f.Key))
			b.WriteString(": ")
			b.WriteString(oneLine(f.Value))
		}
		b.WriteByte('\n')
	}
	if strings.ContainsAny(e.Value, "\r\n") {
		b.WriteString(linesKey + ": " + strconv.Itoa(strings.Count(e.Value, "\n")+1) + "\n")
	}
	return []byte(b.String())
}

// oneLine keeps a field on its line: line breaks become spaces.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

// errEmpty is a file whose first line is empty: no value to use.
var errEmpty = errors.New("no value on the first line")

// Parse reads a password-store file as pass, gopass and amika write it: the value is the
// first line (the first N when the last line says "value-lines: N"); the lines after it are
// fields, "key: value" or free text; gopass's "---" separator is skipped.
func Parse(data []byte) (Entry, error) {
	s := strings.TrimSuffix(string(data), "\n")
	lines := strings.Split(s, "\n")
	var e Entry
	n := 1
	if last := lines[len(lines)-1]; len(lines) > 1 {
		if k, v, ok := field(last); ok && strings.EqualFold(k, linesKey) {
			if c, err := strconv.Atoi(v); err == nil && c >= 1 && c < len(lines) {
				n = c
				lines = lines[:len(lines)-1]
			}
		}
	}
	if n == 1 {
		e.Value = strings.TrimSuffix(lines[0], "\r")
	} else {
		e.Value = strings.Join(lines[:n], "\n")
	}
	for _, l := range lines[n:] {
		l = strings.TrimSuffix(l, "\r")
		if strings.TrimSpace(l) == "" || l == "---" {
			continue
		}
		if k, v, ok := field(l); ok {
			e.Fields = append(e.Fields, Field{Key: k, Value: v})
		} else {
			e.Fields = append(e.Fields, Field{Value: l})
		}
	}
	if e.Value == "" {
		return e, errEmpty
	}
	return e, nil
}

// field splits "key: value". A key is a word of letters, digits, '_', '-' and '.', as in
// gopass's key-value secrets and the usual "login: …", "url: …" lines.
func field(line string) (key, value string, ok bool) {
	k, v, found := strings.Cut(line, ":")
	if !found {
		return "", "", false
	}
	k = strings.TrimSpace(k)
	if k == "" {
		return "", "", false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c == '-' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", "", false
		}
	}
	return k, strings.TrimSpace(v), true
}
