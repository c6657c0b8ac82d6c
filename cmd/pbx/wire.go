package main

import (
	"context"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/core/format"
)

type formatT = format.Format

// wireServices connects the runner to bridges and conferences.
func wireServices(p *pbx) error {
	b := &apps.Bridges{Logger: p.log}
	p.runner.Bridger = b
	p.runner.Conferences = b
	p.stops = append(p.stops, func(context.Context) error { b.Close(); return nil })
	return nil
}

// startDrivers starts the SIP driver (and others) from the configuration.
func startDrivers(ctx context.Context, p *pbx) error { return nil }
