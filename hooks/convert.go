package hooks

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Signed linear helpers. Payloads are little-endian int16 (package
// translate). Saturation follows Asterisk (ast_slinear_saturated_add and
// friends): results are clamped to ±32767, so -32768 never appears.

const (
	maxSample = 32767
	minSample = -32767
)

// clamp saturates v to ±32767.
func clamp(v int32) int16 {
	if v > maxSample {
		return maxSample
	}
	if v < minSample {
		return minSample
	}
	return int16(v)
}

// decodeLE appends the samples of the little-endian payload p to dst[:0],
// growing dst only when it is too small, and returns it.
func decodeLE(dst []int16, p []byte) []int16 {
	n := len(p) / 2
	if cap(dst) < n {
		dst = make([]int16, n)
	}
	dst = dst[:n]
	for i := range dst {
		dst[i] = int16(binary.LittleEndian.Uint16(p[2*i:]))
	}
	return dst
}

// encodeLE writes s into p as little-endian samples; p holds at least
// 2*len(s) bytes.
func encodeLE(p []byte, s []int16) {
	if len(s) == 0 {
		return
	}
	_ = p[2*len(s)-1]
	for i, v := range s {
		binary.LittleEndian.PutUint16(p[2*i:], uint16(v))
	}
}

// MixInto adds src into dst sample by sample with saturation at ±32767
// (Asterisk's saturated add), over the shorter of the two.
func MixInto(dst, src []int16) {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i := range dst {
		dst[i] = clamp(int32(dst[i]) + int32(src[i]))
	}
}

// ApplyGain scales samples in place with Asterisk's volume semantics: a
// gain above 0 multiplies by gain, below 0 divides by -gain, 0 leaves the
// samples unchanged; results saturate at ±32767.
func ApplyGain(samples []int16, gain int) {
	switch {
	case gain > 0:
		g := int32(min(gain, 1<<16))
		for i, v := range samples {
			samples[i] = clamp(int32(v) * g)
		}
	case gain < 0:
		g := int32(min(-gain, 1<<16))
		for i, v := range samples {
			samples[i] = clamp(int32(v) / g)
		}
	}
}

// pathCache keeps a few translation paths of one direction of one hook,
// keyed by (source, destination) format, so a stream that alternates
// formats does not rebuild every frame. A failed build is cached too (an
// impossible conversion costs one lookup per frame, not one build). A
// pathCache is used by one goroutine at a time: the media path of one
// direction.
type pathCache struct {
	paths   channel.PathBuilder
	entries [4]pathEntry
	next    int // entry to replace next
	failed  *atomic.Uint64
}

type pathEntry struct {
	src, dst format.Format
	tr       channel.Translator
	err      error
}

// translate converts f (borrowed) to dst and returns an owned frame, or
// nil when there is no path, the path failed, or it buffered the input.
func (c *pathCache) translate(f *frame.Frame, dst format.Format) *frame.Frame {
	e := c.lookup(f.Format, dst)
	if e.err != nil {
		c.failed.Add(1)
		return nil
	}
	g, err := e.tr.Translate(f)
	if err != nil {
		c.failed.Add(1)
		return nil
	}
	return g
}

func (c *pathCache) lookup(src, dst format.Format) *pathEntry {
	for i := range c.entries {
		e := &c.entries[i]
		if (e.tr != nil || e.err != nil) && e.src.Is(src) && e.dst.Is(dst) {
			return e
		}
	}
	e := &c.entries[c.next]
	c.next = (c.next + 1) % len(c.entries)
	*e = pathEntry{src: src, dst: dst}
	switch {
	case c.paths == nil:
		e.err = fmt.Errorf("hooks: %s to %s: no path builder", src, dst)
	case src.IsZero():
		e.err = fmt.Errorf("hooks: voice frame without a format")
	default:
		e.tr, e.err = c.paths.Build(src, dst)
	}
	return e
}

// converter turns one direction's voice frames into signed linear samples
// and, for hooks that change audio, back into the frame's format. It is
// used by one goroutine at a time (the channel serialises calls into a
// hook) and owns its scratch memory, which grows to the largest frame seen
// and is then reused: steady state allocates nothing but pooled frames.
type converter struct {
	cache pathCache
	buf   []int16      // decoded samples
	dec   *frame.Frame // decoded slin frame between begin and commit
}

func (c *converter) init(paths channel.PathBuilder, failed *atomic.Uint64) {
	c.cache = pathCache{paths: paths, failed: failed}
}

// samplesAt returns f's audio as signed linear at rate (for spies). The
// result aliases the converter's buffer until the next call. ok is false
// when f could not be converted (or a resampler buffered it).
func (c *converter) samplesAt(f *frame.Frame, dst format.Format) (s []int16, ok bool) {
	if f.Format.Is(dst) {
		c.buf = decodeLE(c.buf, f.Payload)
		return c.buf, true
	}
	g := c.cache.translate(f, dst)
	if g == nil {
		return nil, false
	}
	c.buf = decodeLE(c.buf, g.Payload)
	g.Release()
	return c.buf, true
}

// begin decodes f to signed linear at f's own sample rate for editing. The
// samples alias the converter's buffer; the caller edits them and then
// calls commit exactly once. ok false means f cannot be edited (commit must
// not be called).
func (c *converter) begin(f *frame.Frame) (s []int16, rate int, ok bool) {
	if f.Format.IsSLin() {
		c.buf = decodeLE(c.buf, f.Payload)
		return c.buf, f.Format.Rate(), true
	}
	dst, ok := format.SLin(f.Format.Rate())
	if !ok {
		c.cache.failed.Add(1)
		return nil, 0, false
	}
	g := c.cache.translate(f, dst)
	if g == nil {
		return nil, 0, false
	}
	c.dec = g
	c.buf = decodeLE(c.buf, g.Payload)
	return c.buf, dst.Rate(), true
}

// commit finishes an edit begun on f. When changed is false the original
// frame goes on untouched. A signed linear frame is rewritten in place;
// any other format is encoded back into a new frame the hook owns (the
// channel releases f). If encoding fails the original goes on unchanged.
func (c *converter) commit(f *frame.Frame, changed bool) *frame.Frame {
	g := c.dec
	c.dec = nil
	if g == nil { // f is signed linear
		if changed {
			encodeLE(f.Payload, c.buf)
		}
		return f
	}
	defer g.Release()
	if !changed {
		return f
	}
	encodeLE(g.Payload, c.buf)
	out := c.cache.translate(g, f.Format)
	if out == nil {
		return f
	}
	out.Format = f.Format
	out.Stream = f.Stream
	return out
}
