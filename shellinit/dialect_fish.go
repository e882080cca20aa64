package shellinit

import "strings"

// fish is the dialect of fish.
type fish struct{}

var fishQuoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// QuoteFish quotes s for fish, where \\ and \' are escapes even inside single quotes.
// Everything else is written as is, private-use code points included: fish decodes the
// script's bytes and maps the code points it reserves (U+F600…U+F6FF and friends) back to
// the same bytes on output, while a \uF6xx escape would turn into one raw byte (fish issues
// #8316, #8755). The round-trip tests hold fish to this.
func QuoteFish(s string) string {
	return "'" + fishQuoter.Replace(s) + "'"
}

func (fish) quote(s string) string                 { return QuoteFish(s) }
func (fish) expand(name string) string             { return "$" + name }
func (fish) unset(b *strings.Builder, name string) { b.WriteString("set -eg " + name + "\n") }
func (fish) all(tests []string) string             { return strings.Join(tests, " -a ") }

func (fish) set(b *strings.Builder, name, word string, export bool) {
	flag := "set -g "
	if export {
		flag = "set -gx "
	}
	b.WriteString(flag + name + " " + word + "\n")
}

func (fish) exportIfUnset(b *strings.Builder, name, word string) {
	b.WriteString("set -q " + name + "; or set -gx " + name + " " + word + "\n")
}

// fish's -nt is true when the second file is missing, as bash's is.
func (fish) olderThan(stamp, path string) string {
	return "-e " + path + " -a " + stamp + " -nt " + path
}

func (fish) notNewer(stamp, path string) string { return stamp + " -nt " + path }
