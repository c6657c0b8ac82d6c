package console

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/dialplan"
)

const echoPlan = "[default]\nexten => 600,1,Answer()\n same => n,Echo()\n"

// withRunner returns a Handler running the dialplan conf with apps.Runner
// on the registry the fixture creates (set through *reg).
func withRunner(t *testing.T, conf string) (Handler, func(*channel.Registry)) {
	t.Helper()
	plan, err := dialplan.Parse("test.conf", strings.NewReader(conf))
	if err != nil {
		t.Fatal(err)
	}
	var runner *apps.Runner
	h := func(ctx context.Context, ch *channel.Channel, exten, c string) { runner.Run(ctx, ch, c, exten) }
	return h, func(reg *channel.Registry) {
		runner = apps.New(apps.Config{Registry: reg, Plan: plan, Logger: quiet})
	}
}

func TestDialIntoEchoHearsItself(t *testing.T) {
	sys := newFakeSystem()
	h, bind := withRunner(t, echoPlan)
	f := newFixture(t, Config{Handler: h}, sys)
	bind(f.reg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	name, err := f.d.Dial(ctx, "600")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, "Console/dsp-") {
		t.Fatalf("channel name %q", name)
	}
	if e := f.waitEvent(t, EventDial); e.Exten != "600" || e.Channel != name {
		t.Fatalf("dial event %+v", e)
	}
	dev := sys.device(t)
	dev.inject(tone(440, 8000, 1000))
	waitUntil(t, 5*time.Second, "the 440 Hz tone echoed to the speaker", func() bool {
		return hasTone(dev.playedAudio(), 8000, 440, 500)
	})
	if st := f.d.Status(); st.State != "up" || st.Channel != name || !st.Outgoing {
		t.Fatalf("status %+v", st)
	}
	if s := f.d.Stats(); s.Captured == 0 || s.Played == 0 || s.Calls != 1 {
		t.Fatalf("stats %+v", s)
	}

	if err := f.d.Hangup(); err != nil {
		t.Fatal(err)
	}
	if e := f.waitEvent(t, EventHangup); e.Cause != channel.CauseNormalClearing {
		t.Fatalf("hangup event %+v", e)
	}
	waitUntil(t, 5*time.Second, "the device closed", dev.isClosed)
	if st := f.d.Status(); st.State != "idle" {
		t.Fatalf("status after hangup %+v", st)
	}
	if err := f.d.Hangup(); !errors.Is(err, ErrNoCall) {
		t.Fatalf("second Hangup: %v, want ErrNoCall", err)
	}
}

func TestIncomingCallRingsAndIsAnswered(t *testing.T) {
	logs := &syncBuffer{}
	sys := newFakeSystem()
	f := newFixture(t, Config{Logger: slog.New(slog.NewTextHandler(logs, nil))}, sys)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// As the Dial application does: request, set caller ID, call.
	ch, err := f.reg.Request(ctx, "Console/dsp", nil)
	if err != nil {
		t.Fatal(err)
	}
	ch.SetCallerID("1001", "Alice")
	if err := ch.Call(ctx); err != nil {
		t.Fatal(err)
	}
	e := f.waitEvent(t, EventRing)
	if e.Caller != "Alice <1001>" || e.Channel != ch.Name() {
		t.Fatalf("ring event %+v", e)
	}
	if !logs.Contains("console ringing") || !logs.Contains("Alice <1001>") {
		t.Fatal("no ringing log line naming the caller")
	}
	readUntil(t, ch, "ringing", isControl(frame.Ringing)).Release()
	if st := f.d.Status(); st.State != "ringing" || st.Caller != "Alice <1001>" {
		t.Fatalf("status %+v", st)
	}
	if err := f.d.SendDTMF(ctx, "1"); !errors.Is(err, ErrNotAnswered) {
		t.Fatalf("SendDTMF while ringing: %v", err)
	}
	if got := ch.Topology().String(); !strings.Contains(got, "slin") {
		t.Fatalf("topology %s: want the console's slin stream", got)
	}

	if err := f.d.Answer(); err != nil {
		t.Fatal(err)
	}
	f.waitEvent(t, EventAnswer)
	readUntil(t, ch, "answer", isControl(frame.Answer)).Release()
	if ch.State() != channel.Up {
		t.Fatalf("state %s after answer", ch.State())
	}
	if err := f.d.Answer(); err != nil {
		t.Fatalf("second Answer: %v", err)
	}

	// Far end to speaker: 600 ms of 1 kHz, paced like a phone.
	dev := sys.device(t)
	gen := tone(1000, 8000, 600)
	tick := time.NewTicker(20 * time.Millisecond)
	for off := 0; off < len(gen); off += 320 {
		v := frame.Get(320)
		v.Kind, v.Format, v.Samples = frame.Voice, format.SLin8, 160
		copy(v.Payload, gen[off:])
		if err := ch.Write(v); err != nil {
			t.Fatal(err)
		}
		v.Release()
		<-tick.C
	}
	tick.Stop()
	waitUntil(t, 5*time.Second, "1 kHz on the speaker", func() bool {
		return hasTone(dev.playedAudio(), 8000, 1000, 400)
	})

	// Microphone to far end.
	dev.inject(tone(440, 8000, 600))
	var heard []byte
	readUntil(t, ch, "440 Hz from the microphone", func(f *frame.Frame) bool {
		if f.Kind == frame.Voice {
			heard = append(heard, f.Payload...)
		}
		return hasTone(heard, 8000, 440, 400)
	}).Release()

	// A digit from the far end shows on the console.
	if err := ch.SendDigit(ctx, '5', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if e := f.waitEvent(t, EventDTMF); e.Digit != "5" {
		t.Fatalf("dtmf event %+v", e)
	}
	if err := ch.Indicate(frame.Hold); err != nil {
		t.Fatal(err)
	}
	if e := f.waitEvent(t, EventIndication); e.Indication != "hold" {
		t.Fatalf("indication event %+v", e)
	}

	if err := f.d.Hangup(); err != nil {
		t.Fatal(err)
	}
	readToEOF(t, ch)
	if c := ch.HangupCause(); c != channel.CauseNormalClearing {
		t.Fatalf("cause %s", c)
	}
	waitUntil(t, 5*time.Second, "the device closed", dev.isClosed)
}

func TestAutoAnswer(t *testing.T) {
	f := newFixture(t, Config{AutoAnswer: true}, newFakeSystem())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, err := f.reg.Dial(ctx, "Console/dsp", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.waitEvent(t, EventRing)
	f.waitEvent(t, EventAnswer)
	readUntil(t, ch, "answer", isControl(frame.Answer)).Release()
	ch.Hangup(channel.CauseNormalClearing)
	if e := f.waitEvent(t, EventHangup); e.Cause != channel.CauseNormalClearing {
		t.Fatalf("hangup event %+v", e)
	}
}

func TestHangupWhileRingingRejects(t *testing.T) {
	sys := newFakeSystem()
	f := newFixture(t, Config{}, sys)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, err := f.reg.Dial(ctx, "Console/dsp", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.waitEvent(t, EventRing)
	if err := f.d.Hangup(); err != nil {
		t.Fatal(err)
	}
	readToEOF(t, ch)
	if c := ch.HangupCause(); c != channel.CauseCallRejected {
		t.Fatalf("cause %s, want CALL_REJECTED", c)
	}
	waitUntil(t, 5*time.Second, "the device closed", sys.device(t).isClosed)
	if err := f.d.Answer(); !errors.Is(err, ErrNoCall) {
		t.Fatalf("Answer with no call: %v", err)
	}
}

func TestFarEndHangupFreesConsole(t *testing.T) {
	sys := newFakeSystem()
	f := newFixture(t, Config{AutoAnswer: true}, sys)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, err := f.reg.Dial(ctx, "Console/dsp", nil)
	if err != nil {
		t.Fatal(err)
	}
	dev := sys.device(t)
	ch.Hangup(channel.CauseUserBusy)
	if e := f.waitEvent(t, EventHangup); e.Cause != channel.CauseUserBusy {
		t.Fatalf("hangup event %+v", e)
	}
	if !dev.isClosed() {
		t.Fatal("device still open after the far end hung up")
	}
	// The console is free for the next call.
	ch2, err := f.reg.Dial(ctx, "Console/dsp", nil)
	if err != nil {
		t.Fatalf("second call: %v", err)
	}
	ch2.Hangup(channel.CauseNormalClearing)
}

func TestSendDTMFReachesDialplan(t *testing.T) {
	digits := make(chan rune, 16)
	h := func(ctx context.Context, ch *channel.Channel, _, _ string) {
		ch.Answer(ctx)
		ch.SendDigit(ctx, '9', 100*time.Millisecond)
		for {
			f, err := ch.Read()
			if err != nil {
				return
			}
			if f.Kind == frame.DTMFEnd {
				digits <- f.Digit
			}
			f.Release()
		}
	}
	f := newFixture(t, Config{Handler: h}, newFakeSystem())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := f.d.Dial(ctx, "700@other"); err != nil {
		t.Fatal(err)
	}
	f.waitEvent(t, EventAnswer)
	if e := f.waitEvent(t, EventDTMF); e.Digit != "9" {
		t.Fatalf("dtmf event %+v", e)
	}
	for _, bad := range []string{"", "12x", "1 2"} {
		if err := f.d.SendDTMF(ctx, bad); !errors.Is(err, ErrBadDigit) {
			t.Fatalf("SendDTMF(%q): %v, want ErrBadDigit", bad, err)
		}
	}
	if err := f.d.SendDTMF(ctx, "1a#"); err != nil {
		t.Fatal(err)
	}
	var got []rune
	for len(got) < 3 {
		select {
		case r := <-digits:
			got = append(got, r)
		case <-ctx.Done():
			t.Fatalf("dialplan read digits %q, want \"1A#\"", string(got))
		}
	}
	if string(got) != "1A#" {
		t.Fatalf("dialplan read %q, want \"1A#\"", string(got))
	}
	f.d.Hangup()
	f.waitEvent(t, EventHangup)
	if err := f.d.SendDTMF(ctx, "1"); !errors.Is(err, ErrNoCall) {
		t.Fatalf("SendDTMF with no call: %v", err)
	}
}

func TestMuteSendsSilence(t *testing.T) {
	voice := make(chan []byte, 512)
	h := func(ctx context.Context, ch *channel.Channel, _, _ string) {
		for {
			f, err := ch.Read()
			if err != nil {
				return
			}
			if f.Kind == frame.Voice {
				select {
				case voice <- append([]byte(nil), f.Payload...):
				default:
				}
			}
			f.Release()
		}
	}
	sys := newFakeSystem()
	sys.silent = true // only injected audio becomes frames
	f := newFixture(t, Config{Handler: h}, sys)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f.d.SetMute(true)
	if !f.d.Muted() || !f.d.Status().Muted {
		t.Fatal("not muted")
	}
	if _, err := f.d.Dial(ctx, "600"); err != nil {
		t.Fatal(err)
	}
	dev := sys.device(t)
	collect := func(n int) []byte {
		var p []byte
		for range n {
			select {
			case v := <-voice:
				p = append(p, v...)
			case <-ctx.Done():
				t.Fatal("no voice frames")
			}
		}
		return p
	}
	dev.inject(tone(440, 8000, 200))
	if p := collect(10); hasTone(p, 8000, 440, 20) || strings.Trim(string(p), "\x00") != "" {
		t.Fatal("muted console sent audio")
	}
	f.d.SetMute(false)
	dev.inject(tone(440, 8000, 200))
	if p := collect(10); !hasTone(p, 8000, 440, 150) {
		t.Fatal("unmuted console sent no tone")
	}
	f.d.Hangup()
	f.waitEvent(t, EventHangup)
}

func TestDeviceErrors(t *testing.T) {
	boom := errors.New("boom: no such card")
	t.Run("Open", func(t *testing.T) {
		sys := newFakeSystem()
		sys.openErr = boom
		h, bind := withRunner(t, echoPlan)
		f := newFixture(t, Config{Handler: h}, sys)
		bind(f.reg)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := f.d.Dial(ctx, "600")
		var de *DeviceError
		if !errors.Is(err, ErrDevice) || !errors.Is(err, boom) || !errors.As(err, &de) || de.Op != "open" {
			t.Fatalf("Dial: %v, want a DeviceError wrapping the open failure", err)
		}
		if !strings.Contains(err.Error(), "boom: no such card") {
			t.Fatalf("error %q does not say why", err)
		}
		_, err = f.reg.Dial(ctx, "Console/dsp", nil)
		if c := channel.CauseOf(err); c != channel.CauseChannelNotAvailable {
			t.Fatalf("Dial Console/dsp: %v (cause %s), want CHANUNAVAIL", err, c)
		}
		if st := f.d.Status(); st.State != "idle" {
			t.Fatalf("console left %s after a device error", st.State)
		}
		sys.openErr = nil // the card comes back: the console works again
		if _, err := f.d.Dial(ctx, "600"); err != nil {
			t.Fatal(err)
		}
		f.d.Hangup()
		f.waitEvent(t, EventHangup)
	})
	t.Run("Start", func(t *testing.T) {
		sys := newFakeSystem()
		sys.startErr = boom
		f := newFixture(t, Config{}, sys)
		_, err := f.reg.Dial(context.Background(), "Console/dsp", nil)
		var de *DeviceError
		if !errors.As(err, &de) || de.Op != "start" || !errors.Is(err, boom) {
			t.Fatalf("Dial: %v, want a start DeviceError", err)
		}
		if !sys.device(t).isClosed() {
			t.Fatal("device not closed after a failed start")
		}
	})
	t.Run("List", func(t *testing.T) {
		sys := newFakeSystem()
		sys.listErr = &DeviceError{Op: "list", Err: boom}
		f := newFixture(t, Config{}, sys)
		l, err := f.d.Devices()
		if !errors.Is(err, ErrDevice) || l.Capture == nil || l.Playback == nil {
			t.Fatalf("Devices: %+v, %v", l, err)
		}
	})
}

func TestBusy(t *testing.T) {
	h := func(ctx context.Context, ch *channel.Channel, _, _ string) { <-ch.Done() }
	f := newFixture(t, Config{Handler: h}, newFakeSystem())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := f.d.Dial(ctx, "600"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.Dial(ctx, "601"); !errors.Is(err, ErrBusy) {
		t.Fatalf("second Dial: %v, want ErrBusy", err)
	}
	_, err := f.reg.Dial(ctx, "Console/dsp", nil)
	if !errors.Is(err, ErrBusy) || channel.CauseOf(err) != channel.CauseUserBusy {
		t.Fatalf("Dial Console/dsp while busy: %v, want ErrBusy with USER_BUSY", err)
	}
	f.d.Hangup()
	f.waitEvent(t, EventHangup)
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, Config{}, newFakeSystem())
	ctx := context.Background()
	if _, err := f.d.Request(ctx, "hw:0", nil); !errors.Is(err, ErrBadDest) {
		t.Fatalf("Request(hw:0): %v", err)
	}
	if _, err := f.d.Dial(ctx, "600"); !errors.Is(err, ErrNoHandler) {
		t.Fatalf("Dial without a handler: %v", err)
	}
	g := newFixture(t, Config{Handler: func(context.Context, *channel.Channel, string, string) {}}, newFakeSystem())
	for _, dest := range []string{"", "@ctx", "6 00"} {
		if _, err := g.d.Dial(ctx, dest); !errors.Is(err, ErrBadDest) {
			t.Fatalf("Dial(%q): %v, want ErrBadDest", dest, err)
		}
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.d.Dial(done, "600"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial with a cancelled ctx: %v", err)
	}
}

func TestCloseHangsUpAndRefuses(t *testing.T) {
	h, bind := withRunner(t, echoPlan)
	sys := newFakeSystem()
	f := newFixture(t, Config{Handler: h}, sys)
	bind(f.reg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := f.d.Dial(ctx, "600"); err != nil {
		t.Fatal(err)
	}
	if err := f.d.Close(); err != nil {
		t.Fatal(err)
	}
	if e := f.waitEvent(t, EventHangup); e.Cause != channel.CauseSystemShutdown {
		t.Fatalf("hangup event %+v", e)
	}
	if !sys.device(t).isClosed() {
		t.Fatal("device open after Close")
	}
	if _, err := f.d.Dial(ctx, "600"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Dial after Close: %v", err)
	}
}

func TestDevicesFake(t *testing.T) {
	sys := newFakeSystem()
	f := newFixture(t, Config{}, sys)
	l, err := f.d.Devices()
	if err != nil || l.Backend != "default" || l.Capture == nil || l.Playback == nil || len(l.Capture)+len(l.Playback) != 0 {
		t.Fatalf("no sound card: %+v, %v; want empty lists, no error", l, err)
	}
	sys.list = DeviceList{Capture: []DeviceInfo{{ID: "01", Name: "Mic", Default: true}}}
	if l, err = f.d.Devices(); err != nil || len(l.Capture) != 1 || l.Capture[0].Name != "Mic" || l.Playback == nil {
		t.Fatalf("Devices: %+v, %v", l, err)
	}
}

func TestConfig(t *testing.T) {
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: quiet})
	for name, cfg := range map[string]Config{
		"rate":        {Registry: reg, Rate: 44100},
		"backend":     {Registry: reg, Backend: "oss4"},
		"no registry": {},
	} {
		if _, err := newDriver(cfg, newFakeSystem()); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
	for _, rate := range Rates {
		d, err := newDriver(Config{Registry: reg, Rate: rate, Backend: "NULL"}, newFakeSystem())
		if err != nil {
			t.Fatal(err)
		}
		want, _ := format.SLin(rate)
		if d.Format() != want || d.frameBytes != rate/50*2 {
			t.Fatalf("rate %d: format %s, %d bytes per frame", rate, d.Format(), d.frameBytes)
		}
	}
}
