// Package helper speaks git's credential-helper protocol: it parses and writes attributes,
// keeps git credentials in the amika store with git's matching rules, and answers provider
// and named-secret lookups on top of discovery and the store.
package helper

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxInput bounds what one request may hold, all lines together. git's own requests are a
// few hundred bytes; a long wwwauth[] header runs to kilobytes.
const maxInput = 1 << 20

// attributes are one request or answer: single-valued keys (the last line for a key wins,
// as in git) and multi-valued keys written `key[]`, stored without the brackets.
type attributes struct {
	single map[string]string
	multi  map[string][]string
}

// Get returns a single-valued attribute and whether it was given.
func (a attributes) Get(key string) (string, bool) {
	v, ok := a.single[key]
	return v, ok
}

// ptr returns the attribute as a pointer: nil when absent, so an empty value stays apart
// from a missing one (an empty username is a username).
func (a attributes) ptr(key string) *string {
	if v, ok := a.single[key]; ok {
		return &v
	}
	return nil
}

// List returns the values of a multi-valued attribute (`key[]`), in order.
func (a attributes) List(key string) []string { return a.multi[key] }

// Has reports whether list holds value.
func (a attributes) Has(list, value string) bool {
	for _, v := range a.multi[list] {
		if v == value {
			return true
		}
	}
	return false
}

// Empty reports whether no attribute was given at all.
func (a attributes) Empty() bool { return len(a.single) == 0 && len(a.multi) == 0 }

// Set sets a single-valued attribute.
func (a *attributes) Set(key, value string) {
	if a.single == nil {
		a.single = map[string]string{}
	}
	a.single[key] = value
}

// Append adds a value to a multi-valued attribute; an empty value clears the list.
func (a *attributes) Append(key, value string) {
	if a.multi == nil {
		a.multi = map[string][]string{}
	}
	if value == "" {
		delete(a.multi, key)
		return
	}
	a.multi[key] = append(a.multi[key], value)
}

// inputError is a request that was refused. Its message names the line and the reason,
// never the value.
type inputError struct {
	Line   int
	Reason string
}

func (e *inputError) Error() string {
	if e.Line == 0 {
		return e.Reason
	}
	return fmt.Sprintf("input line %d: %s", e.Line, e.Reason)
}

// parseRequest reads one request: `key=value` lines up to a blank line or the end of input. The key
// is everything before the first `=`, the value everything after it; one trailing `\r` is
// dropped. Keys ending in `[]` are lists. Unknown keys are kept and left to the caller to
// ignore. It reads nothing past the blank line, so an interactive caller is not kept
// waiting. A line without `=`, a NUL byte, or more than maxInput bytes refuses the request
// whole.
func parseRequest(r io.Reader) (attributes, error) {
	var a attributes
	br := bufio.NewReaderSize(r, 4096)
	total := 0
	var line []byte
	for n := 1; ; n++ {
		line = line[:0]
		eof := false
		for {
			chunk, err := br.ReadSlice('\n')
			total += len(chunk)
			if total > maxInput {
				return attributes{}, &inputError{Reason: fmt.Sprintf("request is larger than %d KiB: refused", maxInput>>10)}
			}
			line = append(line, chunk...)
			if err == nil {
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err == io.EOF {
				eof = true
				break
			}
			return attributes{}, &inputError{Reason: fmt.Sprintf("cannot read the request: %v", err)}
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			// A blank line ends the request; so does the end of input.
			return a, nil
		}
		if bytes.IndexByte(line, 0) >= 0 {
			return attributes{}, &inputError{Line: n, Reason: "holds a NUL byte: refused"}
		}
		key, value, ok := strings.Cut(string(line), "=")
		if !ok {
			return attributes{}, &inputError{Line: n, Reason: "not a key=value attribute (no '='): refused"}
		}
		if list, isList := strings.CutSuffix(key, "[]"); isList {
			a.Append(list, value)
		} else if key == "url" {
			if err := a.setURL(value); err != nil {
				return attributes{}, &inputError{Line: n, Reason: "url: " + err.Error() + ": refused"}
			}
		} else {
			a.Set(key, value)
		}
		if eof {
			return a, nil
		}
	}
}

// pair is one attribute line to write; a List key is written with `[]`.
type pair struct {
	Key   string
	Value string
	List  bool
}

// unwritable says why a value cannot travel as one protocol line, or "" when it can.
func unwritable(value string) string {
	switch {
	case strings.IndexByte(value, '\n') >= 0:
		return "holds a newline"
	case strings.IndexByte(value, '\r') >= 0:
		return "holds a carriage return"
	case strings.IndexByte(value, 0) >= 0:
		return "holds a NUL byte"
	}
	return ""
}

// writeAnswer writes pairs as `key=value` lines. Every pair is checked before anything is
// written: a value that cannot be one line (newline, carriage return, NUL) fails the whole
// answer and nothing reaches w.
func writeAnswer(w io.Writer, pairs []pair) error {
	var b strings.Builder
	for _, p := range pairs {
		if why := unwritable(p.Value); why != "" {
			return fmt.Errorf("the %s value %s: it cannot be written as one line", p.Key, why)
		}
		if p.Key == "" || strings.ContainsAny(p.Key, "=\n\r\x00") {
			return fmt.Errorf("invalid attribute name (%d bytes)", len(p.Key))
		}
		b.WriteString(p.Key)
		if p.List {
			b.WriteString("[]")
		}
		b.WriteByte('=')
		b.WriteString(p.Value)
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// setURL applies a `url=` attribute as git does: it replaces the protocol, host, path,
// username and password given before it with the URL's percent-decoded parts. Errors never
// repeat the URL: it may hold a password.
func (a *attributes) setURL(url string) error {
	for _, k := range []string{"protocol", "host", "path", "username", "password"} {
		delete(a.single, k)
	}
	proto, rest, ok := strings.Cut(url, "://")
	if !ok || proto == "" {
		return errors.New("no scheme (want scheme://host/…)")
	}
	parts := map[string]string{"protocol": proto}
	hostEnd := strings.IndexAny(rest, "/?#")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	host := rest[:hostEnd]
	if at := strings.IndexByte(host, '@'); at >= 0 {
		userinfo := host[:at]
		host = host[at+1:]
		if user, pass, hasPass := strings.Cut(userinfo, ":"); hasPass {
			parts["username"], parts["password"] = percentDecode(user), percentDecode(pass)
		} else {
			parts["username"] = percentDecode(userinfo)
		}
	}
	parts["host"] = percentDecode(host)
	if path := strings.TrimRight(strings.TrimLeft(rest[hostEnd:], "/"), "/"); path != "" {
		parts["path"] = percentDecode(path)
	}
	for _, k := range []string{"protocol", "host", "path", "username", "password"} {
		v, ok := parts[k]
		if !ok {
			continue
		}
		if why := unwritable(v); why != "" {
			return fmt.Errorf("its %s %s", k, why)
		}
		a.Set(k, v)
	}
	return nil
}

// percentDecode undoes %XX escapes; anything else, a malformed escape included, stays as it
// is (git's url_decode).
func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
