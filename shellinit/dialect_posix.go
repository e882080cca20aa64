package shellinit

import "strings"

// posix is the dialect of bash and any POSIX sh.
type posix struct{}

// QuoteSh quotes s for any POSIX shell: single quotes, with each ' written as '\”.
func QuoteSh(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (posix) quote(s string) string                 { return QuoteSh(s) }
func (posix) expand(name string) string             { return "${" + name + "-}" }
func (posix) unset(b *strings.Builder, name string) { b.WriteString("unset " + name + "\n") }
func (posix) all(tests []string) string             { return strings.Join(tests, " && ") }

func (posix) set(b *strings.Builder, name, word string, export bool) {
	if export {
		b.WriteString("export ")
	}
	b.WriteString(name + "=" + word + "\n")
}

func (posix) exportIfUnset(b *strings.Builder, name, word string) {
	b.WriteString(`[ -n "${` + name + `+x}" ] || export ` + name + "=" + word + "\n")
}

// bash's -nt is true when the second file is missing, so "exists" is a test of its own.
func (posix) olderThan(stamp, path string) string {
	return "-e " + path + " && " + stamp + " -nt " + path
}

func (posix) notNewer(stamp, path string) string { return stamp + " -nt " + path }

// zsh is posix, except that its -nt is false when either file is missing.
type zsh struct{ posix }

func (zsh) olderThan(stamp, path string) string { return stamp + " -nt " + path }
func (zsh) notNewer(stamp, path string) string  { return "! " + path + " -nt " + stamp }
