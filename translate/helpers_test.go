package translate

import (
	"math"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// sine returns n samples of a sine of frequency hz and amplitude amp at
// rate, starting at sample offset start.
func sine(n, rate int, hz, amp float64, start int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(math.Round(amp * math.Sin(2*math.Pi*hz*float64(start+i)/float64(rate))))
	}
	return s
}

func slinBytes(s []int16) []byte {
	p := make([]byte, 2*len(s))
	for i, v := range s {
		putSample(p, i, v)
	}
	return p
}

func slinValues(p []byte) []int16 {
	s := make([]int16, len(p)/2)
	for i := range s {
		s[i] = getSample(p, i)
	}
	return s
}

// voice returns a non-pooled voice frame of format f holding payload.
func voice(f format.Format, payload []byte, ts uint32) *frame.Frame {
	return &frame.Frame{Kind: frame.Voice, Format: f, Stream: 2, Payload: payload, Timestamp: ts, Marker: true, SeqNo: 7}
}

// run pushes payload through tr in frames of size bytes (the last frame may
// be shorter) and returns the concatenated output payloads, releasing every
// output frame.
func run(t testing.TB, tr Translator, f format.Format, payload []byte, size int) []byte {
	t.Helper()
	var out []byte
	for off := 0; off < len(payload); off += size {
		end := min(off+size, len(payload))
		o, err := tr.Translate(voice(f, payload[off:end], uint32(off)))
		if err != nil {
			t.Fatalf("translate at byte %d: %v", off, err)
		}
		if o != nil {
			out = append(out, o.Payload...)
			o.Release()
		}
	}
	return out
}

// mustBuild builds a path or fails the test.
func mustBuild(t testing.TB, r *Registry, src, dst format.Format) *Path {
	t.Helper()
	p, err := r.BuildPath(src, dst)
	if err != nil {
		t.Fatalf("BuildPath(%s, %s): %v", src, dst, err)
	}
	return p
}

// goertzel returns the power of x at frequency hz for sample rate rate.
func goertzel(x []int16, rate int, hz float64) float64 {
	w := 2 * math.Pi * hz / float64(rate)
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - c*s1*s2
}

// peakFrequency returns the frequency between lo and hi (1 Hz steps) where
// x has the most power.
func peakFrequency(x []int16, rate int, lo, hi float64) float64 {
	best, bestHz := -1.0, lo
	for hz := lo; hz <= hi; hz++ {
		if p := goertzel(x, rate, hz); p > best {
			best, bestHz = p, hz
		}
	}
	return bestHz
}

// alignedSNR returns the signal-to-noise ratio in dB of got against ref,
// after skipping skip samples of warm-up and trying every delay of got up
// to maxLag samples; it also returns the best delay.
func alignedSNR(ref, got []int16, skip, maxLag int) (snr float64, lag int) {
	snr = math.Inf(-1)
	for l := 0; l <= maxLag; l++ {
		var sig, noise float64
		for i := skip; i < len(ref) && i+l < len(got); i++ {
			r, g := float64(ref[i]), float64(got[i+l])
			sig += r * r
			noise += (g - r) * (g - r)
		}
		if noise == 0 {
			return math.Inf(1), l
		}
		if s := 10 * math.Log10(sig/noise); s > snr {
			snr, lag = s, l
		}
	}
	return snr, lag
}
