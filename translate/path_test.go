package translate

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// sampleInput returns a 20 ms payload in format f.
func sampleInput(t testing.TB, r *Registry, f format.Format) []byte {
	t.Helper()
	switch {
	case f.Is(format.Opus):
		return opusPacket(31, false, 1, 80)
	case f.IsSLin():
		return slinBytes(sine(f.Rate()/50, f.Rate(), 1000, 8000, 0))
	}
	// Encode a sine from slin at the format's rate.
	src, _ := format.SLin(f.Rate())
	p := mustBuild(t, r, src, f)
	out, err := p.Translate(voice(src, slinBytes(sine(f.Rate()/50, f.Rate(), 1000, 8000, 0)), 0))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	return bytes.Clone(out.Payload)
}

// bytesPerSample returns payload bytes per output sample, as a ratio.
func payloadBytes(f format.Format, samples int) int {
	switch {
	case f.IsSLin():
		return 2 * samples
	case f.Is(format.G722):
		return samples / 2
	}
	return samples
}

func TestPathContract(t *testing.T) {
	// For every registered step and some multi-step routes: Given a 20 ms
	// frame, When translated, Then the output is a new voice frame in the
	// destination format carrying the input's stream, marker and sequence
	// number, with Samples matching its payload, and the input is intact.
	r := NewRegistry()
	type pair struct{ src, dst format.Format }
	var pairs []pair
	for _, s := range r.Steps() {
		pairs = append(pairs, pair{s.Src, s.Dst})
	}
	pairs = append(pairs, pair{format.ALaw, format.G722}, pair{format.G722, format.ULaw}, pair{format.Opus, format.ALaw})
	for _, pr := range pairs {
		t.Run(pr.src.Name+" to "+pr.dst.Name, func(t *testing.T) {
			p := mustBuild(t, r, pr.src, pr.dst)
			payload := sampleInput(t, r, pr.src)
			keep := bytes.Clone(payload)
			in := voice(pr.src, payload, 0)
			out, err := p.Translate(in)
			if err != nil {
				t.Fatal(err)
			}
			if out == nil {
				t.Fatal("no output for a 20 ms frame")
			}
			defer out.Release()
			if out == in || !bytes.Equal(in.Payload, keep) {
				t.Error("input frame was reused or modified")
			}
			if out.Kind != frame.Voice || !out.Format.Is(pr.dst) || out.Stream != 2 || !out.Marker || out.SeqNo != 7 {
				t.Errorf("output header = %v stream %d marker %v seq %d", out, out.Stream, out.Marker, out.SeqNo)
			}
			if want := payloadBytes(pr.dst, out.Samples); len(out.Payload) != want || out.Samples == 0 {
				t.Errorf("samples %d with %d payload bytes", out.Samples, len(out.Payload))
			}
			if wantSamples := pr.dst.Rate() / 50; out.Samples != wantSamples {
				t.Errorf("samples = %d, want %d for 20 ms", out.Samples, wantSamples)
			}
		})
	}
}

func TestPathCarriesDestinationFMTP(t *testing.T) {
	dst := format.SLin16
	dst.FMTP = "x-test=1"
	p := mustBuild(t, NewRegistry(), format.ULaw, dst)
	out, err := p.Translate(voice(format.ULaw, make([]byte, 160), 0))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	if out.Format != dst {
		t.Errorf("format = %+v, want %+v", out.Format, dst)
	}
}

func TestPathTimestamps(t *testing.T) {
	r := NewRegistry()
	tests := []struct {
		name     string
		src, dst format.Format
		inTS     uint32
		step     uint32 // input timestamp increment per 20 ms
		outStep  uint32
	}{
		{"ulaw to slin16 doubles", format.ULaw, format.SLin16, 1000, 160, 320},
		{"slin48 to slin8 divides by six", format.SLin48, format.SLin8, 4800, 960, 160},
		{"g722 (8 kHz clock) to slin16 doubles", format.G722, format.SLin16, 800, 160, 320},
		{"slin16 to g722 halves", format.SLin16, format.G722, 1600, 320, 160},
		{"slin48 to ulaw keeps spacing across uint32 wrap", format.SLin48, format.ULaw, 1<<32 - 2*960, 960, 160},
		{"ulaw to slin48 keeps spacing across uint32 wrap", format.ULaw, format.SLin48, 1<<32 - 160, 160, 960},
		{"opus keeps its 48 kHz clock", format.Opus, format.SLin48, 123456, 960, 960},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustBuild(t, r, tc.src, tc.dst)
			payload := sampleInput(t, r, tc.src)
			var prev uint32
			for i := range 4 {
				out, err := p.Translate(voice(tc.src, payload, tc.inTS+uint32(i)*tc.step))
				if err != nil || out == nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if i == 0 {
					if want := uint32(uint64(tc.inTS) * uint64(tc.dst.ClockRate) / uint64(tc.src.ClockRate)); out.Timestamp != want {
						t.Errorf("first timestamp = %d, want %d", out.Timestamp, want)
					}
				} else if d := out.Timestamp - prev; d != tc.outStep {
					t.Errorf("frame %d: timestamp step %d, want %d", i, d, tc.outStep)
				}
				prev = out.Timestamp
				out.Release()
			}
		})
	}
}

func TestPathErrors(t *testing.T) {
	r := NewRegistry()
	p := mustBuild(t, r, format.SLin8, format.ULaw)
	tests := map[string]struct {
		in   *frame.Frame
		want error
	}{
		"video frame":          {&frame.Frame{Kind: frame.Video, Format: format.H264, Payload: []byte{1}}, ErrVideo},
		"control frame":        {&frame.Frame{Kind: frame.Control, Control: frame.Hangup}, ErrNotVoice},
		"DTMF frame":           {&frame.Frame{Kind: frame.DTMFEnd, Digit: '5'}, ErrNotVoice},
		"voice in another fmt": {voice(format.ALaw, make([]byte, 160), 0), ErrFormatMismatch},
		"odd slin payload":     {voice(format.SLin8, make([]byte, 161), 0), ErrBadPayload},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := p.Translate(tc.in)
			if out != nil || !errors.Is(err, tc.want) {
				t.Errorf("Translate = %v, %v; want nil, %v", out, err, tc.want)
			}
		})
	}
	t.Run("malformed opus packet", func(t *testing.T) {
		op := mustBuild(t, r, format.Opus, format.SLin48)
		// Code 3 with a frame count of zero is malformed (RFC 6716 §3.2.5).
		out, err := op.Translate(voice(format.Opus, []byte{31<<3 | 3, 0}, 0))
		if out != nil || !errors.Is(err, ErrBadPayload) {
			t.Errorf("Translate = %v, %v; want ErrBadPayload", out, err)
		}
	})
	t.Run("path stays usable after an error", func(t *testing.T) {
		out, err := p.Translate(voice(format.SLin8, make([]byte, 320), 0))
		if err != nil || out == nil || len(out.Payload) != 160 {
			t.Fatalf("Translate after error = %v, %v", out, err)
		}
		out.Release()
	})
	t.Run("empty payload gives no output and no error", func(t *testing.T) {
		out, err := p.Translate(voice(format.SLin8, nil, 0))
		if out != nil || err != nil {
			t.Errorf("Translate = %v, %v", out, err)
		}
	})
	t.Run("zero format is taken as the source format", func(t *testing.T) {
		out, err := p.Translate(&frame.Frame{Kind: frame.Voice, Payload: make([]byte, 320)})
		if err != nil || out == nil {
			t.Fatalf("Translate = %v, %v", out, err)
		}
		out.Release()
	})
}
