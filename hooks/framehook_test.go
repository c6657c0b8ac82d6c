package hooks_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/hooks"
	"github.com/pbx-dev/pbx/internal/audiotest"
)

// events is a concurrency-safe event log.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	e.log = append(e.log, s)
	e.mu.Unlock()
}

func (e *events) get() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.log)
}

func (e *events) reset() {
	e.mu.Lock()
	e.log = nil
	e.mu.Unlock()
}

// logging returns a FrameHookConfig whose callbacks log name:event and
// apply act to read and written frames (nil: pass).
func logging(ev *events, name string, act func(f *frame.Frame) *frame.Frame) hooks.FrameHookConfig {
	call := func(what string) func(f *frame.Frame) *frame.Frame {
		return func(f *frame.Frame) *frame.Frame {
			ev.add(name + ":" + what)
			if act == nil {
				return f
			}
			return act(f)
		}
	}
	return hooks.FrameHookConfig{
		OnRead:     call("read"),
		OnWrite:    call("write"),
		OnAttached: func() { ev.add(name + ":attached") },
		OnDetached: func() { ev.add(name + ":detached") },
	}
}

func newFrameHook(t testing.TB, cfg hooks.FrameHookConfig) *hooks.FrameHook {
	t.Helper()
	h, err := hooks.NewFrameHook(cfg)
	mustNil(t, err, "NewFrameHook")
	return h
}

func TestFrameHook(t *testing.T) {
	t.Run("GivenTwoHooks_ThenAttachOrderAndAttachedDetachedOnce", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		var ev events
		a, b := newFrameHook(t, logging(&ev, "a", nil)), newFrameHook(t, logging(&ev, "b", nil))
		mustNil(t, a.Attach(h.c, channel.DefaultStreams), "attach a")
		mustNil(t, b.Attach(h.c, channel.DefaultStreams), "attach b")
		h.read(0, format.SLin8, silence.next())
		mustNil(t, a.Detach(), "detach a")
		mustNil(t, a.Detach(), "detach a again")
		h.write(0, format.SLin8, silence.next())
		mustNil(t, h.c.Hangup(channel.CauseNormalClearing), "hangup")
		wait(t, b.Done(), "b done at hangup")
		want := []string{"a:attached", "b:attached", "a:read", "b:read", "a:detached", "b:write", "b:detached"}
		if got := ev.get(); !slices.Equal(got, want) {
			t.Fatalf("events %v\nwant %v", got, want)
		}
	})

	t.Run("GivenHookReplaces_ThenChainRestartsWithoutTheReplacer", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		var ev events
		first := newFrameHook(t, logging(&ev, "first", nil))
		replacer := newFrameHook(t, logging(&ev, "replacer", func(f *frame.Frame) *frame.Frame {
			g := f.Clone()
			for i := range g.Payload {
				g.Payload[i] = 1
			}
			return g
		}))
		last := newFrameHook(t, logging(&ev, "last", nil))
		for _, hk := range []*hooks.FrameHook{first, replacer, last} {
			mustNil(t, hk.Attach(h.c, ""), "attach")
		}
		ev.reset()
		got := h.read(0, format.SLin8, silence.next())
		if got[0] != 0x0101 {
			t.Fatalf("application read %#x, want the replacement 0x0101", got[0])
		}
		want := []string{"first:read", "replacer:read", "first:read", "last:read"}
		if log := ev.get(); !slices.Equal(log, want) {
			t.Fatalf("events %v, want %v", log, want)
		}
	})

	t.Run("GivenHookConsumesWrites_ThenDriverGetsNothing", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		eat := newFrameHook(t, hooks.FrameHookConfig{OnWrite: func(*frame.Frame) *frame.Frame { return nil }})
		mustNil(t, eat.Attach(h.c, ""), "attach")
		w := encode(t, format.SLin8, silence.next())
		defer w.Release()
		mustNil(t, h.c.Write(w), "write")
		select {
		case f := <-h.m.Written():
			f.Release()
			t.Fatal("a consumed frame reached the driver")
		default:
		}
		mustNil(t, eat.Detach(), "detach")
		h.write(0, format.SLin8, silence.next())
	})

	t.Run("GivenHookDetachesInsideItsCallback_ThenDetachedOnceAndNoMoreEvents", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		var ev events
		var self *hooks.FrameHook
		self = newFrameHook(t, logging(&ev, "self", func(f *frame.Frame) *frame.Frame {
			if err := self.Detach(); err != nil {
				t.Errorf("detach inside: %v", err)
			}
			return f
		}))
		mustNil(t, self.Attach(h.c, ""), "attach")
		h.read(0, format.SLin8, silence.next())
		h.read(0, format.SLin8, silence.next())
		h.write(0, format.SLin8, silence.next())
		wait(t, self.Done(), "done")
		want := []string{"self:attached", "self:read", "self:detached"}
		if got := ev.get(); !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
	})

	t.Run("GivenHookDetachesInsideOnAttached_ThenItDetachesAfterAttach", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		var ev events
		var hk *hooks.FrameHook
		cfg := logging(&ev, "h", nil)
		cfg.OnAttached = func() {
			ev.add("h:attached")
			if err := hk.Detach(); err != nil {
				t.Errorf("detach: %v", err)
			}
		}
		hk = newFrameHook(t, cfg)
		mustNil(t, hk.Attach(h.c, ""), "attach")
		wait(t, hk.Done(), "done")
		h.read(0, format.SLin8, silence.next())
		if got, want := ev.get(), []string{"h:attached", "h:detached"}; !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
	})

	t.Run("GivenHookOnAudio1_ThenItWorksThroughReadStreamAndWriteStreamOnly", func(t *testing.T) {
		h := newHarness(t, twoSLin)
		var ev events
		hk := newFrameHook(t, logging(&ev, "s1", func(f *frame.Frame) *frame.Frame {
			f.Payload[0] = 7 // edit in place
			return f
		}))
		mustNil(t, hk.Attach(h.c, "audio-1"), "attach")
		ev.reset()
		r0 := h.read(0, format.SLin8, silence.next())
		r1 := h.read(1, format.SLin8, silence.next())
		w0 := h.write(0, format.SLin8, silence.next())
		w1 := h.write(1, format.SLin8, silence.next())
		if r0[0] != 0 || r1[0] != 7 || w0[0] != 0 || w1[0] != 7 {
			t.Fatalf("first samples read %d/%d, written %d/%d; want only stream 1 edited", r0[0], r1[0], w0[0], w1[0])
		}
		if got, want := ev.get(), []string{"s1:read", "s1:write"}; !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
	})

	t.Run("GivenAllStreams_ThenHookSeesEveryStream", func(t *testing.T) {
		h := newHarness(t, twoSLin)
		var ev events
		hk := newFrameHook(t, hooks.FrameHookConfig{OnRead: func(f *frame.Frame) *frame.Frame {
			ev.add(f.String())
			return f
		}})
		mustNil(t, hk.Attach(h.c, channel.AllStreams), "attach")
		h.read(0, format.SLin8, silence.next())
		h.read(1, format.SLin8, silence.next())
		if got := ev.get(); len(got) != 2 {
			t.Fatalf("saw %v, want one frame of each stream", got)
		}
	})

	t.Run("GivenKindFilter_ThenOnlyThoseKindsAndNoAudioNeeded", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		var ev events
		hk := newFrameHook(t, hooks.FrameHookConfig{
			Kinds:  []frame.Kind{frame.DTMFEnd},
			OnRead: func(f *frame.Frame) *frame.Frame { ev.add(f.Kind.String()); return f },
		})
		mustNil(t, hk.Attach(h.c, ""), "attach")
		if h.c.NeedsAudio() {
			t.Fatal("a DTMF-only frame hook makes the channel need audio")
		}
		h.read(0, format.SLin8, silence.next())
		h.m.Inject(frame.NewDTMF(frame.DTMFEnd, '5', 100*time.Millisecond))
		h.c.SetReadDeadline(time.Now().Add(timeout))
		f, err := h.c.Read()
		mustNil(t, err, "read")
		f.Release()
		if got := ev.get(); !slices.Equal(got, []string{"dtmf-end"}) {
			t.Fatalf("saw %v, want only the DTMF frame", got)
		}
		_, err = hooks.NewFrameHook(hooks.FrameHookConfig{Kinds: []frame.Kind{frame.KindUnknown}})
		mustIs(t, err, hooks.ErrConfig, "unknown kind")
	})
}

func TestDTMFDetector(t *testing.T) {
	injectRead := func(t *testing.T, h *harness, f *frame.Frame) {
		t.Helper()
		h.m.Inject(f)
		h.c.SetReadDeadline(time.Now().Add(timeout))
		g, err := h.c.Read()
		mustNil(t, err, "read")
		if g.Kind != f.Kind {
			t.Fatalf("read %s, want the %s frame passed on", g.Kind, f.Kind)
		}
		g.Release()
	}
	next := func(t *testing.T, d *hooks.DTMFDetector) hooks.Digit {
		t.Helper()
		select {
		case dg := <-d.Digits():
			return dg
		case <-time.After(timeout):
			t.Fatal("no digit")
			return hooks.Digit{}
		}
	}

	t.Run("GivenDTMFEndFrames_ThenDigitsAreReportedInOrder", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		d, err := hooks.NewDTMFDetector(hooks.DTMFConfig{})
		mustNil(t, err, "NewDTMFDetector")
		mustNil(t, d.Attach(h.c, ""), "attach")
		for _, r := range "12#" {
			injectRead(t, h, frame.NewDTMF(frame.DTMFBegin, r, 0))
			injectRead(t, h, frame.NewDTMF(frame.DTMFEnd, r, 80*time.Millisecond))
		}
		w := frame.NewDTMF(frame.DTMFEnd, '9', 0) // sent to the party: not reported
		mustNil(t, h.c.Write(w), "write digit")
		w.Release()
		var got string
		for range 3 {
			dg := next(t, d)
			if dg.Dir != hooks.DirRead || dg.Inband || dg.Duration != 80*time.Millisecond {
				t.Fatalf("digit %+v", dg)
			}
			got += dg.String()
		}
		if got != "12#" {
			t.Fatalf("digits %q, want 12#", got)
		}
		mustNil(t, d.Detach(), "detach")
		if _, ok := <-d.Digits(); ok {
			t.Fatal("digit channel open after detach")
		}
	})

	t.Run("GivenSlowReader_ThenDigitsAreDroppedNotBlocking", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		d, err := hooks.NewDTMFDetector(hooks.DTMFConfig{Buffer: 2, Direction: hooks.DirBoth})
		mustNil(t, err, "NewDTMFDetector")
		mustNil(t, d.Attach(h.c, ""), "attach")
		for _, r := range "12345" {
			w := frame.NewDTMF(frame.DTMFEnd, r, 0)
			mustNil(t, h.c.Write(w), "write digit")
			w.Release()
		}
		if d.Dropped() != 3 {
			t.Fatalf("dropped %d, want 3", d.Dropped())
		}
		if dg := next(t, d); dg.Digit != '1' || dg.Dir != hooks.DirWrite {
			t.Fatalf("first digit %+v", dg)
		}
		mustNil(t, h.c.Hangup(channel.CauseNormalClearing), "hangup")
		if dg := next(t, d); dg.Digit != '2' {
			t.Fatalf("second digit %+v", dg)
		}
		if _, ok := <-d.Digits(); ok {
			t.Fatal("digit channel open after hangup")
		}
	})

	t.Run("GivenInbandTones_ThenDigitsAreFoundInTheAudio", func(t *testing.T) {
		h := newHarness(t, oneULaw)
		d, err := hooks.NewDTMFDetector(hooks.DTMFConfig{Inband: true, Paths: paths})
		mustNil(t, err, "NewDTMFDetector")
		mustNil(t, d.Attach(h.c, ""), "attach")
		if !h.c.NeedsAudio() {
			t.Fatal("in-band detection does not mark the channel as needing audio")
		}
		for _, digit := range []struct {
			r         rune
			low, high int
		}{{'5', 770, 1336}, {'#', 941, 1477}} {
			lo, hi := audiotest.Sine(digit.low, rate, 100, 0.25), audiotest.Sine(digit.high, rate, 100, 0.25)
			tone := make([]int16, len(lo))
			for i := range tone {
				tone[i] = lo[i] + hi[i]
			}
			for i := 0; i < len(tone); i += frameLen {
				h.read(0, format.ULaw, tone[i:i+frameLen])
			}
			for range 5 {
				h.read(0, format.ULaw, silence.next())
			}
			if dg := next(t, d); dg.Digit != digit.r || !dg.Inband {
				t.Fatalf("digit %+v, want in-band %c", dg, digit.r)
			}
		}
	})
}
