package hooks_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/hooks"
	"github.com/pbx-dev/pbx/internal/audiotest"
	"github.com/pbx-dev/pbx/translate"
)

const (
	rate     = 8000
	frameLen = 160 // 20 ms at 8 kHz
	timeout  = 5 * time.Second
)

// paths is the translation registry the hooks under test convert with.
var paths = translate.NewRegistry()

// Topologies: one or two sendrecv audio streams named audio-0, audio-1.
const (
	oneSLin  = "<0:audio-0:audio:sendrecv (slin)>"
	twoSLin  = "<0:audio-0:audio:sendrecv (slin)> <1:audio-1:audio:sendrecv (slin)>"
	oneULaw  = "<0:audio-0:audio:sendrecv (ulaw)>"
	twoULaw  = "<0:audio-0:audio:sendrecv (ulaw)> <1:audio-1:audio:sendrecv (ulaw)>"
	oneSLin6 = "<0:audio-0:audio:sendrecv (slin16)>"
)

// harness is a channel on a mock driver. Frames "read" are injected at the
// far end and read back by the test as the application; frames "written"
// are written by the test and collected from the mock.
type harness struct {
	t testing.TB
	m *channeltest.Mock
	c *channel.Channel
}

func newHarness(t testing.TB, topo string) *harness {
	t.Helper()
	r := channel.NewRegistry(channel.RegistryConfig{Logger: quiet})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	tp, err := topology.Parse(topo)
	if err != nil {
		t.Fatalf("topology %q: %v", topo, err)
	}
	m := channeltest.NewMock(tp)
	c, err := r.NewChannel(channel.Config{Tech: m, Name: "Mock/hooks"})
	if err != nil {
		t.Fatalf("NewChannel: %v", err)
	}
	return &harness{t: t, m: m, c: c}
}

// read makes the far end send samples on stream pos in format f and
// returns what the application reads, decoded to slin8.
func (h *harness) read(pos int, f format.Format, samples []int16) []int16 {
	h.t.Helper()
	in := encode(h.t, f, samples)
	in.Stream = pos
	if !h.m.Inject(in) {
		h.t.Fatal("inject after hangup")
	}
	for {
		h.c.SetReadDeadline(time.Now().Add(timeout))
		out, err := h.c.ReadStream()
		if err != nil {
			h.t.Fatalf("read: %v", err)
		}
		if out.Kind != frame.Voice {
			out.Release()
			continue
		}
		if out.Stream != pos {
			h.t.Fatalf("read a frame of stream %d, want %d", out.Stream, pos)
		}
		defer out.Release()
		return decode(h.t, out)
	}
}

// write writes samples to stream pos in format f and returns what the
// driver received, decoded to slin8.
func (h *harness) write(pos int, f format.Format, samples []int16) []int16 {
	h.t.Helper()
	w := encode(h.t, f, samples)
	defer w.Release()
	if err := h.c.WriteStream(pos, w); err != nil {
		h.t.Fatalf("write: %v", err)
	}
	select {
	case out := <-h.m.Written():
		defer out.Release()
		if out.Stream != pos {
			h.t.Fatalf("driver got a frame of stream %d, want %d", out.Stream, pos)
		}
		return decode(h.t, out)
	case <-time.After(timeout):
		h.t.Fatal("nothing written")
		return nil
	}
}

// tone returns a generator of a freq sine at amplitude amp; next gives its
// frames.
type tone struct{ g *audiotest.Generator }

func newTone(freq float64, amp float64) tone {
	return tone{audiotest.NewGenerator(freq, rate, amp)}
}

func (t tone) next() []int16 {
	s := make([]int16, frameLen)
	if t.g != nil {
		t.g.Next(s)
	}
	return s
}

var silence = tone{}

// encode returns a pooled voice frame of format f holding samples (slin8).
func encode(t testing.TB, f format.Format, samples []int16) *frame.Frame {
	t.Helper()
	in := frame.Get(2 * len(samples))
	in.Kind = frame.Voice
	in.Format = format.SLin8
	in.Samples = len(samples)
	copy(in.Payload, audiotest.Bytes(samples))
	if f.Is(format.SLin8) {
		return in
	}
	defer in.Release()
	p, err := paths.BuildPath(format.SLin8, f)
	if err != nil {
		t.Fatalf("path slin -> %s: %v", f, err)
	}
	out, err := p.Translate(in)
	if err != nil || out == nil {
		t.Fatalf("encode %s: %v", f, err)
	}
	return out
}

// decode returns f's audio as slin8 samples.
func decode(t testing.TB, f *frame.Frame) []int16 {
	t.Helper()
	if f.Format.Is(format.SLin8) {
		return audiotest.Samples(f.Payload)
	}
	p, err := paths.BuildPath(f.Format, format.SLin8)
	if err != nil {
		t.Fatalf("path %s -> slin: %v", f.Format, err)
	}
	out, err := p.Translate(f)
	if err != nil || out == nil {
		t.Fatalf("decode %s: %v", f.Format, err)
	}
	defer out.Release()
	return audiotest.Samples(out.Payload)
}

// share returns the fraction of the power of s that sits at freq.
func share(s []int16, r int, freq float64) float64 {
	var sum float64
	for _, x := range s {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		return 0
	}
	return audiotest.Goertzel(s, r, freq) / (sum / float64(len(s)))
}

// rms returns the root mean square of s.
func rms(s []int16) float64 {
	var sum float64
	for _, x := range s {
		sum += float64(x) * float64(x)
	}
	return math.Sqrt(sum / float64(max(len(s), 1)))
}

// readSpy reads n samples of dir from s with a deadline.
func readSpy(t testing.TB, s *hooks.Spy, dir hooks.Direction, n int) []int16 {
	t.Helper()
	s.SetReadDeadline(time.Now().Add(timeout))
	f, err := s.ReadFrame(dir, n)
	if err != nil {
		t.Fatalf("spy read %s %d: %v", dir, n, err)
	}
	defer f.Release()
	if f.Samples != n || len(f.Payload) != 2*n {
		t.Fatalf("spy read %d samples (%d bytes), want %d", f.Samples, len(f.Payload), n)
	}
	return audiotest.Samples(f.Payload)
}

// wait waits for ch to close, failing the test after the timeout.
func wait(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(timeout):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func mustNil(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func mustIs(t testing.TB, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got %v, want %v", what, err, target)
	}
}

func peak(s []int16) (lo, hi int16) {
	for _, v := range s {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// quiet discards the channel core's logs.
var quiet = slog.New(slog.DiscardHandler)
