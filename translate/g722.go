package translate

import (
	"github.com/gotranspile/g722"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// G.722 steps wrap github.com/gotranspile/g722 at 64 kbit/s, unpacked: one
// byte per pair of 16 kHz samples. G.722's RTP clock is 8000 Hz although it
// samples at 16 kHz (RFC 3551 §4.5.2), so timestamps are halved on encode
// and doubled on decode, while Samples counts 16 kHz samples on both sides.

// g722Decoder converts G.722 to 16 kHz signed linear.
type g722Decoder struct {
	dec *g722.Decoder
	dst format.Format
	clk clockMap
	pcm []int16 // scratch, reused
}

var _ Translator = (*g722Decoder)(nil)

func newG722Decoder(src, dst format.Format) *g722Decoder {
	return &g722Decoder{
		dec: g722.NewDecoder(g722.Rate64000, 0), dst: dst,
		clk: newClockMap(src.ClockRate, dst.ClockRate), pcm: make([]int16, 640),
	}
}

func (t *g722Decoder) Translate(in *frame.Frame) (*frame.Frame, error) {
	if len(in.Payload) == 0 {
		return nil, nil
	}
	if need := 2 * len(in.Payload); cap(t.pcm) < need {
		t.pcm = make([]int16, need)
	}
	pcm := t.pcm[:cap(t.pcm)]
	n := t.dec.Decode(pcm, in.Payload)
	out := newOutput(in, t.dst, 2*n, n, t.clk.Map(in.Timestamp))
	for i, v := range pcm[:n] {
		putSample(out.Payload, i, v)
	}
	return out, nil
}

// g722Encoder converts 16 kHz signed linear to G.722. The codec consumes
// samples in pairs; an odd sample left over at the end of a frame is kept
// and encoded at the start of the next one.
type g722Encoder struct {
	enc      *g722.Encoder
	dst      format.Format
	clk      clockMap
	pcm      []int16 // scratch, reused
	carry    int16
	hasCarry bool
}

var _ Translator = (*g722Encoder)(nil)

func newG722Encoder(src, dst format.Format) *g722Encoder {
	return &g722Encoder{
		enc: g722.NewEncoder(g722.Rate64000, 0), dst: dst,
		clk: newClockMap(src.ClockRate, dst.ClockRate), pcm: make([]int16, 0, 640),
	}
}

func (t *g722Encoder) Translate(in *frame.Frame) (*frame.Frame, error) {
	n, err := slinSamples(in.Payload)
	if err != nil || n == 0 {
		return nil, err
	}
	ts := in.Timestamp
	pcm := t.pcm[:0]
	if t.hasCarry {
		pcm = append(pcm, t.carry)
		ts--
	}
	for i := range n {
		pcm = append(pcm, getSample(in.Payload, i))
	}
	t.pcm = pcm
	t.hasCarry = len(pcm)%2 != 0
	if t.hasCarry {
		t.carry = pcm[len(pcm)-1]
		pcm = pcm[:len(pcm)-1]
	}
	if len(pcm) == 0 {
		return nil, nil
	}
	out := newOutput(in, t.dst, len(pcm)/2, len(pcm), t.clk.Map(ts))
	out.Payload = out.Payload[:t.enc.Encode(out.Payload, pcm)]
	return out, nil
}
