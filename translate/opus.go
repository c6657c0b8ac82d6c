package translate

import (
	"fmt"

	"github.com/pion/opus"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// opusMaxSamples is the longest Opus packet, 120 ms, in 48 kHz samples per
// channel (RFC 6716 §3.2.5).
const opusMaxSamples = 5760

// opusDecoder converts Opus (RFC 6716, RTP clock 48000) to 48 kHz mono
// signed linear with github.com/pion/opus, a pure-Go decoder. It decodes to
// stereo and downmixes by averaging the two channels; a mono packet comes
// out of the decoder duplicated on both channels, so the average is the
// signal itself. There is no Opus encoder in the default (pure-Go) build.
type opusDecoder struct {
	dec opus.Decoder
	dst format.Format
	pcm []float32 // interleaved stereo scratch, opusMaxSamples frames
}

var _ Translator = (*opusDecoder)(nil)

func newOpusDecoder(dst format.Format) *opusDecoder {
	dec, err := opus.NewDecoderWithOutput(48000, 2)
	if err != nil {
		// 48000 Hz stereo is always accepted; reaching this is a programmer
		// error in this package, found at construction time.
		panic("translate: opus decoder: " + err.Error())
	}
	return &opusDecoder{dec: dec, dst: dst, pcm: make([]float32, 2*opusMaxSamples)}
}

func (t *opusDecoder) Translate(in *frame.Frame) (*frame.Frame, error) {
	if len(in.Payload) == 0 {
		return nil, nil
	}
	n, err := t.dec.DecodeToFloat32(in.Payload, t.pcm)
	if err != nil {
		return nil, fmt.Errorf("%w: opus: %w", ErrBadPayload, err)
	}
	out := newOutput(in, t.dst, 2*n, n, in.Timestamp)
	pcm := t.pcm[:2*n]
	for i := range n {
		putSample(out.Payload, i, clampFloat((pcm[2*i]+pcm[2*i+1])*(0.5*32768)))
	}
	return out, nil
}
