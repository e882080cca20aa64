// Package termsafe keeps text from files and stores from acting on the terminal it is
// printed to: a name, a provider or a path holding an escape sequence (ESC ] 0 ; … BEL sets
// the window title, ESC [ 5 m blinks, a carriage return overwrites what came before, a
// newline forges a row) is shown with its control characters escaped. It is the one
// escaping every table and listing uses.
package termsafe

import (
	"io"
	"strconv"
	"text/tabwriter"
	"unicode/utf8"
)

// Escape shows s on one line and as itself when it is plain: a string holding a control
// character (C0, DEL, C1), a byte that is not UTF-8, a non-ASCII character, a quote or a
// backslash is quoted Go-style with them escaped ("pr\x1b]0;PWN\aov"), so nothing in it
// can move the cursor, change the terminal, or pass for another column or row.
func Escape(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}

// Table lays out rows in aligned columns, as the listings do.
type Table struct {
	tw  *tabwriter.Writer
	buf []byte
}

// NewTable writes an aligned table to w once flushed.
func NewTable(w io.Writer) *Table {
	return &Table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

// Row adds one row, each cell escaped (Escape): a tab or newline in a cell cannot make
// another column or row.
func (t *Table) Row(cells ...string) {
	for i, c := range cells {
		if i > 0 {
			t.tw.Write([]byte{'\t'})
		}
		t.tw.Write([]byte(Escape(c)))
	}
	t.tw.Write([]byte{'\n'})
}

// Write adds text as it is, tabs separating columns and newlines ending rows (headers);
// any other control character is escaped (\x1b, \u009b) and a byte that is not UTF-8
// shown as \xNN, so whatever reaches a table unescaped acts on nothing.
func (t *Table) Write(p []byte) (int, error) {
	t.buf = sanitize(t.buf[:0], p)
	if _, err := t.tw.Write(t.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes the table out.
func (t *Table) Flush() error { return t.tw.Flush() }

// sanitize appends p to out with every control character but tab and newline escaped.
func sanitize(out, p []byte) []byte {
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRune(p[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
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

const hex = "0123456789abcdef"
