package discovery

import (
	"strings"
	"unicode/utf8"
)

// Mask hides a secret for display: the first and last four characters of a value of 16 or
// more characters, stars for anything shorter.
func Mask(value string) string {
	n := utf8.RuneCountInString(value)
	if n < 16 {
		return strings.Repeat("*", n)
	}
	r := []rune(value)
	return string(r[:4]) + "****" + string(r[n-4:])
}
