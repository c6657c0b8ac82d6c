package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/internal/audiotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var quiet = slog.New(slog.DiscardHandler)

// fixture is a registry with a console driver registered on it.
type fixture struct {
	d      *Driver
	reg    *channel.Registry
	events chan Event
}

// newFixture builds a driver on sys (cfg.Registry and cfg.OnEvent are
// set here) and tears everything down at the end of the test.
func newFixture(t *testing.T, cfg Config, sys system) *fixture {
	t.Helper()
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: quiet})
	evs := make(chan Event, 256)
	cfg.Registry = reg
	cfg.OnEvent = func(e Event) {
		select {
		case evs <- e:
		default:
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	d, err := newDriver(cfg, sys)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(d); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := reg.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		d.Close()
	})
	return &fixture{d: d, reg: reg, events: evs}
}

// waitEvent returns the next event of type typ, skipping others.
func (f *fixture) waitEvent(t *testing.T, typ EventType) Event {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case e := <-f.events:
			if e.Type == typ {
				return e
			}
		case <-deadline.C:
			t.Fatalf("no %s event within 5 s", typ)
		}
	}
}

// waitUntil polls cond every 5 ms until it holds or d has passed.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}

// readUntil reads ch until match accepts a frame (returned, owned by the
// caller) or 5 s pass.
func readUntil(t *testing.T, ch *channel.Channel, what string, match func(*frame.Frame) bool) *frame.Frame {
	t.Helper()
	ch.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer ch.SetReadDeadline(time.Time{})
	for {
		f, err := ch.Read()
		if err != nil {
			t.Fatalf("reading for %s: %v", what, err)
		}
		if match(f) {
			return f
		}
		f.Release()
	}
}

func isControl(c frame.ControlType) func(*frame.Frame) bool {
	return func(f *frame.Frame) bool { return f.Kind == frame.Control && f.Control == c }
}

// readToEOF reads ch until it ends (io.EOF) or 5 s pass.
func readToEOF(t *testing.T, ch *channel.Channel) {
	t.Helper()
	ch.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := ch.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("reading to the end: %v", err)
		}
		f.Release()
	}
}

// tone returns ms milliseconds of a freq Hz sine at rate as slin bytes.
func tone(freq, rate, ms int) []byte {
	return audiotest.Bytes(audiotest.Sine(freq, rate, ms, 0.5))
}

// hasTone reports whether freq is present for at least ms in p.
func hasTone(p []byte, rate int, freq float64, ms int) bool {
	det := audiotest.NewDetector(rate)
	det.WriteBytes(p)
	return det.Present(freq, ms)
}

// syncBuffer is a bytes.Buffer safe for concurrent writes (log output).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) Contains(s string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Contains(b.b.String(), s)
}
