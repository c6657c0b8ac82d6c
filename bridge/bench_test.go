package bridge

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
)

// sink is a driver half that discards what it is written and never reads:
// it measures the bridge, not a driver.
type sink struct {
	topo    *topology.Topology
	done    chan struct{}
	once    sync.Once
	written int
}

var (
	_ channel.Tech        = (*sink)(nil)
	_ channel.Multistream = (*sink)(nil)
)

func newSink(t *topology.Topology) *sink { return &sink{topo: t.Snapshot(), done: make(chan struct{})} }

func (s *sink) Topology() *topology.Topology  { return s.topo }
func (s *sink) Call(context.Context) error    { return nil }
func (s *sink) Answer(context.Context) error  { return nil }
func (s *sink) WriteFrame(*frame.Frame) error { s.written++; return nil }
func (s *sink) ReadFrame() (*frame.Frame, error) {
	<-s.done
	return nil, io.EOF
}

func (s *sink) Hangup(channel.Cause) error {
	s.once.Do(func() { close(s.done) })
	return nil
}

var quiet = slog.New(slog.DiscardHandler)

// joinAll builds a manual bridge from cfg, joins chans on goroutines of
// their own and returns once every one is a member; cleanup closes the
// bridge and waits for the Joins.
func joinAll(tb testing.TB, cfg Config, reg *channel.Registry, chans ...*channel.Channel) *Bridge {
	tb.Helper()
	joined := make(chan struct{}, len(chans))
	cfg.Logger = quiet
	cfg.OnEvent = func(e Event) {
		if e.Type == EventJoined {
			joined <- struct{}{}
		}
	}
	b, err := newBridge(cfg, true)
	if err != nil {
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, ch := range chans {
		wg.Go(func() { b.Join(context.Background(), ch) })
	}
	tb.Cleanup(func() {
		b.Close()
		wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		reg.Shutdown(ctx)
	})
	timeout := time.After(10 * time.Second)
	for range chans {
		select {
		case <-joined:
		case <-timeout:
			tb.Fatal("members did not join within 10 s")
		}
	}
	return b
}

// forwardSetup joins two sink channels (A in format fa, B in fb) to a
// two-party bridge and returns A's member and a source of A's frames.
func forwardSetup(tb testing.TB, fa, fb format.Format) (*Bridge, *Member, func() *frame.Frame) {
	tb.Helper()
	reg := channel.NewRegistry(channel.RegistryConfig{Translator: codecs, Logger: quiet})
	a := newChan(tb, reg, newSink(topo(tb, "audio:sendrecv:"+fa.Name)), "Sink/a")
	c := newChan(tb, reg, newSink(topo(tb, "audio:sendrecv:"+fb.Name)), "Sink/b")
	b := joinAll(tb, Config{}, reg, a, c)
	m := b.member(a)
	in := newTone(tb, fa, 500, 0.3, 0).next(tb)
	tb.Cleanup(in.Release)
	return b, m, func() *frame.Frame {
		f := frame.Get(len(in.Payload))
		copy(f.Payload, in.Payload)
		f.Kind, f.Format, f.Stream, f.Samples = frame.Voice, fa, 0, in.Samples
		return f
	}
}

// TestForwardAllocs: the two-party forwarding step allocates nothing in
// steady state, with and without translation.
func TestForwardAllocs(t *testing.T) {
	for _, tc := range []struct{ a, b format.Format }{
		{format.ULaw, format.ULaw},
		{format.ULaw, format.ALaw},
		{format.SLin16, format.ULaw},
	} {
		t.Run(fmt.Sprintf("given %s to %s when a frame is forwarded then nothing is allocated", tc.a, tc.b), func(t *testing.T) {
			if raceEnabled {
				t.Skip("allocation counts are meaningless under -race")
			}
			b, m, next := forwardSetup(t, tc.a, tc.b)
			for range 10 {
				b.handle(m, next())
			}
			if n := testing.AllocsPerRun(200, func() { b.handle(m, next()) }); n != 0 {
				t.Errorf("%v allocations per forwarded frame, want 0", n)
			}
			if d := m.dropped.Load(); d != 0 {
				t.Errorf("%d frames dropped", d)
			}
		})
	}
}

// mixSetup builds a manual conference of n sink participants speaking f
// and returns the mixer and a function that feeds every participant one
// frame of input.
func mixSetup(tb testing.TB, n int, f format.Format) (*mixing, func()) {
	tb.Helper()
	reg := channel.NewRegistry(channel.RegistryConfig{Translator: codecs, Logger: quiet})
	chans := make([]*channel.Channel, n)
	for i := range chans {
		chans[i] = newChan(tb, reg, newSink(topo(tb, "audio:sendrecv:"+f.Name)), fmt.Sprintf("Sink/%d", i))
	}
	b := joinAll(tb, Config{Conference: true}, reg, chans...)
	mx := b.cur.(*mixing)
	rate := mx.snap.Load().rate
	in := newTone(tb, mustSLin(rate), 500, 0.1, 0).next(tb)
	tb.Cleanup(in.Release)
	return mx, func() {
		for _, p := range mx.snap.Load().parts {
			p.push(in.Payload, rate)
		}
	}
}

func mustSLin(rate int) format.Format {
	f, _ := format.SLin(rate)
	return f
}

// TestMixAllocs: a mixing tick allocates nothing in steady state, also
// when every participant's output is translated to its codec.
func TestMixAllocs(t *testing.T) {
	for _, f := range []format.Format{format.SLin8, format.SLin48, format.ULaw} {
		t.Run(fmt.Sprintf("given 5 %s participants when the mixer ticks then nothing is allocated", f), func(t *testing.T) {
			if raceEnabled {
				t.Skip("allocation counts are meaningless under -race")
			}
			mx, feed := mixSetup(t, 5, f)
			for range 10 {
				feed()
				mx.mixOnce()
			}
			if n := testing.AllocsPerRun(100, func() { feed(); mx.mixOnce() }); n != 0 {
				t.Errorf("%v allocations per tick, want 0", n)
			}
		})
	}
}

func BenchmarkForward(b *testing.B) {
	for _, tc := range []struct{ a, b format.Format }{
		{format.ULaw, format.ULaw},
		{format.ULaw, format.ALaw},
		{format.SLin16, format.ULaw},
	} {
		b.Run(fmt.Sprintf("%s-%s", tc.a, tc.b), func(b *testing.B) {
			br, m, next := forwardSetup(b, tc.a, tc.b)
			b.ReportAllocs()
			for b.Loop() {
				br.handle(m, next())
			}
		})
	}
}

func BenchmarkMixTick(b *testing.B) {
	// slin participants measure the mixer alone; ulaw ones add the write
	// path's encoding of every participant's output.
	for _, f := range []format.Format{format.SLin8, format.SLin48, format.ULaw} {
		for _, n := range []int{3, 10, 50} {
			b.Run(fmt.Sprintf("%s/%d", f, n), func(b *testing.B) {
				mx, feed := mixSetup(b, n, f)
				b.ReportAllocs()
				for b.Loop() {
					feed()
					mx.mixOnce()
				}
			})
		}
	}
}
