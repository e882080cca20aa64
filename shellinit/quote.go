// Package shellinit speaks to shells: it quotes values for each shell, renders variable
// assignments, and carries the hook scripts and the direnv extension.
package shellinit

import (
	"encoding/json"
	"fmt"
	"io"
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
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (want sh, fish or json)", s)
}

// QuoteSh quotes s for any POSIX shell: single quotes, with each ' written as '\”.
func QuoteSh(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var fishQuoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// QuoteFish quotes s for fish, where \\ and \' are escapes even inside single quotes.
// Everything else is written as is, private-use code points included: fish decodes the
// script's bytes and maps the code points it reserves (U+F600…U+F6FF and friends) back to
// the same bytes on output, while a \uF6xx escape would turn into one raw byte (fish issues
// #8316, #8755). The round-trip tests hold fish to this.
func QuoteFish(s string) string {
	return "'" + fishQuoter.Replace(s) + "'"
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
// them environment variables (export NAME=… in sh, set -gx in fish); json ignores it.
func WriteAssignments(w io.Writer, format Format, export bool, as []discovery.Assignment) error {
	switch format {
	case FormatJSON:
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
	case FormatFish:
		flag := "-g"
		if export {
			flag = "-gx"
		}
		var b strings.Builder
		for _, a := range as {
			fmt.Fprintf(&b, "set %s %s %s\n", flag, a.Name, QuoteFish(a.Value))
		}
		_, err := io.WriteString(w, b.String())
		return err
	default:
		prefix := ""
		if export {
			prefix = "export "
		}
		var b strings.Builder
		for _, a := range as {
			fmt.Fprintf(&b, "%s%s=%s\n", prefix, a.Name, QuoteSh(a.Value))
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
}
