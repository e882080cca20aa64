package cli

import (
	"io"
	"text/tabwriter"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/report"
)

// parseOutput reads -o: table or json; anything else is a usage error.
func parseOutput(s string) (report.Format, error) {
	f, err := report.ParseFormat(s)
	if err != nil {
		return f, usageError{err}
	}
	return f, nil
}

func checkOutput(output string) error {
	_, err := parseOutput(output)
	return err
}

func newTable(w io.Writer) *tabwriter.Writer { return report.NewTable(w) }

func writeJSON(w io.Writer, v any) error { return report.WriteJSON(w, v) }

func dash(s string) string { return report.Dash(s) }

func tildePath(path, home string) string { return discovery.Paths{Home: home}.Tilde(path) }
