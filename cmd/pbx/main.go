// Command pbx runs and controls the PBX.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "pbx:", err)
		os.Exit(1)
	}
}
