// Command wrongtype is a test plugin that exports PBXPlugin as a function
// instead of a plugin.Info variable.
package main

import "github.com/pbx-dev/pbx/plugin"

// PBXPlugin has the right name and the wrong type.
func PBXPlugin(plugin.Host) error { return nil }

func main() {}
