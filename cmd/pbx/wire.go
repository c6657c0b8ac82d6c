package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/config"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/drivers/sip"
	"github.com/pbx-dev/pbx/fileplay"
)

type formatT = format.Format

// wireServices connects the runner to bridges and conferences.
func wireServices(p *pbx) error {
	b := &apps.Bridges{Logger: p.log}
	p.runner.Bridger = b
	p.runner.Conferences = b
	p.stops = append(p.stops, func(context.Context) error { b.Close(); return nil })

	player, err := fileplay.New(fileplay.Config{
		Dir: p.cfg.Resolve(p.cfg.Sounds), RecordDir: p.cfg.Resolve(p.cfg.Recordings),
		Paths: p.reg.Translator(), Logger: p.log,
	})
	if err != nil {
		return fmt.Errorf("sounds: %w", err)
	}
	p.runner.Player = player
	if err := fileplay.RegisterApps(p.runner, player); err != nil {
		return err
	}
	p.stops = append(p.stops, player.Close)
	return nil
}

// liveEndpoints serves the current endpoints to the SIP driver; reload
// swaps them atomically (new calls and registrations see the new set).
type liveEndpoints struct {
	m atomic.Pointer[sip.EndpointMap]
}

func (l *liveEndpoints) Endpoint(user string) (sip.Endpoint, bool) {
	return (*l.m.Load()).Endpoint(user)
}

// sipEndpoints turns the configured endpoints into the SIP driver's.
func sipEndpoints(cfg *config.Config) sip.EndpointMap {
	eps := sip.EndpointMap{}
	for _, e := range cfg.Endpoints {
		eps[e.Name] = sip.Endpoint{
			User: e.Name, Password: e.Password, Context: e.Context,
			Codecs: e.Codecs.Union(format.NewCaps(format.TelephoneEvent)), MaxContacts: e.MaxContacts, Auth: e.Auth,
		}
	}
	return eps
}

// startDrivers starts the SIP driver from the configuration and waits
// until it listens.
func startDrivers(ctx context.Context, p *pbx) error {
	c := p.cfg.SIP
	eps := &liveEndpoints{}
	m := sipEndpoints(p.cfg)
	eps.m.Store(&m)
	d, err := sip.New(sip.Config{
		Registry: p.reg, Logger: p.log,
		UDP: c.UDP, TCP: c.TCP, TLS: c.TLS, WS: c.WS, WSS: c.WSS, MediaIP: c.MediaIP,
		TLSCertFile: p.cfg.Resolve(c.TLSCert), TLSKeyFile: p.cfg.Resolve(c.TLSKey),
		RTPPortMin: c.RTPStart, RTPPortMax: c.RTPEnd, RTPTimeout: c.RTPTimeout,
		Endpoints: eps, GuestContext: c.Guest, Realm: c.Realm,
		Algorithms: slices.Clone(c.DigestAlgorithms),
	})
	if err != nil {
		return fmt.Errorf("sip: %w", err)
	}
	if err := p.reg.Register(d); err != nil {
		return err
	}
	serveErr := make(chan error, 1)
	p.wg.Go(func() {
		err := d.Serve(ctx, p.runner)
		if err != nil && !errors.Is(err, channel.ErrDriverClosed) {
			p.log.Error("sip driver stopped", "error", err)
		}
		serveErr <- err
	})
	p.stops = append(p.stops, func(context.Context) error { return d.Close() })
	select {
	case <-d.Ready():
	case err := <-serveErr:
		return fmt.Errorf("sip: %w", err)
	case <-time.After(10 * time.Second):
		return errors.New("sip: not ready after 10 s")
	}
	attrs := []any{}
	for _, n := range []string{"udp", "tcp", "tls", "ws", "wss"} {
		if a := d.Addr(n); a != nil {
			attrs = append(attrs, n, a.String())
		}
	}
	p.log.Info("sip listening", attrs...)
	p.reloaders = append(p.reloaders, func(cfg *config.Config) {
		m := sipEndpoints(cfg)
		eps.m.Store(&m)
		p.log.Info("sip endpoints reloaded", "count", len(cfg.Endpoints))
	})
	return nil
}
