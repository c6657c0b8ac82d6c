//go:build cgo

package console

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
)

// These tests run on miniaudio's null backend: no hardware, paced in real
// time, capturing silence. A tap around the real data callback injects a
// tone into the device's capture buffer and records what was played.

// tap is one device's test hook. src and rec are SPSC rings: the test
// produces src and consumes rec, the audio thread the other way round.
type tap struct {
	src    *ring
	rec    *ring
	silent bool // with nothing injected, hand the driver no capture buffer
}

// tapSystem wraps the malgo system and taps every device it opens.
type tapSystem struct {
	inner  system
	silent bool
	taps   chan *tap
}

func newTapSystem(backend string, silent bool) *tapSystem {
	return &tapSystem{
		inner:  &malgoSystem{name: backend, backends: malgoBackends(backend)},
		silent: silent,
		taps:   make(chan *tap, 16),
	}
}

func (s *tapSystem) Devices() (DeviceList, error) { return s.inner.Devices() }

func (s *tapSystem) Open(cfg deviceConfig, fn dataFunc) (device, error) {
	tp := &tap{src: newRing(1 << 16), rec: newRing(1 << 17), silent: s.silent}
	dev, err := s.inner.Open(cfg, func(out, in []byte) {
		if len(in) > 0 {
			n := tp.src.read(in) // overwrite the (silent) capture buffer
			clear(in[n:])
			if n == 0 && tp.silent {
				in = nil
			}
		}
		fn(out, in)
		tp.rec.write(out)
	})
	if err == nil {
		s.taps <- tp
	}
	return dev, err
}

func (s *tapSystem) tap(t *testing.T) *tap {
	t.Helper()
	select {
	case tp := <-s.taps:
		return tp
	case <-time.After(5 * time.Second):
		t.Fatal("no device opened within 5 s")
		return nil
	}
}

// played drains what the device played since the last call.
func (tp *tap) played() []byte {
	p := make([]byte, tp.rec.Len())
	return p[:tp.rec.read(p)]
}

func TestNullBackendDialIntoEcho(t *testing.T) {
	sys := newTapSystem("null", false)
	h, bind := withRunner(t, echoPlan)
	f := newFixture(t, Config{Handler: h, Backend: "null"}, sys)
	bind(f.reg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := f.d.Dial(ctx, "600"); err != nil {
		t.Fatal(err)
	}
	tp := sys.tap(t)
	tp.src.write(tone(440, 8000, 1000))
	var heard []byte
	waitUntil(t, 5*time.Second, "the 440 Hz tone echoed to the null speaker", func() bool {
		heard = append(heard, tp.played()...)
		return hasTone(heard, 8000, 440, 500)
	})
	if err := f.d.Hangup(); err != nil {
		t.Fatal(err)
	}
	f.waitEvent(t, EventHangup)
	if s := f.d.Stats(); s.Captured == 0 || s.Played == 0 {
		t.Fatalf("stats %+v", s)
	}
}

func TestNullBackendConformance(t *testing.T) {
	channeltest.Run(t, func(t *testing.T) channeltest.Harness {
		sys := newTapSystem("null", true)
		f := newFixture(t, Config{Backend: "null", AutoAnswer: true}, sys)
		tech, err := f.d.Request(context.Background(), "dsp", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tech.Call(context.Background()); err != nil {
			t.Fatal(err)
		}
		tp := sys.tap(t)
		return channeltest.Harness{
			Tech: tech,
			Send: func(p []byte) {
				frame := make([]byte, f.d.frameBytes)
				copy(frame, p)
				tp.src.write(frame)
			},
			Close: func() { f.d.Close() },
		}
	})
}

func TestNullBackendDevices(t *testing.T) {
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: quiet})
	d, err := New(Config{Registry: reg, Backend: "null", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	l, err := d.Devices()
	if err != nil {
		t.Fatal(err)
	}
	if l.Backend != "null" || l.Capture == nil || l.Playback == nil {
		t.Fatalf("Devices: %+v", l)
	}
	names := func(ds []DeviceInfo) (n []string) {
		for _, d := range ds {
			n = append(n, d.Name)
		}
		return n
	}
	// miniaudio lists one device each way; an empty list is fine too.
	if len(l.Capture) > 0 && !slices.Contains(names(l.Capture), "NULL Capture Device") {
		t.Fatalf("capture devices %v", names(l.Capture))
	}
	if len(l.Playback) > 0 && !slices.Contains(names(l.Playback), "NULL Playback Device") {
		t.Fatalf("playback devices %v", names(l.Playback))
	}
}

// TestDefaultBackendDevices is `pbx console devices` on whatever this
// machine has: with no sound card the lists are empty; never an error.
func TestDefaultBackendDevices(t *testing.T) {
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: quiet})
	d, err := New(Config{Registry: reg, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	l, err := d.Devices()
	if err != nil {
		t.Fatalf("Devices: %v", err)
	}
	if l.Backend != "default" || l.Capture == nil || l.Playback == nil {
		t.Fatalf("Devices: %+v", l)
	}
	t.Logf("capture %d, playback %d devices", len(l.Capture), len(l.Playback))
}

func TestNullBackendNamedDevices(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t.Run("Found", func(t *testing.T) {
		sys := newTapSystem("null", false)
		f := newFixture(t, Config{Backend: "null", Rate: 16000, CaptureDevice: "null capture device", PlaybackDevice: "NULL Playback Device"}, sys)
		l, err := f.d.Devices()
		if err != nil || len(l.Capture) == 0 {
			t.Fatalf("the null backend listed no devices (%v): miniaudio always has its null devices", err)
		}
		ch, err := f.reg.Dial(ctx, "Console/dsp", nil)
		if err != nil {
			t.Fatal(err)
		}
		ch.Hangup(channel.CauseNormalClearing)
		f.waitEvent(t, EventHangup)
	})
	t.Run("Missing", func(t *testing.T) {
		f := newFixture(t, Config{Backend: "null", CaptureDevice: "no such microphone"}, newTapSystem("null", false))
		_, err := f.reg.Dial(ctx, "Console/dsp", nil)
		var de *DeviceError
		if !errors.Is(err, ErrNoDevice) || !errors.As(err, &de) || channel.CauseOf(err) != channel.CauseChannelNotAvailable {
			t.Fatalf("Dial with a missing device: %v", err)
		}
		t.Log(err)
	})
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Config{Backend: "bogus"}); !errors.Is(err, ErrConfig) {
		t.Fatalf("New: %v, want ErrConfig", err)
	}
	if !Compiled {
		t.Fatal("Compiled is false in a cgo build")
	}
}

// TestDefaultBackendCall dials the console on whatever this machine has.
// On a machine without a usable sound card (CI) the call fails with a
// clear DeviceError and CHANUNAVAIL, and only the console's call fails;
// with a sound card it opens and hangs up again.
func TestDefaultBackendCall(t *testing.T) {
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: quiet})
	d, err := New(Config{Registry: reg, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Register(d); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		reg.Shutdown(ctx)
		d.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ch, err := reg.Dial(ctx, "Console/dsp", nil)
	if err != nil {
		if !errors.Is(err, ErrDevice) || channel.CauseOf(err) != channel.CauseChannelNotAvailable {
			t.Fatalf("Dial on the default backend: %v; want a DeviceError (CHANUNAVAIL)", err)
		}
		t.Logf("no usable sound card: %v", err)
		if st := d.Status(); st.State != "idle" {
			t.Fatalf("console %s after the failure", st.State)
		}
		return
	}
	t.Log("opened the machine's sound card")
	ch.Hangup(channel.CauseNormalClearing)
}
