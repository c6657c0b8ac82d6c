package bridge

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/translate"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// codecs is the translation registry of every test: the real one.
var (
	codecs                     = translate.NewRegistry()
	_      channel.PathBuilder = codecs
)

// newReg returns a registry translating with package translate; it is shut
// down (every channel hung up, read pumps waited for) at cleanup.
func newReg(t testing.TB) *channel.Registry {
	r := channel.NewRegistry(channel.RegistryConfig{Translator: codecs, Logger: quiet})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return r
}

// testBridge returns a bridge whose mixer is ticked by hand (mixOnce),
// logging nowhere, closed at cleanup.
func testBridge(t testing.TB, cfg Config) *Bridge {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	b, err := newBridge(cfg, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func newChan(t testing.TB, r *channel.Registry, tech channel.Tech, name string) *channel.Channel {
	t.Helper()
	c, err := r.NewChannel(channel.Config{Tech: tech, Name: name})
	if err != nil {
		t.Fatalf("NewChannel: %v", err)
	}
	return c
}

// topo builds a topology from "type:state:formats" specs, e.g.
// "audio:sendrecv:ulaw", "video:sendonly:h264|vp8".
func topo(t testing.TB, specs ...string) *topology.Topology {
	t.Helper()
	tp := topology.New()
	for _, sp := range specs {
		parts := strings.SplitN(sp, ":", 3)
		mt, err := format.ParseMediaType(parts[0])
		if err != nil {
			t.Fatal(err)
		}
		s := stream.New("", mt)
		st, err := stream.ParseState(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		s.SetState(st)
		caps, err := format.ParseCaps(parts[2])
		if err != nil {
			t.Fatal(err)
		}
		s.SetFormats(caps)
		if _, err := tp.Append(s); err != nil {
			t.Fatal(err)
		}
	}
	return tp
}

// joined is a member's Join running on its own goroutine.
type joined struct {
	done   chan struct{}
	reason LeaveReason
	err    error
}

// join runs b.Join(ch) on a goroutine, like a channel's handler would.
func join(t testing.TB, b *Bridge, ch *channel.Channel, opts ...JoinOption) *joined {
	j := &joined{done: make(chan struct{})}
	go func() {
		defer close(j.done)
		j.reason, j.err = b.Join(context.Background(), ch, opts...)
	}()
	t.Cleanup(func() { ch.Hangup(channel.CauseNormalClearing); <-j.done })
	return j
}

// wait returns the member's leave reason once its Join returned.
func (j *joined) wait(t testing.TB) LeaveReason {
	t.Helper()
	select {
	case <-j.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Join did not return within 10 s")
	}
	if j.err != nil {
		t.Fatalf("Join: %v", j.err)
	}
	return j.reason
}

// member returns ch's Member in b.
func member(t testing.TB, b *Bridge, ch *channel.Channel) *Member {
	t.Helper()
	m := b.member(ch)
	if m == nil {
		t.Fatalf("%s is not a member of %s", ch, b)
	}
	return m
}

// tone produces 20 ms frames of a sine in a codec, encoded through a real
// translation path (stateful codecs such as G.722 keep their state).
type tone struct {
	f      format.Format
	rate   int
	hz     float64
	amp    float64
	n      int // samples generated so far
	stream int
	enc    channel.Translator // nil: f is signed linear at rate
	ts     uint32
}

func newTone(t testing.TB, f format.Format, hz, amp float64, stream int) *tone {
	t.Helper()
	g := &tone{f: f, rate: f.Rate(), hz: hz, amp: amp, stream: stream}
	src, _ := format.SLin(g.rate)
	if !src.Is(f) {
		p, err := codecs.Build(src, f)
		if err != nil {
			t.Fatalf("encoder %s: %v", f, err)
		}
		g.enc = p
	}
	return g
}

// next returns the next 20 ms frame, owned by the caller.
func (g *tone) next(t testing.TB) *frame.Frame {
	t.Helper()
	n := g.rate / 50
	f := frame.Get(2 * n)
	for i := range n {
		v := int16(math.Round(g.amp * 32767 * math.Sin(2*math.Pi*g.hz*float64(g.n+i)/float64(g.rate))))
		f.Payload[2*i] = byte(v)
		f.Payload[2*i+1] = byte(uint16(v) >> 8)
	}
	g.n += n
	f.Kind = frame.Voice
	f.Format, _ = format.SLin(g.rate)
	f.Samples = n
	f.Stream = g.stream
	f.Timestamp = g.ts
	g.ts += uint32(n)
	if g.enc == nil {
		return f
	}
	out, err := g.enc.Translate(f)
	f.Release()
	if err != nil || out == nil {
		t.Fatalf("encode %s: %v", g.f, err)
	}
	return out
}

// listener decodes the voice a channel was sent back to signed linear.
type listener struct {
	rate    int
	dec     map[string]channel.Translator
	samples []int16
}

func newListener(rate int) *listener {
	return &listener{rate: rate, dec: map[string]channel.Translator{}}
}

// add decodes voice frame f (borrowed) and appends its samples.
func (l *listener) add(t testing.TB, f *frame.Frame) {
	t.Helper()
	dst, _ := format.SLin(l.rate)
	in := f
	if !f.Format.Is(dst) {
		p := l.dec[f.Format.Name]
		if p == nil {
			var err error
			if p, err = codecs.Build(f.Format, dst); err != nil {
				t.Fatalf("decoder %s: %v", f.Format, err)
			}
			l.dec[f.Format.Name] = p
		}
		out, err := p.Translate(f)
		if err != nil {
			t.Fatalf("decode %s: %v", f.Format, err)
		}
		if out == nil {
			return
		}
		defer out.Release()
		in = out
	}
	for i := 0; i+1 < len(in.Payload); i += 2 {
		l.samples = append(l.samples, int16(uint16(in.Payload[i])|uint16(in.Payload[i+1])<<8))
	}
}

// amplitude estimates the peak amplitude (fraction of full scale) of the
// component at hz in the samples after skip, with a single DFT bin
// (Goertzel); tones whose frequency is a multiple of 50 Hz fall on exact
// bins of any whole number of 20 ms blocks and do not leak into each other.
func (l *listener) amplitude(hz float64, skip int) float64 {
	s := l.samples
	if skip < len(s) {
		s = s[skip:]
	} else {
		s = nil
	}
	n := len(s) / (l.rate / 50) * (l.rate / 50)
	if n == 0 {
		return 0
	}
	s = s[:n]
	w := 2 * math.Pi * hz / float64(l.rate)
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range s {
		s0 := float64(v) + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	re := s1 - s2*math.Cos(w)
	im := s2 * math.Sin(w)
	return 2 * math.Hypot(re, im) / float64(n) / 32767
}

// drain returns the frames the core wrote to a mock so far (owned).
func drain(m *channeltest.Mock) []*frame.Frame {
	var out []*frame.Frame
	for {
		select {
		case f := <-m.Written():
			out = append(out, f)
		default:
			return out
		}
	}
}

// releaseAll releases frames.
func releaseAll(fs []*frame.Frame) {
	for _, f := range fs {
		f.Release()
	}
}

// events collects bridge events for tests.
type events struct {
	mu   sync.Mutex
	list []Event
	ch   chan Event
}

func newEvents() *events { return &events{ch: make(chan Event, 256)} }

func (e *events) on(ev Event) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
	select {
	case e.ch <- ev:
	default:
	}
}

func (e *events) of(typ EventType) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Event
	for _, ev := range e.list {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// readUntil reads ch (not in a bridge) until a frame satisfying ok, with a
// deadline; it returns that frame (owned).
func readUntil(t testing.TB, ch *channel.Channel, ok func(*frame.Frame) bool) *frame.Frame {
	t.Helper()
	ch.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer ch.SetReadDeadline(time.Time{})
	for {
		f, err := ch.ReadStream()
		if err != nil {
			if errors.Is(err, io.EOF) {
				t.Fatalf("%s hung up", ch)
			}
			t.Fatalf("read %s: %v", ch, err)
		}
		if ok(f) {
			return f
		}
		f.Release()
	}
}
