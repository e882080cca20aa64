package shellinit

import (
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/amika-dev/amika/discovery"
)

// Format is an output dialect of assignments.
type Format string

const (
	FormatSh   Format = "sh"
	FormatFish Format = "fish"
	FormatJSON Format = "json"
)

// Formats lists the accepted formats, for flag help and errors.
var Formats = []Format{FormatSh, FormatFish, FormatJSON}

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	if slices.Contains(Formats, Format(s)) {
		return Format(s), nil
	}
	return "", errors.New("--format: want sh, fish or json")
}

// jsonAssignment is the shape of one --format json entry.
type jsonAssignment struct {
	Name     string  `json:"name"`
	Value    string  `json:"value"`
	Provider string  `json:"provider"`
	Source   string  `json:"source"`
	File     string  `json:"file"`
	Kind     string  `json:"kind"`
	Expires  *string `json:"expires"` // RFC 3339; null: no expiry
}

// WriteAssignments renders assignments (already sorted) in the given format. export makes
// them environment variables (export NAME=… in sh, set -gx in fish); json ignores it. An
// assignment without a name (an OAuth token no variable takes) is a JSON entry only.
func WriteAssignments(w io.Writer, format Format, export bool, as []discovery.Assignment) error {
	if format == FormatJSON {
		out := make([]jsonAssignment, 0, len(as))
		for _, a := range as {
			j := jsonAssignment{Name: a.Name, Value: a.Value, Provider: a.Provider, Source: a.Source, File: a.File, Kind: string(a.Kind)}
			if !a.Expires.IsZero() {
				e := a.Expires.UTC().Format(time.RFC3339)
				j.Expires = &e
			}
			out = append(out, j)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	var d dialect = posix{}
	if format == FormatFish {
		d = fish{}
	}
	var b strings.Builder
	for _, a := range as {
		if a.Name != "" {
			d.set(&b, a.Name, d.quote(a.Value), export)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
