package hooks_test

import (
	"context"
	"io"
	"testing"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/hooks"
)

// sink is a Tech whose WriteFrame does nothing, to measure the write path.
type sink struct {
	done chan struct{}
	topo *topology.Topology
}

func (s *sink) Call(context.Context) error       { return nil }
func (s *sink) Answer(context.Context) error     { return nil }
func (s *sink) Hangup(channel.Cause) error       { close(s.done); return nil }
func (s *sink) ReadFrame() (*frame.Frame, error) { <-s.done; return nil, io.EOF }
func (s *sink) WriteFrame(*frame.Frame) error    { return nil }
func (s *sink) Topology() *topology.Topology     { return s.topo }

// sinkChannel returns a channel on a sink driver with one audio stream of
// format f.
func sinkChannel(tb testing.TB, f format.Format) *channel.Channel {
	tb.Helper()
	r := channel.NewRegistry(channel.RegistryConfig{Logger: quiet})
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		r.Shutdown(ctx)
	})
	c, err := r.NewChannel(channel.Config{
		Tech: &sink{done: make(chan struct{}), topo: topology.FromFormats(format.NewCaps(f))},
		Name: "Sink/bench",
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// spyAndVolume attaches a both-ways spy and a gain-2 volume to c's default
// audio stream.
func spyAndVolume(tb testing.TB, c *channel.Channel) (*hooks.Spy, *hooks.Volume) {
	tb.Helper()
	s := newSpy(tb, hooks.SpyConfig{Paths: paths})
	v, err := hooks.NewVolume(hooks.VolumeConfig{ReadGain: 2, WriteGain: 2, Paths: paths})
	mustNil(tb, err, "NewVolume")
	mustNil(tb, s.Attach(c, ""), "attach spy")
	mustNil(tb, v.Attach(c, ""), "attach volume")
	return s, v
}

// process runs one 20 ms frame through the spy and the volume as the
// channel would, releasing a replacement frame.
func process(s *hooks.Spy, v *hooks.Volume, f *frame.Frame) {
	g := s.AudioFrame(channel.DirRead, f)
	g = v.AudioFrame(channel.DirRead, g)
	if g != f {
		g.Release()
	}
}

var benchFormats = []format.Format{format.SLin8, format.ULaw}

func BenchmarkSpyManipulate(b *testing.B) {
	for _, fm := range benchFormats {
		b.Run(fm.Name, func(b *testing.B) {
			c := sinkChannel(b, fm)
			s, v := spyAndVolume(b, c)
			f := encode(b, fm, newTone(440, 0.3).next())
			defer f.Release()
			b.ReportAllocs()
			for b.Loop() {
				process(s, v, f)
			}
		})
	}
}

// BenchmarkChannelWriteSpyManipulate measures a channel write of a 20 ms
// frame with a spy and a volume attached, core overhead included.
func BenchmarkChannelWriteSpyManipulate(b *testing.B) {
	for _, fm := range benchFormats {
		b.Run(fm.Name, func(b *testing.B) {
			c := sinkChannel(b, fm)
			spyAndVolume(b, c)
			f := encode(b, fm, newTone(440, 0.3).next())
			defer f.Release()
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Write(f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkWhisper(b *testing.B) {
	for _, fm := range benchFormats {
		b.Run(fm.Name, func(b *testing.B) {
			c := sinkChannel(b, fm)
			w := newWhisper(b, hooks.WhisperConfig{Paths: paths})
			mustNil(b, w.Attach(c, ""), "attach")
			f := encode(b, fm, newTone(440, 0.3).next())
			defer f.Release()
			add := newTone(1000, 0.3).next()
			b.ReportAllocs()
			for b.Loop() {
				w.Write(add)
				if g := w.AudioFrame(channel.DirWrite, f); g != f {
					g.Release()
				}
			}
		})
	}
}

func BenchmarkSpyReadFrameMixed(b *testing.B) {
	c := sinkChannel(b, format.SLin8)
	s := newSpy(b, hooks.SpyConfig{})
	mustNil(b, s.Attach(c, ""), "attach")
	f := encode(b, format.SLin8, newTone(440, 0.3).next())
	defer f.Release()
	b.ReportAllocs()
	for b.Loop() {
		s.AudioFrame(channel.DirRead, f)
		s.AudioFrame(channel.DirWrite, f)
		g, err := s.ReadFrame(hooks.DirBoth, frameLen)
		if err != nil {
			b.Fatal(err)
		}
		g.Release()
	}
}

func TestSteadyStateAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race")
	}
	for _, fm := range benchFormats {
		t.Run("SpyAndVolume/"+fm.Name, func(t *testing.T) {
			c := sinkChannel(t, fm)
			s, v := spyAndVolume(t, c)
			f := encode(t, fm, newTone(440, 0.3).next())
			defer f.Release()
			if n := testing.AllocsPerRun(200, func() { process(s, v, f) }); n != 0 {
				t.Fatalf("spy + volume on %s allocate %v per frame", fm.Name, n)
			}
		})
		t.Run("ChannelWrite/"+fm.Name, func(t *testing.T) {
			c := sinkChannel(t, fm)
			spyAndVolume(t, c)
			f := encode(t, fm, newTone(440, 0.3).next())
			defer f.Release()
			if n := testing.AllocsPerRun(200, func() { c.Write(f) }); n != 0 {
				t.Fatalf("channel write with spy + volume on %s allocates %v per frame", fm.Name, n)
			}
		})
		t.Run("Whisper/"+fm.Name, func(t *testing.T) {
			c := sinkChannel(t, fm)
			w := newWhisper(t, hooks.WhisperConfig{Paths: paths})
			mustNil(t, w.Attach(c, ""), "attach")
			f := encode(t, fm, newTone(440, 0.3).next())
			defer f.Release()
			add := newTone(1000, 0.3).next()
			n := testing.AllocsPerRun(200, func() {
				w.Write(add)
				if g := w.AudioFrame(channel.DirWrite, f); g != f {
					g.Release()
				}
			})
			if n != 0 {
				t.Fatalf("whisper on %s allocates %v per frame", fm.Name, n)
			}
		})
	}
	t.Run("SpyMixedRead", func(t *testing.T) {
		c := sinkChannel(t, format.SLin8)
		s := newSpy(t, hooks.SpyConfig{})
		mustNil(t, s.Attach(c, ""), "attach")
		f := encode(t, format.SLin8, newTone(440, 0.3).next())
		defer f.Release()
		n := testing.AllocsPerRun(200, func() {
			s.AudioFrame(channel.DirRead, f)
			s.AudioFrame(channel.DirWrite, f)
			g, err := s.ReadFrame(hooks.DirBoth, frameLen)
			if err != nil {
				t.Fatal(err)
			}
			g.Release()
		})
		if n != 0 {
			t.Fatalf("spy feed + mixed read allocates %v per frame", n)
		}
	})
}
