// Package report shows what amika finds and keeps: a table for people, or JSON for
// programs (-o json). Values are masked or left out; a name read from a file is shown on
// one line, escaped, so none can move the cursor or forge a row.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/amika-dev/amika/discovery"
)

// Format is how a listing is shown: a table for people, or JSON for programs.
type Format string

const (
	Table Format = "table"
	JSON  Format = "json"
)

// NewTable aligns tab-separated columns, two spaces apart.
func NewTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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
