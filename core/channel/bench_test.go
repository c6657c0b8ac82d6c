package channel_test

import (
	"testing"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
)

// sink is a Tech whose WriteFrame does nothing, to measure the core's own
// write path.
type sink struct{ done chan struct{} }

func (s *sink) Call(ctxT) error                  { return nil }
func (s *sink) Answer(ctxT) error                { return nil }
func (s *sink) Hangup(channel.Cause) error       { close(s.done); return nil }
func (s *sink) ReadFrame() (*frame.Frame, error) { <-s.done; return nil, errEOF }
func (s *sink) WriteFrame(*frame.Frame) error    { return nil }
func (s *sink) Topology() *topology.Topology {
	return topology.FromFormats(format.NewCaps(format.ULaw, format.H264))
}

func BenchmarkWriteEmptyChain(b *testing.B) {
	r := newReg(b)
	c := newChan(b, r, &sink{done: make(chan struct{})})
	f := voice(-1, format.ULaw, 0)
	defer f.Release()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Write(f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteStreamEmptyChain(b *testing.B) {
	r := newReg(b)
	c := newChan(b, r, &sink{done: make(chan struct{})})
	f := video(-1, 0)
	defer f.Release()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteStream(1, f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteWithFrameHook(b *testing.B) {
	r := newReg(b)
	c := newChan(b, r, &sink{done: make(chan struct{})})
	c.AttachFrameHook(channel.DefaultStreams, channel.FrameHookFunc(func(_ channel.HookEvent, f *frame.Frame) *frame.Frame { return f }))
	f := voice(-1, format.ULaw, 0)
	defer f.Release()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Write(f); err != nil {
			b.Fatal(err)
		}
	}
}

func TestWriteEmptyChainAllocatesNothing(t *testing.T) {
	r := newReg(t)
	c := newChan(t, r, &sink{done: make(chan struct{})})
	f := voice(-1, format.ULaw, 0)
	defer f.Release()
	if n := testing.AllocsPerRun(100, func() { c.Write(f) }); n != 0 {
		t.Fatalf("Write allocates %v per frame", n)
	}
}
