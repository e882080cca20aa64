package report

import (
	"strings"
	"testing"
)

// Nothing a table holds reaches the terminal as a control character: cells from files and
// stores are escaped (printable), and whatever is written raw is sanitized on the way in,
// its tabs and newlines still laying the table out.
func TestTableActsOnNothing(t *testing.T) {
	var b strings.Builder
	tw := NewTable(&b)
	tw.Write([]byte("NAME\tPROVIDER\n"))
	tw.Write([]byte("A_KEY\t" + printable("pr\x1b]0;PWN\x07ov") + "\n"))
	tw.Write([]byte("RAW\tx\x1b[5my\u009b\xff\r\n"))
	tw.Flush()
	got := b.String()
	for i := 0; i < len(got); i++ {
		if c := got[i]; c < 0x20 && c != '\n' || c == 0x7f {
			t.Fatalf("control character %#x in the table:\n%s", c, got)
		}
	}
	want := "NAME   PROVIDER\n" +
		"A_KEY  \"pr\\x1b]0;PWN\\aov\"\n" +
		"RAW    x\\x1b[5my\\u009b\\xff\\r\n"
	if got != want {
		t.Fatalf("table:\n%s\nwant:\n%s", got, want)
	}
}
