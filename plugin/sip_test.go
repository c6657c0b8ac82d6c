//go:build cgo && (linux || freebsd || darwin)

package plugin_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/drivers/sip"
	"github.com/pbx-dev/pbx/internal/testphone"
	"github.com/pbx-dev/pbx/plugin"
)

// TestToneAtSIPPhone is issue 9's "done" test on the PBX's own pieces: the
// SIP driver and the dialplan, with the tonegen plugin loaded. A SIP test
// phone calls 100, the dialplan dials Tone/440 and bridges it, and the
// phone hears 440 Hz over RTP.
func TestToneAtSIPPhone(t *testing.T) {
	dir := goodDir(t)
	p := newPBX(t)
	loaded, err := plugin.Load(dir, p.host, plugin.Options{Required: []string{"tonegen"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := loaded[0].Drivers; len(got) != 1 || got[0] != "Tone" {
		t.Fatalf("tonegen registered drivers %v", got)
	}

	log := slog.New(slog.NewTextHandler(p.log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	d, err := sip.New(sip.Config{
		Registry: p.reg, Logger: log,
		UDP:          "127.0.0.1:0",
		RTPPortMin:   31000,
		RTPPortMax:   31999,
		GuestContext: "default",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.reg.Register(d); err != nil {
		t.Fatal(err)
	}
	serveCtx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.Serve(serveCtx, p.runner) }()
	t.Cleanup(func() { // runs before newPBX's cleanup shuts the registry down
		stop()
		if err := <-served; err != nil && !errors.Is(err, channel.ErrDriverClosed) {
			t.Errorf("sip Serve: %v", err)
		}
		if err := d.Close(); err != nil {
			t.Errorf("sip Close: %v", err)
		}
	})
	select {
	case <-d.Ready():
	case err := <-served:
		t.Fatalf("sip Serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("sip driver not ready after 10 s")
	}

	changed := make(chan struct{}, 1)
	p.reg.Observe(func(channel.Event) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	phone, err := testphone.New(testphone.Config{User: "guest", Server: d.Addr("udp").String(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer phone.Close()
	call, err := phone.Dial(ctx, "100", testphone.DialOptions{})
	if err != nil {
		t.Fatalf("dial 100: %v", err)
	}
	m := call.Streams()[0]
	if err := m.WaitTone(ctx, 440, 600*time.Millisecond); err != nil {
		t.Fatalf("%v\nlog:\n%s", err, p.log)
	}
	if m.ToneDuration(1000) > 0 {
		t.Errorf("1000 Hz heard too: the detector is not discriminating")
	}
	// The tone went out as G.711 μ-law, the format the phone offered
	// first, without translation in between.
	for _, ch := range p.reg.Channels() {
		if strings.HasPrefix(ch.Name(), "Tone/440") {
			if f := ch.Topology().FormatsOfType(format.Audio); !f.Contains(format.ULaw) {
				t.Errorf("%s sends %s, want ulaw", ch.Name(), f)
			}
		}
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatalf("hangup: %v", err)
	}
	for len(p.reg.Channels()) > 0 {
		select {
		case <-ctx.Done():
			t.Fatalf("channels still up after the phone hung up: %v", p.reg.Channels())
		case <-changed:
		}
	}
}
