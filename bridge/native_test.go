package bridge

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// nativeMock is a mock driver that can relay natively (as the SIP driver
// will): it records StartNative/StopNative calls.
type nativeMock struct {
	*channeltest.Mock
	mu       sync.Mutex
	refuse   bool  // NativeCompatible answers false
	startErr error // StartNative fails
	relaying bool
	starts   int
	stops    int
}

var _ NativeRTP = (*nativeMock)(nil)

func newNativeMock(spec string) func(t *testing.T) *nativeMock {
	return func(t *testing.T) *nativeMock { return &nativeMock{Mock: channeltest.NewMock(topo(t, spec))} }
}

func (n *nativeMock) NativeCompatible(peer channel.Tech) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, ok := peer.(*nativeMock)
	return ok && !n.refuse
}

func (n *nativeMock) StartNative(channel.Tech) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.starts++
	if n.startErr != nil {
		return n.startErr
	}
	n.relaying = true
	return nil
}

func (n *nativeMock) StopNative() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.relaying {
		n.stops++
	}
	n.relaying = false
	return nil
}

func (n *nativeMock) state() (relaying bool, starts, stops int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.relaying, n.starts, n.stops
}

// wrapped hides a Tech behind a wrapper that exposes Unwrap, as a
// recording or tracing wrapper would.
type wrapped struct{ channel.Tech }

func (w wrapped) Unwrap() channel.Tech { return w.Tech }

type nativePair struct {
	b      *Bridge
	na, nb *nativeMock
	a, c   *channel.Channel
	ev     *events
}

func newNativePair(t *testing.T, na, nb *nativeMock, wrapB bool) *nativePair {
	t.Helper()
	reg := newReg(t)
	ev := newEvents()
	b := testBridge(t, Config{OnEvent: ev.on})
	p := &nativePair{b: b, na: na, nb: nb, ev: ev}
	p.a = newChan(t, reg, na, "SIP/a")
	var techB channel.Tech = nb
	if wrapB {
		techB = wrapped{nb}
	}
	p.c = newChan(t, reg, techB, "SIP/b")
	for _, ch := range []*channel.Channel{p.a, p.c} {
		if err := ch.Answer(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	join(t, b, p.a)
	join(t, b, p.c)
	synctest.Wait()
	return p
}

// TestNative covers issue 4 (bridges).
func TestNative(t *testing.T) {
	ulaw := newNativeMock("audio:sendrecv:ulaw")

	bubble(t, "given two answered channels whose drivers relay natively then the bridge is native and both relay", func(t *testing.T) {
		p := newNativePair(t, ulaw(t), ulaw(t), true)
		if got := p.b.Technology(); got != "native" {
			t.Fatalf("technology %q, want native", got)
		}
		for _, n := range []*nativeMock{p.na, p.nb} {
			if relaying, starts, _ := n.state(); !relaying || starts != 1 {
				t.Errorf("relaying %v after %d starts, want relaying after 1", relaying, starts)
			}
		}
		// Frames that still come through the core (DTMF) are passed on.
		p.na.Inject(frame.NewDTMF(frame.DTMFEnd, '1', 100e6))
		synctest.Wait()
		fs := drain(p.nb.Mock)
		if len(fs) != 1 || fs[0].Digit != '1' {
			t.Errorf("B got %v, want the digit", fs)
		}
		releaseAll(fs)
	})

	bubble(t, "given a native bridge when a hook that needs audio is attached then it falls back to simple at the next check", func(t *testing.T) {
		p := newNativePair(t, ulaw(t), ulaw(t), false)
		if got := p.b.Technology(); got != "native" {
			t.Fatalf("technology %q, want native", got)
		}
		if _, err := p.a.AttachFrameHook(channel.DefaultStreams, channel.FrameHookFunc(func(_ channel.HookEvent, f *frame.Frame) *frame.Frame { return f })); err != nil {
			t.Fatal(err)
		}
		// Nobody tells the bridge: the periodic check (virtual time) finds it.
		timeout := time.After(10 * DefaultNativeCheckInterval)
		for done := false; !done; {
			select {
			case ev := <-p.ev.ch:
				done = ev.Type == EventTechnology && ev.Technology == "simple"
			case <-timeout:
				t.Fatal("still native 10 checks after a hook was attached")
			}
		}
		if got := p.b.Technology(); got != "simple" {
			t.Fatalf("technology %q, want simple", got)
		}
		for _, n := range []*nativeMock{p.na, p.nb} {
			if relaying, _, stops := n.state(); relaying || stops != 1 {
				t.Errorf("relaying %v after %d stops, want stopped once", relaying, stops)
			}
		}
		// Media now flows through the core, hook included.
		g := newTone(t, format.ULaw, 500, 0.3, 0)
		p.na.Inject(g.next(t))
		synctest.Wait()
		fs := drain(p.nb.Mock)
		if len(fs) != 1 || fs[0].Kind != frame.Voice {
			t.Errorf("B got %v, want one voice frame", fs)
		}
		releaseAll(fs)
	})

	bubble(t, "given a native bridge when one side re-offers another codec then it falls back to simple", func(t *testing.T) {
		p := newNativePair(t, ulaw(t), ulaw(t), false)
		p.nb.RemoteChange(topo(t, "audio:sendrecv:alaw"))
		synctest.Wait()
		if got := p.b.Technology(); got != "simple" {
			t.Errorf("technology %q after the formats diverged, want simple", got)
		}
	})

	bubble(t, "given a native bridge when a member is muted then it falls back to simple, and back when unmuted", func(t *testing.T) {
		p := newNativePair(t, ulaw(t), ulaw(t), false)
		p.b.Mute(p.a, true)
		if got := p.b.Technology(); got != "simple" {
			t.Errorf("technology %q while muted, want simple", got)
		}
		p.b.Mute(p.a, false)
		if got := p.b.Technology(); got != "native" {
			t.Errorf("technology %q after unmute, want native", got)
		}
	})

	for name, tc := range map[string]struct {
		a, b  func(*nativeMock)
		plain bool
	}{
		"given a driver that refuses the peer then the bridge is simple": {a: func(n *nativeMock) { n.refuse = true }},
		"given StartNative failing then the bridge falls back to simple": {b: func(n *nativeMock) { n.startErr = errors.New("no relay") }},
		"given different codecs then the bridge is simple":               {b: func(n *nativeMock) { n.Mock = channeltest.NewMock(topo(t, "audio:sendrecv:alaw")) }},
	} {
		bubble(t, name, func(t *testing.T) {
			na, nb := ulaw(t), ulaw(t)
			if tc.a != nil {
				tc.a(na)
			}
			if tc.b != nil {
				tc.b(nb)
			}
			p := newNativePair(t, na, nb, false)
			if got := p.b.Technology(); got != "simple" {
				t.Errorf("technology %q, want simple", got)
			}
			for _, n := range []*nativeMock{na, nb} {
				if relaying, _, _ := n.state(); relaying {
					t.Error("a driver is still relaying")
				}
			}
		})
	}

	bubble(t, "given a driver without the native capability then the bridge is simple", func(t *testing.T) {
		reg := newReg(t)
		b := testBridge(t, Config{})
		a := newChan(t, reg, ulaw(t), "SIP/a")
		c := newChan(t, reg, channeltest.NewMock(nil), "Mock/b")
		a.Answer(context.Background())
		c.Answer(context.Background())
		join(t, b, a)
		join(t, b, c)
		synctest.Wait()
		if got := b.Technology(); got != "simple" {
			t.Errorf("technology %q, want simple", got)
		}
	})
}
