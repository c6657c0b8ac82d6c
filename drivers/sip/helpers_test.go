package sip

import (
	"context"

	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/internal/testphone"
)

// testTimeout bounds every test step.
const testTimeout = 10 * time.Second

func testLogger(t testing.TB) *slog.Logger {
	level := slog.LevelError
	if os.Getenv("SIP_TEST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: level}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p))
	return len(p), nil
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// env is a driver serving on loopback ephemeral ports with a registry and
// a per-test dialplan handler.
type env struct {
	t   testing.TB
	reg *channel.Registry
	d   *Driver

	mu      sync.Mutex
	handler channel.HandlerFunc
	chans   chan *channel.Channel // every inbound channel, for inspection
	changed chan struct{}         // signalled on every channel event
}

var testEndpoints = EndpointMap{
	"alice": {User: "alice", Password: "alice-secret", Context: "default", Auth: true, MaxContacts: 2},
	"bob":   {User: "bob", Password: "bob-secret", Context: "default", Auth: true, MaxContacts: 3},
	"carol": {User: "carol", Password: "carol-secret", Context: "internal"}, // calls without auth
}

func newEnv(t testing.TB, mods ...func(*Config)) *env {
	t.Helper()
	before := goleak.IgnoreCurrent() // goroutines of the test harness itself
	e := &env{t: t, chans: make(chan *channel.Channel, 16), changed: make(chan struct{}, 1)}
	e.reg = channel.NewRegistry(channel.RegistryConfig{Logger: testLogger(t)})
	e.reg.Observe(func(channel.Event) {
		select {
		case e.changed <- struct{}{}:
		default:
		}
	})
	cfg := Config{
		Registry:   e.reg,
		Logger:     testLogger(t),
		UDP:        "127.0.0.1:0",
		TCP:        "127.0.0.1:0",
		RTPPortMin: 21000,
		RTPPortMax: 29999,
		Endpoints:  testEndpoints,
	}
	for _, m := range mods {
		m(&cfg)
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := e.reg.Register(d); err != nil {
		t.Fatal(err)
	}
	e.d = d
	serveCtx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- d.Serve(serveCtx, channel.HandlerFunc(e.serve))
	}()
	select {
	case <-d.Ready():
	case err := <-served:
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := e.reg.Shutdown(ctx); err != nil {
			t.Errorf("registry shutdown: %v", err)
		}
		stop()
		if err := <-served; !errors.Is(err, channel.ErrDriverClosed) {
			t.Errorf("Serve returned %v, want ErrDriverClosed", err)
		}
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		goleak.VerifyNone(t, before)
		if n := d.port.inUse(); n != 0 {
			t.Errorf("%d RTP port pairs still in use after Close", n)
		}
	})
	return e
}

// handle sets the dialplan handler of later inbound calls.
func (e *env) handle(h channel.HandlerFunc) {
	e.mu.Lock()
	e.handler = h
	e.mu.Unlock()
}

func (e *env) serve(ctx context.Context, ch *channel.Channel) {
	select {
	case e.chans <- ch:
	default:
	}
	e.mu.Lock()
	h := e.handler
	e.mu.Unlock()
	if h == nil {
		h = echo
	}
	h(ctx, ch)
}

// nextChannel returns the next inbound channel.
func (e *env) nextChannel(t testing.TB) *channel.Channel {
	t.Helper()
	select {
	case ch := <-e.chans:
		return ch
	case <-time.After(testTimeout):
		t.Fatal("no inbound channel")
		return nil
	}
}

// udp returns the driver's UDP address as host:port.
func (e *env) udp() string { return e.d.Addr("udp").String() }
func (e *env) tcp() string { return e.d.Addr("tcp").String() }

// phone returns a test phone of user registered nowhere yet, pointed at
// the driver.
func (e *env) phone(t testing.TB, user, password string, mods ...func(*testphone.Config)) *testphone.Phone {
	t.Helper()
	cfg := testphone.Config{User: user, Password: password, Server: e.udp(), Logger: testLogger(t)}
	for _, m := range mods {
		m(&cfg)
	}
	p, err := testphone.New(cfg)
	if err != nil {
		t.Fatalf("testphone: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// waitNoChannels waits until the registry has no live channel.
func (e *env) waitNoChannels(t testing.TB) {
	t.Helper()
	deadline := time.After(testTimeout)
	for len(e.reg.Channels()) > 0 {
		select {
		case <-e.changed:
		case <-deadline:
			t.Fatalf("channels still live: %v", e.reg.Channels())
		}
	}
}

// waitHangup waits until ch has hung up and returns its cause.
func waitHangup(t testing.TB, ch *channel.Channel) channel.Cause {
	t.Helper()
	select {
	case <-ch.Done():
		return ch.HangupCause()
	case <-time.After(testTimeout):
		t.Fatalf("%s did not hang up", ch.Name())
		return 0
	}
}

// echo answers and writes back every voice frame it reads.
func echo(ctx context.Context, ch *channel.Channel) {
	if err := ch.Answer(ctx); err != nil {
		return
	}
	for {
		f, err := ch.Read()
		if err != nil {
			return
		}
		if f.Kind == frame.Voice {
			_ = ch.Write(f)
		}
		f.Release()
	}
}

// readUntil reads ch (with ReadStream) until pred accepts a frame, which
// it returns; other frames are released.
func readUntil(t testing.TB, ch *channel.Channel, pred func(*frame.Frame) bool) *frame.Frame {
	t.Helper()
	ch.SetReadDeadline(time.Now().Add(testTimeout))
	defer ch.SetReadDeadline(time.Time{})
	for {
		f, err := ch.ReadStream()
		if err != nil {
			if errors.Is(err, io.EOF) {
				t.Fatalf("%s: read ended before the expected frame", ch.Name())
			}
			t.Fatalf("%s: read: %v", ch.Name(), err)
		}
		if pred(f) {
			return f
		}
		f.Release()
	}
}

func isControl(ct frame.ControlType) func(*frame.Frame) bool {
	return func(f *frame.Frame) bool { return f.Kind == frame.Control && f.Control == ct }
}

// ulawCaps is the usual endpoint codec list of tests.
var ulawCaps = format.NewCaps(format.ULaw, format.ALaw, format.TelephoneEvent)

// drain reads ch until it ends.
func drain(ch *channel.Channel) {
	for {
		f, err := ch.Read()
		if err != nil {
			return
		}
		f.Release()
	}
}

// testphoneDefaults dials with one audio stream (PCMU, PCMA, DTMF).
var testphoneDefaults = testphone.DialOptions{}
