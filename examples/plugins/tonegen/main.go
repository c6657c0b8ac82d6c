// Command tonegen is an example pbx plugin. It adds:
//
//   - a Tone/ channel driver: dialling "Tone/440" gives a channel that
//     answers at once, sends a 440 Hz sine in 20 ms frames paced in real
//     time, and discards whatever it is sent. "Tone/350+440" sends both
//     frequencies (a dial tone); "Tone/440/ulaw" forces the format.
//   - a PlayTone(freq[+freq…][,ms]) dialplan application that plays a tone
//     on the current channel.
//
// Build it as a plugin from the root of the pbx checkout pbx itself was
// built from (see README.md):
//
//	go build -buildmode=plugin -o plugins/tonegen.so ./examples/plugins/tonegen
//
// Configuration (the plugin's section, Host.Config):
//
//	format    = slin | ulaw   preferred format when the caller accepts both (default slin)
//	amplitude = 0.5           peak level as a fraction of full scale, 0 < a <= 1 (default 0.5)
package main

import (
	"fmt"
	"os"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/plugin"
)

// PBXPlugin is the registration symbol pbx looks up.
var PBXPlugin = plugin.Info{
	Name:       "tonegen",
	Version:    "1.0.0",
	APIVersion: plugin.APIVersion,
	Register:   Register,
}

// Register adds the Tone driver and the PlayTone application to h.
func Register(h plugin.Host) error {
	cfg, err := parseConfig(h.Config())
	if err != nil {
		return err
	}
	if err := h.RegisterDriver(newDriver(cfg, h.Logger())); err != nil {
		return err
	}
	// PlayTone plays to the caller, like Playback: the caller's audio ends
	// in the PBX instead of being relayed, so the runner turns the
	// caller's jitter buffer on before running it.
	return h.RegisterApp("PlayTone", playTone, apps.TerminatesMedia())
}

// main exists so `go build ./...` can build this package; the plugin is
// used only through -buildmode=plugin.
func main() {
	fmt.Fprintln(os.Stderr, "tonegen is a pbx plugin: go build -buildmode=plugin -o plugins/tonegen.so ./examples/plugins/tonegen")
	os.Exit(2)
}
