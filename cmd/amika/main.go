// Command amika finds coding agents' credentials, keeps them in the OS keyring and hands
// them to shells, git and processes on demand.
package main

import (
	"os"

	"github.com/amika-dev/amika/cmd/amika/cli"
)

func main() {
	os.Exit(cli.Main())
}
