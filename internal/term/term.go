// Package term asks questions on the terminal: whether standard input is one, and reading
// an answer (or a value, with echo off) without consuming what follows it.
package term

import "io"

// ReadLine reads one line byte by byte, so nothing after it is consumed; a trailing \r is
// dropped.
func ReadLine(r io.Reader) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for {
		n, err := r.Read(one)
		if n == 1 {
			if one[0] == '\n' {
				break
			}
			b = append(b, one[0])
		}
		if err != nil {
			if err == io.EOF && len(b) > 0 {
				break
			}
			return string(b), err
		}
	}
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return string(b), nil
}
