package discovery

import (
	"unicode"
	"unicode/utf8"
)

// Mask hides a secret for display. A value of 12 or more characters shows its last four
// after four stars ("****wxyz"), enough to tell two keys apart; anything shorter shows as
// eight stars. The length of a value is never shown, and no value gives away more than
// four characters; characters that do not print show as "?".
func Mask(value string) string {
	n := utf8.RuneCountInString(value)
	if n < 12 {
		return "********"
	}
	tail := []rune(value)[n-4:]
	for i, r := range tail {
		if !unicode.IsPrint(r) {
			tail[i] = '?' // a terminal would act on control characters
		}
	}
	return "****" + string(tail)
}
