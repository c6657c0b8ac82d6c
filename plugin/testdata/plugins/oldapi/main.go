// Command oldapi is a test plugin written for a plugin API version this
// pbx does not provide.
package main

import "github.com/pbx-dev/pbx/plugin"

// PBXPlugin claims API version 0.
var PBXPlugin = plugin.Info{
	Name:       "oldapi",
	Version:    "0.1.0",
	APIVersion: plugin.APIVersion - 1,
	Register:   func(plugin.Host) error { return nil },
}

func main() {}
