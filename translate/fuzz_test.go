package translate

import (
	"errors"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
)

// FuzzDecoders feeds arbitrary bytes, as read from the network, to every
// step that decodes an encoded payload, and to the encoders and resamplers
// that read signed linear. Property: no panic; either a clean error
// (ErrBadPayload) or an output whose length follows from the input length
// (and, for Opus, from the packet's TOC byte).
func FuzzDecoders(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0xff, 0x7f, 0x00, 0x80})
	f.Add(make([]byte, 160))
	f.Add(opusPacket(31, false, 1, 80))
	f.Add(opusPacket(9, true, 1, 40))
	f.Add(opusPacket(22, false, 3, 20))
	f.Add(opusPacket(15, true, 1, 60))
	f.Add([]byte{31<<3 | 3, 0})
	f.Add([]byte{1<<3 | 1, 0xfe, 0xfe})
	r := NewRegistry()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range r.Steps() {
			tr := s.New()
			out, err := tr.Translate(voice(s.Src, data, 0))
			if err != nil {
				if !errors.Is(err, ErrBadPayload) {
					t.Fatalf("%s: unexpected error %v", s, err)
				}
				if out != nil {
					t.Fatalf("%s: output with an error", s)
				}
				if s.Src.IsSLin() && len(data)%2 == 0 {
					t.Fatalf("%s: error on an even-length slin payload: %v", s, err)
				}
				continue
			}
			if len(data) == 0 {
				if out != nil {
					t.Fatalf("%s: output for an empty payload", s)
				}
				continue
			}
			want, ok := expectedSamples(s, data)
			switch {
			case out == nil && (!ok || want == 0):
				continue
			case out == nil:
				t.Fatalf("%s: no output for %d bytes", s, len(data))
			}
			if ok && out.Samples != want {
				t.Fatalf("%s: %d samples for %d bytes, want %d", s, out.Samples, len(data), want)
			}
			if got := payloadBytes(s.Dst, out.Samples); len(out.Payload) != got {
				t.Fatalf("%s: %d payload bytes for %d samples", s, len(out.Payload), out.Samples)
			}
			out.Release()
		}
	})
}

// expectedSamples returns how many output samples a fresh instance of step
// s produces for payload data, when that is known.
func expectedSamples(s Step, data []byte) (int, bool) {
	n := len(data)
	switch {
	case s.Src.Is(format.Opus):
		return opusSamples(data), true
	case s.Src.Is(format.G722):
		return 2 * n, true
	case s.Dst.Is(format.G722):
		return n / 2 / 2 * 2, true // pairs of samples; an odd one waits
	case s.Src.IsSLin() && s.Dst.IsSLin():
		in, rs, rd := n/2, s.Src.Rate(), s.Dst.Rate()
		if rd > rs {
			return in * (rd / rs), true
		}
		m := rs / rd
		return (in + m - 1) / m, true
	case s.Src.IsSLin():
		return n / 2, true
	}
	return n, true // G.711 byte to byte or byte to sample
}
