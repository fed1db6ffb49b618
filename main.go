// Command iysgate is the İYS integration appliance: one binary serving the
// web UI, the JSON API and the background jobs. See README.md.
package main

import (
	"os"

	"iysgate/app/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
