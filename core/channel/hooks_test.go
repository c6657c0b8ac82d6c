package channel_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// recorder is a frame hook that logs its events and applies an action.
type recorder struct {
	mu     sync.Mutex
	name   string
	log    *[]string
	action func(f *frame.Frame) *frame.Frame
}

func (h *recorder) FrameEvent(ev channel.HookEvent, f *frame.Frame) *frame.Frame {
	h.mu.Lock()
	defer h.mu.Unlock()
	*h.log = append(*h.log, h.name+":"+ev.String())
	if f == nil || h.action == nil {
		return f
	}
	return h.action(f)
}

func TestFrameHooks(t *testing.T) {
	r := newReg(t)
	tp := topo(t, "audio:sendrecv:ulaw", "audio:sendrecv:ulaw")

	t.Run("GivenTwoHooks_ThenCalledInAttachOrderWithAttachedFirst", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		var log []string
		c.AttachFrameHook(channel.DefaultStreams, &recorder{name: "a", log: &log})
		c.AttachFrameHook(channel.DefaultStreams, &recorder{name: "b", log: &log})
		m.Inject(voice(0, format.ULaw, 1))
		readNext(t, c, false).Release()
		want := []string{"a:attached", "b:attached", "a:read", "b:read"}
		if !equal(log, want) {
			t.Fatalf("log %v, want %v", log, want)
		}
	})
	t.Run("GivenHookReplaces_ThenChainRestartsSkippingTheReplacer", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		var log []string
		c.AttachFrameHook(channel.DefaultStreams, &recorder{name: "a", log: &log})
		c.AttachFrameHook(channel.DefaultStreams, &recorder{name: "b", log: &log, action: func(f *frame.Frame) *frame.Frame {
			g := f.Clone()
			g.Payload[0] = 99
			return g
		}})
		c.AttachFrameHook(channel.DefaultStreams, &recorder{name: "c", log: &log})
		log = nil
		m.Inject(voice(0, format.ULaw, 1))
		f := readNext(t, c, false)
		defer f.Release()
		want := []string{"a:read", "b:read", "a:read", "c:read"}
		if !equal(log, want) {
			t.Fatalf("log %v, want %v", log, want)
		}
		if f.Payload[0] != 99 {
			t.Fatal("replacement frame not delivered")
		}
	})
	t.Run("GivenHookConsumes_ThenFrameNotDelivered", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		var log []string
		c.AttachFrameHook(channel.DefaultStreams, &recorder{name: "eat", log: &log, action: func(f *frame.Frame) *frame.Frame {
			if f.Kind == frame.Voice && f.Payload[0] == 1 {
				return nil
			}
			return f
		}})
		m.Inject(voice(0, format.ULaw, 1))
		m.Inject(voice(0, format.ULaw, 2))
		f := readNext(t, c, false)
		defer f.Release()
		if f.Payload[0] != 2 {
			t.Fatalf("got payload %d, want the second frame", f.Payload[0])
		}
	})
	t.Run("GivenHookDetachesInsideCallback_ThenDetachedOnceAndNoMoreEvents", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		var log []string
		var id channel.HookID
		h := &recorder{name: "self", log: &log}
		h.action = func(f *frame.Frame) *frame.Frame {
			if err := c.DetachHook(id); err != nil {
				t.Errorf("detach inside: %v", err)
			}
			return f
		}
		id, _ = c.AttachFrameHook(channel.DefaultStreams, h)
		m.Inject(voice(0, format.ULaw, 1))
		m.Inject(voice(0, format.ULaw, 2))
		readNext(t, c, false).Release()
		readNext(t, c, false).Release()
		want := []string{"self:attached", "self:read", "self:detached"}
		if !equal(log, want) {
			t.Fatalf("log %v, want %v", log, want)
		}
		if err := c.DetachHook(id); !errors.Is(err, channel.ErrNoHook) {
			t.Fatalf("second detach: %v", err)
		}
	})
	t.Run("GivenHookOnStream1_ThenSeesOnlyStream1ViaReadStreamAndWriteStream", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		var log []string
		c.AttachFrameHook("audio-1", &recorder{name: "s1", log: &log, action: func(f *frame.Frame) *frame.Frame {
			f.Payload[0] += 100
			return f
		}})
		log = nil
		m.Inject(voice(0, format.ULaw, 1))
		m.Inject(voice(1, format.ULaw, 2))
		f0 := readNext(t, c, true)
		f1 := readNext(t, c, true)
		if f0.Payload[0] != 1 || f1.Payload[0] != 102 {
			t.Fatalf("payloads %d %d, want 1 and 102", f0.Payload[0], f1.Payload[0])
		}
		f0.Release()
		f1.Release()
		w := voice(-1, format.ULaw, 5)
		c.WriteStream(1, w)
		c.WriteStream(0, w)
		w.Release()
		a, b := written(t, m), written(t, m)
		if a.Payload[0] != 105 {
			t.Fatalf("hook on stream 1 did not edit the written frame: %d", a.Payload[0])
		}
		if a.Stream != 1 || b.Stream != 0 {
			t.Fatalf("streams %d %d", a.Stream, b.Stream)
		}
		a.Release()
		b.Release()
		want := []string{"s1:read", "s1:write"}
		if !equal(log, want) {
			t.Fatalf("log %v, want %v", log, want)
		}
	})
	t.Run("GivenHangup_ThenDetachedDelivered", func(t *testing.T) {
		c := newChan(t, r, channeltest.NewMock(tp))
		var log []string
		c.AttachFrameHook(channel.AllStreams, &recorder{name: "h", log: &log})
		c.Hangup(0)
		want := []string{"h:attached", "h:detached"}
		if !equal(log, want) {
			t.Fatalf("log %v, want %v", log, want)
		}
	})
	t.Run("GivenKindFilterWithoutVoice_ThenNoAudioNeeded", func(t *testing.T) {
		c := newChan(t, r, channeltest.NewMock(tp))
		if c.NeedsAudio() {
			t.Fatal("fresh channel needs audio")
		}
		c.AttachFrameHook(channel.DefaultStreams, dtmfOnly{})
		if c.NeedsAudio() {
			t.Fatal("a DTMF-only hook should not need audio")
		}
		id, _ := c.AttachAudioHook(channel.DefaultStreams, gain{})
		if !c.NeedsAudio() {
			t.Fatal("audio hook attached but NeedsAudio false")
		}
		c.DetachHook(id)
		if c.NeedsAudio() {
			t.Fatal("detached audio hook still counted")
		}
	})
}

type dtmfOnly struct{}

func (dtmfOnly) FrameEvent(_ channel.HookEvent, f *frame.Frame) *frame.Frame { return f }
func (dtmfOnly) WantsKind(k frame.Kind) bool                                 { return k == frame.DTMFEnd }

type gain struct{}

func (gain) AudioFrame(_ channel.Direction, f *frame.Frame) *frame.Frame { return f }

func TestAudioHooksPerStream(t *testing.T) {
	r := newReg(t)
	m := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw", "audio:sendrecv:ulaw"))
	c := newChan(t, r, m)
	var mu sync.Mutex
	var seen []string
	c.AttachAudioHook("audio-1", audioFunc(func(d channel.Direction, f *frame.Frame) *frame.Frame {
		mu.Lock()
		seen = append(seen, d.String())
		mu.Unlock()
		return f
	}))
	m.Inject(voice(0, format.ULaw, 1))
	m.Inject(voice(1, format.ULaw, 1))
	readNext(t, c, true).Release()
	readNext(t, c, true).Release()
	w := voice(-1, format.ULaw, 1)
	c.WriteStream(0, w)
	c.WriteStream(1, w)
	w.Release()
	written(t, m).Release()
	written(t, m).Release()
	mu.Lock()
	defer mu.Unlock()
	if !equal(seen, []string{"read", "write"}) {
		t.Fatalf("audio hook on stream 1 saw %v, want one read and one write", seen)
	}
}

type audioFunc func(channel.Direction, *frame.Frame) *frame.Frame

func (fn audioFunc) AudioFrame(d channel.Direction, f *frame.Frame) *frame.Frame { return fn(d, f) }

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
