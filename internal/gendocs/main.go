// Command gendocs writes amika's man pages and shell completions, generated from its cobra
// commands, under a directory: DIR/man/amika*.1 and DIR/completions/{amika.bash,_amika,
// amika.fish}. scripts/gendocs runs it on docs/; scripts/test checks that docs/ is current.
//
//	go run ./internal/gendocs [DIR]   (default: docs)
//
// It is a program of its own so the generators (cobra/doc, go-md2man) are never linked
// into amika.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/amika-dev/amika/cmd/amika/cli"
)

func main() {
	dir := "docs"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := generate(dir); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}

func generate(dir string) error {
	root := cli.NewRoot()
	root.InitDefaultCompletionCmd()
	root.DisableAutoGenTag = true
	man, completions := filepath.Join(dir, "man"), filepath.Join(dir, "completions")
	for _, d := range []string{man, completions} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	// The pages carry no date: they change with the commands, not with the calendar.
	header := &doc.GenManHeader{Section: "1", Source: "amika", Manual: "amika manual", Date: &time.Time{}}
	if err := doc.GenManTree(root, header, man); err != nil {
		return err
	}
	pages, err := filepath.Glob(filepath.Join(man, "*.1"))
	if err != nil {
		return err
	}
	for _, p := range pages {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, bytes.Replace(data, []byte(`"Jan 0001"`), []byte(`""`), 1), 0o644); err != nil {
			return err
		}
	}
	for name, gen := range map[string]func(*cobra.Command, *bytes.Buffer) error{
		"amika.bash": func(c *cobra.Command, b *bytes.Buffer) error { return c.GenBashCompletionV2(b, true) },
		"_amika":     func(c *cobra.Command, b *bytes.Buffer) error { return c.GenZshCompletion(b) },
		"amika.fish": func(c *cobra.Command, b *bytes.Buffer) error { return c.GenFishCompletion(b, true) },
	} {
		var b bytes.Buffer
		if err := gen(root, &b); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(completions, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
