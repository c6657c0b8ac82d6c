package translate

import (
	"encoding/binary"
	"fmt"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Translator converts voice frames of one format into another. It has the
// same method set as the core's channel.Translator, so a single step and a
// whole [Path] are interchangeable.
//
// Translate is called by the owner of the path (a channel's read path or
// its serialised write path), one goroutine at a time; it never blocks. It
// borrows in: it must not keep in or in.Payload after it returns. It must
// tolerate any payload length, including zero. It returns a new frame from
// [frame.Get], owned by the caller, or (nil, nil) when it produced no
// output for this input (buffered it, or the input was empty). A translator
// has no Close: dropping it is enough.
type Translator interface {
	Translate(in *frame.Frame) (*frame.Frame, error)
}

// Step describes one registered translator: a direct conversion from Src to
// Dst, and how to make per-stream instances of it. A Step is a value;
// registering it copies it.
type Step struct {
	// Name identifies the step in tables and logs; "" means "src->dst".
	Name string
	// Src and Dst are the formats the step reads and writes.
	Src, Dst format.Format
	// TableCost ranks the step in the path search. Zero means
	// [DefaultCost](Src, Dst); non-audio steps must set it.
	TableCost int
	// CompCost is the measured CPU cost in microseconds per second of output
	// audio (Asterisk's comp_cost), used only to break ties between paths of
	// equal table cost. Built-in steps carry fixed values derived from this
	// package's benchmarks so the table stays deterministic. Zero means
	// unknown and counts as 999999, so unmeasured steps lose ties.
	CompCost int
	// New returns a fresh, non-nil instance with its own per-stream state.
	// It is called by [Registry.Build] without any registry lock held,
	// possibly from several goroutines at once.
	New func() Translator
}

func (s Step) String() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Src.String() + "->" + s.Dst.String()
}

// newOutput returns a pooled voice frame of nbytes payload bytes carrying
// in's stream, marker and sequence number.
func newOutput(in *frame.Frame, dst format.Format, nbytes, samples int, ts uint32) *frame.Frame {
	out := frame.Get(nbytes)
	out.Kind = frame.Voice
	out.Format = dst
	out.Stream = in.Stream
	out.Marker = in.Marker
	out.SeqNo = in.SeqNo
	out.Timestamp = ts
	out.Samples = samples
	return out
}

// slinSamples returns the number of 16-bit samples in a signed linear
// payload, or an error for an odd byte count.
func slinSamples(p []byte) (int, error) {
	if len(p)%2 != 0 {
		return 0, fmt.Errorf("%w: odd signed linear length %d", ErrBadPayload, len(p))
	}
	return len(p) / 2, nil
}

func getSample(p []byte, i int) int16 { return int16(binary.LittleEndian.Uint16(p[2*i:])) }

func putSample(p []byte, i int, v int16) { binary.LittleEndian.PutUint16(p[2*i:], uint16(v)) }

// clampFloat rounds v to the nearest int16, saturating.
func clampFloat(v float32) int16 {
	if v >= 0 {
		v += 0.5
		if v >= 32767 {
			return 32767
		}
	} else {
		v -= 0.5
		if v <= -32768 {
			return -32768
		}
	}
	return int16(int32(v))
}

// clockMap rescales RTP timestamps from one clock rate to another. Up-scaling
// by an integer factor is a plain multiplication (consistent across uint32
// wrap-around); otherwise timestamps are mapped relative to a base that is
// moved forward in exact steps, so consecutive frames keep exact spacing
// across wrap-around.
type clockMap struct {
	num, den        int64
	set             bool
	inBase, outBase uint32
}

func newClockMap(from, to int) clockMap {
	if from <= 0 || to <= 0 {
		return clockMap{num: 1, den: 1}
	}
	g := gcd(from, to)
	return clockMap{num: int64(to / g), den: int64(from / g)}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Map returns ts expressed in the destination clock.
func (c *clockMap) Map(ts uint32) uint32 {
	switch {
	case c.den == 1 && c.num == 1:
		return ts
	case c.den == 1:
		return ts * uint32(c.num)
	}
	if !c.set {
		c.set = true
		c.inBase = ts
		c.outBase = uint32(uint64(ts) * uint64(c.num) / uint64(c.den))
	}
	d := int64(int32(ts - c.inBase))
	if d > 1<<30 || d < -(1<<30) {
		k := d / c.den * c.den
		c.inBase += uint32(k)
		c.outBase += uint32(k / c.den * c.num)
		d -= k
	}
	return c.outBase + uint32(floorDiv(d*c.num, c.den))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
