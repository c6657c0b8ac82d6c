package bridge

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// party is one conference participant played by a mock phone: it sends a
// tone in its codec and decodes what it hears.
type party struct {
	mock  *channeltest.Mock
	ch    *channel.Channel
	j     *joined
	tone  *tone
	heard *listener
}

type conference struct {
	t       *testing.T
	b       *Bridge
	reg     *channel.Registry
	parties []*party
}

func newConference(t *testing.T, cfg Config) *conference {
	t.Helper()
	cfg.Conference = true
	b := testBridge(t, cfg)
	return &conference{t: t, b: b, reg: newReg(t)}
}

// add joins a participant speaking codec f that plays hz (0: silent).
func (c *conference) add(f format.Format, hz float64, opts ...JoinOption) *party {
	c.t.Helper()
	spec := "audio:sendrecv:" + f.Name
	p := &party{mock: channeltest.NewMock(topo(c.t, spec)), heard: newListener(f.Rate())}
	p.ch = newChan(c.t, c.reg, p.mock, fmt.Sprintf("Mock/p%d", len(c.parties)))
	if hz > 0 {
		p.tone = newTone(c.t, f, hz, 0.2, 0)
	}
	p.j = join(c.t, c.b, p.ch, opts...)
	c.parties = append(c.parties, p)
	synctest.Wait()
	return p
}

// tick makes every live party send 20 ms, runs one mixer step and
// collects what every party was sent.
func (c *conference) tick() {
	c.t.Helper()
	for _, p := range c.parties {
		if p.tone != nil && p.ch.HangupCause() == 0 {
			p.mock.Inject(p.tone.next(c.t))
		}
	}
	synctest.Wait() // every member goroutine has buffered its frame
	c.b.mixOnce()
	for _, p := range c.parties {
		for _, f := range drain(p.mock) {
			if f.Kind == frame.Voice {
				p.heard.add(c.t, f)
			}
			f.Release()
		}
	}
}

// reset forgets what everybody heard so far.
func (c *conference) reset() {
	for _, p := range c.parties {
		p.heard.samples = p.heard.samples[:0]
	}
}

// check asserts that p hears exactly the tones in hear among all.
func (c *conference) check(name string, p *party, all []float64, hear map[float64]bool) {
	c.t.Helper()
	skip := p.heard.rate / 50 * 3 // resampler and codec start-up
	for _, hz := range all {
		a := p.heard.amplitude(hz, skip)
		switch {
		case hear[hz] && a < 0.12:
			c.t.Errorf("%s: %v Hz amplitude %.3f, want ≈0.2 (heard)", name, hz, a)
		case !hear[hz] && a > 0.01:
			c.t.Errorf("%s: %v Hz amplitude %.3f, want ≈0 (not heard)", name, hz, a)
		}
	}
}

// TestConference covers issue 4 (bridges).
func TestConference(t *testing.T) {
	codecsOf := []format.Format{format.ULaw, format.ALaw, format.SLin16, format.G722, format.ULaw}
	freqs := []float64{500, 700, 900, 1100, 1300}

	bubble(t, "given 5 participants each playing its own tone when mixed then each hears the other four and not itself", func(t *testing.T) {
		c := newConference(t, Config{})
		for i, f := range codecsOf {
			c.add(f, freqs[i])
		}
		if got := c.b.Technology(); got != "mixing" {
			t.Fatalf("technology %q", got)
		}
		if rate := c.b.cur.(*mixing).snap.Load().rate; rate != 16000 {
			t.Errorf("mixing rate %d, want 16000 (slin16 and g722 present)", rate)
		}
		for range 30 {
			c.tick()
		}
		for i, p := range c.parties {
			hear := map[float64]bool{}
			for j, hz := range freqs {
				hear[hz] = j != i
			}
			c.check(fmt.Sprintf("participant %d (%s)", i, codecsOf[i]), p, freqs, hear)
			if n := len(p.heard.samples); n < p.heard.rate/2 {
				t.Errorf("participant %d heard %d samples in 30 ticks", i, n)
			}
		}
	})

	bubble(t, "given a running conference when a participant leaves mid-call then the others stop hearing it and keep hearing the rest", func(t *testing.T) {
		c := newConference(t, Config{})
		for i, f := range codecsOf {
			c.add(f, freqs[i])
		}
		for range 10 {
			c.tick()
		}
		gone := c.parties[2]
		gone.ch.Hangup(channel.CauseNormalClearing)
		if r := gone.j.wait(t); r != LeaveHangup {
			t.Errorf("left with %v", r)
		}
		synctest.Wait()
		c.reset()
		for range 20 {
			c.tick()
		}
		for i, p := range c.parties {
			if p == gone {
				continue
			}
			hear := map[float64]bool{}
			for j, hz := range freqs {
				hear[hz] = j != i && j != 2
			}
			c.check(fmt.Sprintf("participant %d", i), p, freqs, hear)
		}
		if n := len(c.b.Members()); n != 4 {
			t.Errorf("%d members, want 4", n)
		}
	})

	bubble(t, "given a muted participant then nobody hears it and it still hears the others", func(t *testing.T) {
		c := newConference(t, Config{})
		a := c.add(format.ULaw, 500)
		b := c.add(format.ULaw, 700, WithMuted(true))
		x := c.add(format.ULaw, 900)
		for range 20 {
			c.tick()
		}
		all := []float64{500, 700, 900}
		c.check("a", a, all, map[float64]bool{900: true})
		c.check("muted b", b, all, map[float64]bool{500: true, 900: true})
		c.check("x", x, all, map[float64]bool{500: true})
		c.b.Mute(b.ch, false)
		c.reset()
		for range 20 {
			c.tick()
		}
		c.check("a after unmute", a, all, map[float64]bool{700: true, 900: true})
	})

	bubble(t, "given a talker when it starts and stops then talking and silent events are reported", func(t *testing.T) {
		ev := newEvents()
		c := newConference(t, Config{OnEvent: ev.on, TalkHangover: 100e6})
		talker := c.add(format.ULaw, 500)
		c.add(format.ULaw, 0)
		for range 5 {
			c.tick()
		}
		talking := ev.of(EventTalking)
		if len(talking) != 1 || talking[0].Channel != talker.ch {
			t.Fatalf("talking events %v, want one for the talker", talking)
		}
		talker.tone = nil
		for range 10 {
			c.tick()
		}
		silent := ev.of(EventSilent)
		if len(silent) != 1 || silent[0].Channel != talker.ch {
			t.Errorf("silent events %v, want one for the talker", silent)
		}
	})

	bubble(t, "given an 8 kHz conference when a 48 kHz participant joins then the mix moves to 48 kHz", func(t *testing.T) {
		c := newConference(t, Config{})
		a := c.add(format.ULaw, 500)
		b := c.add(format.ULaw, 700)
		for range 5 {
			c.tick()
		}
		w := c.add(format.SLin48, 900)
		if rate := c.b.cur.(*mixing).snap.Load().rate; rate != 48000 {
			t.Fatalf("rate %d, want 48000", rate)
		}
		for _, p := range []*party{a, b, w} {
			if got := p.ch.ReadFormat(-1); got != format.SLin48 {
				t.Errorf("%s read format %s, want slin48", p.ch, got)
			}
		}
		c.reset()
		for range 20 {
			c.tick()
		}
		all := []float64{500, 700, 900}
		c.check("a", a, all, map[float64]bool{700: true, 900: true})
		c.check("wideband", w, all, map[float64]bool{500: true, 700: true})
	})
}

// TestUpgradeToMixing covers issue 4 (bridges).
func TestUpgradeToMixing(t *testing.T) {
	bubble(t, "given a two-party call carrying a tone when a third party joins then the bridge mixes and media keeps flowing", func(t *testing.T) {
		ev := newEvents()
		reg := newReg(t)
		b := testBridge(t, Config{OnEvent: ev.on})
		c := &conference{t: t, b: b, reg: reg}
		a := c.add(format.ULaw, 500)
		x := c.add(format.ALaw, 700)
		if got := b.Technology(); got != "simple" {
			t.Fatalf("technology %q, want simple", got)
		}
		// Simple: each frame is forwarded as it arrives, no mixer tick.
		for range 10 {
			a.mock.Inject(a.tone.next(t))
			x.mock.Inject(x.tone.next(t))
			synctest.Wait()
		}
		for _, p := range []*party{a, x} {
			fs := drain(p.mock)
			if len(fs) != 10 {
				t.Errorf("%s got %d frames from its peer, want 10", p.ch, len(fs))
			}
			releaseAll(fs)
		}

		third := c.add(format.G722, 900)
		if got := b.Technology(); got != "mixing" {
			t.Fatalf("technology %q after the third joined, want mixing", got)
		}
		for _, p := range c.parties {
			if got := p.ch.ReadFormat(-1); got != format.SLin16 {
				t.Errorf("%s read format %s, want slin16", p.ch, got)
			}
		}
		techs := ev.of(EventTechnology)
		if len(techs) != 1 || techs[0].Technology != "mixing" {
			t.Errorf("technology events %v, want one: mixing", techs)
		}
		for _, p := range c.parties {
			if d := member(t, b, p.ch).dropped.Load(); d != 0 {
				t.Errorf("%s: %d frames dropped across the switch", p.ch, d)
			}
		}
		c.reset()
		for range 20 {
			c.tick()
		}
		all := []float64{500, 700, 900}
		c.check("a", a, all, map[float64]bool{700: true, 900: true})
		c.check("x", x, all, map[float64]bool{500: true, 900: true})
		c.check("third", third, all, map[float64]bool{500: true, 700: true})

		// A member that leaves a conference lives on with its read format
		// restored.
		b.Remove(a.ch)
		a.j.wait(t)
		if got := a.ch.ReadFormat(-1); !got.IsZero() {
			t.Errorf("read format after leaving %s, want none", got)
		}
	})

	bubble(t, "given the switch pending when a member's frames arrive then the old technology forwards them", func(t *testing.T) {
		reg := newReg(t)
		b := testBridge(t, Config{})
		c := &conference{t: t, b: b, reg: reg}
		a := c.add(format.ULaw, 500)
		x := c.add(format.ULaw, 700)
		// Freeze the switch half way: the third member joins, A is asked to
		// read slin, but its goroutine is busy with a burst of frames
		// already queued; whatever it reads before switching must reach X.
		for range 5 {
			a.mock.Inject(a.tone.next(t))
		}
		c.add(format.ULaw, 900)
		got := 0
		for _, f := range drain(x.mock) {
			if f.Kind == frame.Voice {
				got++
			}
			f.Release()
		}
		var mixed int
		if p := member(t, b, a.ch).part.Load(); p != nil {
			p.mu.Lock()
			mixed = p.n / 160
			p.mu.Unlock()
		}
		if got+mixed != 5 {
			t.Errorf("of A's 5 frames, %d reached X directly and %d the mixer: %d lost", got, mixed, 5-got-mixed)
		}
	})

	bubble(t, "given three members with the switch pending when the pair talks then simple keeps forwarding between them and the newcomer waits", func(t *testing.T) {
		reg := newReg(t)
		b := testBridge(t, Config{})
		c := &conference{t: t, b: b, reg: reg}
		a := c.add(format.ULaw, 500)
		x := c.add(format.ULaw, 700)
		n := c.add(format.ULaw, 900)
		// The bridge mixes by now; drive the simple technology as it ran
		// during the switch, with the same three members.
		drainAndRelease(a.mock, x.mock, n.mock)
		for _, tc := range []struct {
			from *party
			to   map[*party]int
		}{
			{a, map[*party]int{x: 1}},
			{x, map[*party]int{a: 1}},
			{n, map[*party]int{}},
		} {
			f := tc.from.tone.next(t)
			b.simple.Write(member(t, b, tc.from.ch), f)
			f.Release()
			for _, p := range []*party{a, x, n} {
				fs := drain(p.mock)
				if len(fs) != tc.to[p] {
					t.Errorf("frame from %s: %s got %d frames, want %d", tc.from.ch, p.ch, len(fs), tc.to[p])
				}
				releaseAll(fs)
			}
		}
	})
}

// jitterMock is a mock channel whose driver has a jitter buffer switch
// (as the SIP driver does); it records every call.
type jitterMock struct {
	*channeltest.Mock

	mu    sync.Mutex
	calls []bool
}

func (j *jitterMock) SetJitterBuffer(on bool) error {
	j.mu.Lock()
	j.calls = append(j.calls, on)
	j.mu.Unlock()
	return nil
}

func (j *jitterMock) switched() []bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.calls)
}

// TestJitterBufferSwitch: audio relayed by a two-party bridge keeps the
// sender's timing, audio the mixer terminates goes through the driver's
// jitter buffer (DESIGN.md §10, issue 5).
func TestJitterBufferSwitch(t *testing.T) {
	bubble(t, "given two parties then their jitter buffers are off, when a third joins then all are on", func(t *testing.T) {
		reg := newReg(t)
		b := testBridge(t, Config{})
		var ms []*jitterMock
		add := func() {
			jm := &jitterMock{Mock: channeltest.NewMock(nil)}
			ms = append(ms, jm)
			join(t, b, newChan(t, reg, jm, fmt.Sprintf("Mock/j%d", len(ms))))
			synctest.Wait()
		}
		add()
		add()
		for i, jm := range ms {
			if got := jm.switched(); !slices.Equal(got, []bool{false}) {
				t.Errorf("party %d in a two-party bridge: switched %v, want [false]", i, got)
			}
		}
		add()
		if got := b.Technology(); got != "mixing" {
			t.Fatalf("technology %q, want mixing", got)
		}
		for i, jm := range ms {
			want := []bool{false, true}
			if i == 2 {
				want = []bool{true} // the newcomer went straight to the mixer's wish
			}
			if got := jm.switched(); !slices.Equal(got, want) {
				t.Errorf("party %d after the switch to mixing: switched %v, want %v", i, got, want)
			}
		}
	})

	bubble(t, "given a conference when a participant joins then its jitter buffer is on, found through a Tech wrapper", func(t *testing.T) {
		reg := newReg(t)
		b := testBridge(t, Config{Conference: true})
		jm := &jitterMock{Mock: channeltest.NewMock(nil)}
		join(t, b, newChan(t, reg, wrappedTech{jm}, "Mock/wrapped"))
		synctest.Wait()
		if got := jm.switched(); !slices.Equal(got, []bool{true}) {
			t.Errorf("switched %v, want [true]", got)
		}
	})
}

// wrappedTech wraps a Tech, as a Local channel or a fault injector would.
type wrappedTech struct{ channel.Tech }

func (w wrappedTech) Unwrap() channel.Tech { return w.Tech }
