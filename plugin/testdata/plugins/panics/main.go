// Command panics is a test plugin whose Register stages a driver and an
// application, then panics (or, with mode = error in its configuration,
// returns an error). pbx must recover, report it, and register nothing.
package main

import (
	"context"
	"errors"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/plugin"
)

// PBXPlugin is the registration symbol.
var PBXPlugin = plugin.Info{Name: "panics", Version: "0.0.1", APIVersion: plugin.APIVersion, Register: register}

type driver struct{}

func (driver) Name() string { return "Panicky" }
func (driver) Request(context.Context, string, *topology.Topology) (channel.Tech, error) {
	return nil, errors.New("panics: no channels")
}

func register(h plugin.Host) error {
	if err := h.RegisterDriver(driver{}); err != nil {
		return err
	}
	if err := h.RegisterApp("Panicky", func(context.Context, *apps.Session, string) error { return nil }); err != nil {
		return err
	}
	if h.Config()["mode"] == "error" {
		return errors.New("panics: refusing on purpose")
	}
	panic("panics: boom inside Register")
}

func main() {}
