// Command pbx runs and controls the PBX.
package main

import (
	"fmt"
	"os"
)

func main() {
	root := newRootCmd()
	root.SetOut(os.Stdout)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "pbx:", err)
		os.Exit(1)
	}
}
