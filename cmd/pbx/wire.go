package main

import (
	"context"

	"github.com/pbx-dev/pbx/core/format"
)

type formatT = format.Format

// wireServices connects the runner to bridges, conferences and prompts.
func wireServices(p *pbx) error { return nil }

// startDrivers starts the SIP driver (and others) from the configuration.
func startDrivers(ctx context.Context, p *pbx) error { return nil }
