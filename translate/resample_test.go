package translate

import (
	"bytes"
	"math"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
)

func TestResampleKeepsFrequency(t *testing.T) {
	// Given one second of a 1013 Hz sine at 8 kHz (not commensurate with the
	// sample rate, so the delay search has a single answer), When it is
	// resampled 8 -> 16 -> 48 -> 8 kHz frame by frame, Then the tone is
	// still at 1013 Hz at every stage, its level is unchanged, and the round
	// trip matches the input after the chain's fixed delay.
	r := NewRegistry()
	ref := sine(8000, 8000, 1013, 10000, 0)
	s16 := run(t, mustBuild(t, r, format.SLin8, format.SLin16), format.SLin8, slinBytes(ref), 320)
	s48 := run(t, mustBuild(t, r, format.SLin16, format.SLin48), format.SLin16, s16, 640)
	s8 := run(t, mustBuild(t, r, format.SLin48, format.SLin8), format.SLin48, s48, 1920)

	stages := []struct {
		name string
		pcm  []byte
		rate int
	}{{"16 kHz", s16, 16000}, {"48 kHz", s48, 48000}, {"back to 8 kHz", s8, 8000}}
	for _, st := range stages {
		t.Run(st.name, func(t *testing.T) {
			x := slinValues(st.pcm)
			if len(x) != st.rate {
				t.Fatalf("%d samples, want %d", len(x), st.rate)
			}
			if hz := peakFrequency(x[st.rate/10:], st.rate, 900, 1100); hz != 1013 {
				t.Errorf("peak at %.0f Hz, want 1013 Hz", hz)
			}
			// Level: the RMS after warm-up is that of the input (10000/sqrt 2).
			var sum float64
			tail := x[st.rate/10:]
			for _, v := range tail {
				sum += float64(v) * float64(v)
			}
			if rms := math.Sqrt(sum / float64(len(tail))); math.Abs(rms-10000/math.Sqrt2) > 0.01*10000 {
				t.Errorf("RMS %.0f, want %.0f", rms, 10000/math.Sqrt2)
			}
		})
	}
	t.Run("round trip SNR", func(t *testing.T) {
		snr, lag := alignedSNR(ref, slinValues(s8), 200, 100)
		t.Logf("8->16->48->8 kHz round trip: SNR %.1f dB, delay %d samples", snr, lag)
		// Delay: 20 (8->16) + 10 (16->48: 20 samples at 16 kHz) + 20 (48->8).
		if want := resampleTaps/2 + resampleTaps/4 + resampleTaps/2; lag != want || snr < 80 {
			t.Errorf("SNR %.1f dB at lag %d, want >= 80 dB at lag %d", snr, lag, want)
		}
	})
}

func TestResampleRejectsImages(t *testing.T) {
	// Up-sampling must not leave images of the tone above the old Nyquist
	// frequency, and down-sampling must not alias high tones into the band.
	r := NewRegistry()
	t.Run("8 to 48 kHz: image of 1 kHz at 7 kHz is below -60 dB", func(t *testing.T) {
		x := slinValues(run(t, mustBuild(t, r, format.SLin8, format.SLin48), format.SLin8, slinBytes(sine(8000, 8000, 1000, 10000, 0)), 320))
		x = x[4800:]
		ratio := 10 * math.Log10(goertzel(x, 48000, 7000)/goertzel(x, 48000, 1000))
		t.Logf("image rejection %.1f dB", ratio)
		if ratio > -60 {
			t.Errorf("image at 7 kHz is %.1f dB below the tone, want 60", -ratio)
		}
	})
	t.Run("48 to 8 kHz: a 10 kHz tone is removed, not aliased to 2 kHz", func(t *testing.T) {
		x := slinValues(run(t, mustBuild(t, r, format.SLin48, format.SLin8), format.SLin48, slinBytes(sine(48000, 48000, 10000, 10000, 0)), 1920))
		x = x[800:]
		var sum float64
		for _, v := range x {
			sum += float64(v) * float64(v)
		}
		rms := math.Sqrt(sum / float64(len(x)))
		level := 20 * math.Log10(rms/(10000/math.Sqrt2))
		t.Logf("10 kHz tone after 48->8 kHz: %.1f dB", level)
		if level > -60 {
			t.Errorf("residual %.1f dB, want below -60 dB", level)
		}
	})
}

func TestResampleFrameEdges(t *testing.T) {
	// Given a sine cut into frames of uneven sizes, When each frame is
	// resampled in turn, Then the output equals resampling the whole signal
	// as one frame: the filter history and decimation phase carry over, so
	// there is no discontinuity at frame edges.
	sizes := []int{160, 7, 1, 33, 80, 240, 3, 5, 150}
	r := NewRegistry()
	tests := []struct{ src, dst format.Format }{
		{format.SLin8, format.SLin16}, {format.SLin8, format.SLin48}, {format.SLin16, format.SLin48},
		{format.SLin16, format.SLin8}, {format.SLin48, format.SLin8}, {format.SLin48, format.SLin16},
	}
	for _, tc := range tests {
		t.Run(tc.src.Name+" to "+tc.dst.Name, func(t *testing.T) {
			in := slinBytes(sine(4000, tc.src.Rate(), 440, 12000, 0))
			whole := run(t, mustBuild(t, r, tc.src, tc.dst), tc.src, in, len(in))

			p := mustBuild(t, r, tc.src, tc.dst)
			var pieces []byte
			for off, i := 0, 0; off < len(in); i++ {
				end := min(off+2*sizes[i%len(sizes)], len(in))
				out, err := p.Translate(voice(tc.src, in[off:end], uint32(off/2)))
				if err != nil {
					t.Fatal(err)
				}
				if out != nil {
					if out.Samples*2 != len(out.Payload) {
						t.Fatalf("samples %d, payload %d", out.Samples, len(out.Payload))
					}
					pieces = append(pieces, out.Payload...)
					out.Release()
				}
				off = end
			}
			if !bytes.Equal(pieces, whole) {
				t.Errorf("frame-by-frame output (%d bytes) differs from one-go output (%d bytes)", len(pieces), len(whole))
			}
			wantLen := 2 * ((len(in) / 2 * tc.dst.Rate() / tc.src.Rate()) + 0)
			if tc.dst.Rate() < tc.src.Rate() {
				m := tc.src.Rate() / tc.dst.Rate()
				wantLen = 2 * ((len(in)/2 + m - 1) / m)
			}
			if len(whole) != wantLen {
				t.Errorf("output %d bytes, want %d", len(whole), wantLen)
			}
			// And no jump larger than the sine's steepest step at the
			// output rate (plus a margin for filter ripple).
			// The first filter length of output is the filter's start-up
			// ringing (the sine starts abruptly at full slope) and is skipped.
			x := slinValues(pieces)
			limit := 12000 * 2 * math.Pi * 440 / float64(tc.dst.Rate()) * 1.1
			for i := (resampleTaps + 1) * max(tc.dst.Rate()/tc.src.Rate(), 1); i < len(x); i++ {
				if d := math.Abs(float64(x[i]) - float64(x[i-1])); d > limit {
					t.Fatalf("jump of %.0f at sample %d, limit %.0f", d, i, limit)
				}
			}
		})
	}
}

func TestResamplePassBand(t *testing.T) {
	// Given tones across the telephone band, When up-sampled from 8 to
	// 48 kHz, Then their level changes by less than 0.25 dB up to 3.4 kHz.
	r := NewRegistry()
	for _, hz := range []float64{100, 300, 1000, 2000, 3000, 3400} {
		ref := sine(8000, 8000, hz, 10000, 0)
		x := slinValues(run(t, mustBuild(t, r, format.SLin8, format.SLin48), format.SLin8, slinBytes(ref), 320))[4800:]
		gain := 10 * math.Log10(goertzel(x, 48000, hz)/goertzel(ref[800:], 8000, hz)/36)
		if math.Abs(gain) > 0.25 {
			t.Errorf("%.0f Hz: gain %.2f dB", hz, gain)
		}
	}
}

func TestFIRKernel(t *testing.T) {
	for _, r := range []struct{ up, down int }{{2, 1}, {3, 1}, {6, 1}, {1, 2}, {1, 3}, {1, 6}} {
		k := newFIRKernel(r.up, r.down)
		for p, c := range k.phases {
			var sum float64
			for _, v := range c {
				sum += float64(v)
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Errorf("%d/%d phase %d: DC gain %f", r.up, r.down, p, sum)
			}
		}
	}
}
