package cli

import (
	"encoding/json"
	"io"

	"github.com/amika-dev/amika/internal/termsafe"
)

// Listing commands print a table for people, or JSON with -o json.

func checkOutput(output string) error {
	if output != "table" && output != "json" {
		return usagef("unknown output %q (want table or json)", output)
	}
	return nil
}

func newTable(w io.Writer) *termsafe.Table {
	return termsafe.NewTable(w)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
