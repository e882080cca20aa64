package helper

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/amika-dev/amika/discovery"
)

func BenchmarkParse(b *testing.B) {
	in := "capability[]=authtype\nprotocol=https\nhost=example.com\npath=org/repo.git\nusername=user\nwwwauth[]=Basic realm=\"GitHub\"\n\n"
	for i := 0; i < b.N; i++ {
		if _, err := parseRequest(strings.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServeGitGet(b *testing.B) {
	f := newFixture(b)
	opt := f.options()
	opt.LockPath = ""
	for i := 0; i < 50; i++ {
		in := fmt.Sprintf("protocol=https\nhost=example.com\nusername=user%d\npassword=pass%d\n", i, i)
		if err := Serve("store", strings.NewReader(in), io.Discard, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := Serve("get", strings.NewReader("protocol=https\nhost=example.com\nusername=user0\n"), io.Discard, opt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServeProviderGet(b *testing.B) {
	f := newFixture(b)
	f.creds = []discovery.Credential{{Provider: "anthropic", Value: "sk-ant-api03-x", Source: "claude_api", Kind: discovery.KindAPIKey}}
	opt := f.options()
	for i := 0; i < b.N; i++ {
		if err := Serve("get", strings.NewReader("provider=anthropic\n"), io.Discard, opt); err != nil {
			b.Fatal(err)
		}
	}
}
