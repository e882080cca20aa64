// Package report shows what amika finds and keeps: a table for people, or JSON for
// programs (-o json). Values are masked or left out; a name read from a file is shown on
// one line, escaped, so none can move the cursor or forge a row.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/amika-dev/amika/discovery"
)

// Format is how a listing is shown: a table for people, or JSON for programs.
type Format string

const (
	Table Format = "table"
	JSON  Format = "json"
)

// NewTable aligns tab-separated columns, two spaces apart. Cells read from a file or a
// store are escaped by the listings (printable); whatever reaches a table unescaped still
// acts on nothing: tabs and newlines lay it out, any other control character is shown
// escaped (\x1b, \u009b) and a byte that is not UTF-8 as \xNN.
func NewTable(w io.Writer) *TableWriter {
	return &TableWriter{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

// TableWriter is a table being written; Flush writes it out.
type TableWriter struct {
	tw  *tabwriter.Writer
	buf []byte
}

func (t *TableWriter) Write(p []byte) (int, error) {
	t.buf = sanitize(t.buf[:0], p)
	if _, err := t.tw.Write(t.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes the table out.
func (t *TableWriter) Flush() error { return t.tw.Flush() }

// sanitize appends p to out with every control character but tab and newline escaped.
func sanitize(out, p []byte) []byte {
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			const hex = "0123456789abcdef"
			out = append(out, '\\', 'x', hex[p[i]>>4], hex[p[i]&15])
		case r < 0x20 && r != '\t' && r != '\n', r >= 0x7f && r < 0xa0:
			q := strconv.QuoteRuneToASCII(r)
			out = append(out, q[1:len(q)-1]...)
		default:
			out = append(out, p[i:i+size]...)
		}
		i += size
	}
	return out
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Dash shows an empty cell as "-".
func Dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Plural counts: "1 file", "2 files".
func Plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// printable shows a name from a file on one line: a name holding control or non-ASCII
// characters is quoted with them escaped (discovery.Printable).
func printable(name string) string { return discovery.Printable(name) }
