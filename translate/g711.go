package translate

import (
	"github.com/zaf/g711"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// G.711 steps use zaf/g711's per-sample functions (table lookups for
// decoding), which allocate nothing; its whole-buffer functions allocate
// per call and are not used. All G.711 steps keep the 8000 Hz clock, so
// timestamps pass through unchanged. G.711 keeps no state between frames,
// but each stream still gets its own instance.

// ulawDecoder converts µ-law (G.711 PCMU) to 8 kHz signed linear.
type ulawDecoder struct{ dst format.Format }

var _ Translator = (*ulawDecoder)(nil)

func (t *ulawDecoder) Translate(in *frame.Frame) (*frame.Frame, error) {
	n := len(in.Payload)
	if n == 0 {
		return nil, nil
	}
	out := newOutput(in, t.dst, 2*n, n, in.Timestamp)
	p := out.Payload
	for i, b := range in.Payload {
		putSample(p, i, g711.DecodeUlawFrame(b))
	}
	return out, nil
}

// alawDecoder converts A-law (G.711 PCMA) to 8 kHz signed linear.
type alawDecoder struct{ dst format.Format }

var _ Translator = (*alawDecoder)(nil)

func (t *alawDecoder) Translate(in *frame.Frame) (*frame.Frame, error) {
	n := len(in.Payload)
	if n == 0 {
		return nil, nil
	}
	out := newOutput(in, t.dst, 2*n, n, in.Timestamp)
	p := out.Payload
	for i, b := range in.Payload {
		putSample(p, i, g711.DecodeAlawFrame(b))
	}
	return out, nil
}

// ulawEncoder converts 8 kHz signed linear to µ-law.
type ulawEncoder struct{ dst format.Format }

var _ Translator = (*ulawEncoder)(nil)

func (t *ulawEncoder) Translate(in *frame.Frame) (*frame.Frame, error) {
	n, err := slinSamples(in.Payload)
	if err != nil || n == 0 {
		return nil, err
	}
	out := newOutput(in, t.dst, n, n, in.Timestamp)
	src, p := in.Payload, out.Payload
	for i := range p {
		p[i] = g711.EncodeUlawFrame(getSample(src, i))
	}
	return out, nil
}

// alawEncoder converts 8 kHz signed linear to A-law.
type alawEncoder struct{ dst format.Format }

var _ Translator = (*alawEncoder)(nil)

func (t *alawEncoder) Translate(in *frame.Frame) (*frame.Frame, error) {
	n, err := slinSamples(in.Payload)
	if err != nil || n == 0 {
		return nil, err
	}
	out := newOutput(in, t.dst, n, n, in.Timestamp)
	src, p := in.Payload, out.Payload
	for i := range p {
		p[i] = g711.EncodeAlawFrame(getSample(src, i))
	}
	return out, nil
}

// ulawToALaw transcodes µ-law to A-law directly (one table lookup per
// byte), without going through signed linear.
type ulawToALaw struct{ dst format.Format }

var _ Translator = (*ulawToALaw)(nil)

func (t *ulawToALaw) Translate(in *frame.Frame) (*frame.Frame, error) {
	n := len(in.Payload)
	if n == 0 {
		return nil, nil
	}
	out := newOutput(in, t.dst, n, n, in.Timestamp)
	p := out.Payload
	for i, b := range in.Payload {
		p[i] = g711.Ulaw2AlawFrame(b)
	}
	return out, nil
}

// alawToULaw transcodes A-law to µ-law directly.
type alawToULaw struct{ dst format.Format }

var _ Translator = (*alawToULaw)(nil)

func (t *alawToULaw) Translate(in *frame.Frame) (*frame.Frame, error) {
	n := len(in.Payload)
	if n == 0 {
		return nil, nil
	}
	out := newOutput(in, t.dst, n, n, in.Timestamp)
	p := out.Payload
	for i, b := range in.Payload {
		p[i] = g711.Alaw2UlawFrame(b)
	}
	return out, nil
}
