package cli

import (
	"encoding/json"
	"io"
	"text/tabwriter"
)

// Listing commands print a table for people, or JSON with -o json.

func checkOutput(output string) error {
	if output != "table" && output != "json" {
		return usagef("unknown output %q (want table or json)", output)
	}
	return nil
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
