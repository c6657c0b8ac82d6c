package audiotest

import "math"

// Detection thresholds shared by [Detect], [DominantFrequency] and
// [Detector].
const (
	// silenceRMS is the RMS level (int16 units, about -60 dBFS) below which
	// a block counts as silence whatever its spectrum.
	silenceRMS = 33.0
	// minShare is the fraction of a block's power that must sit at the
	// probed frequency. A clean tone scores about 1, a µ-law quantised one
	// about 0.99, white noise about 3/N for an N-sample block.
	minShare = 0.5
)

// Goertzel returns the mean power of the component of samples at freq
// (Hz, for a signal sampled at rate), in the units of the block's mean
// square: a sine of peak amplitude A at freq scores about A²/2, the same as
// its mean square, so the ratio of the two says how much of the signal is
// that tone.
//
// The block is shaped with a Hann window before the Goertzel recurrence,
// which trades resolution (the main lobe is about ±2·rate/N wide) for much
// less leakage from strong tones at other frequencies. freq need not fall on
// a DFT bin.
func Goertzel(samples []int16, rate int, freq float64) float64 {
	n := len(samples)
	if n == 0 || rate <= 0 {
		return 0
	}
	coeff := 2 * math.Cos(2*math.Pi*freq/float64(rate))
	var s1, s2, wsum float64
	for i, x := range samples {
		w := hann(i, n)
		wsum += w
		s0 := w*float64(x) + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	mag2 := s1*s1 + s2*s2 - coeff*s1*s2
	if wsum == 0 {
		return 0
	}
	// A windowed sine of amplitude A gives |X| = A·Σw/2.
	return 2 * mag2 / (wsum * wsum)
}

func hann(i, n int) float64 {
	if n == 1 {
		return 1
	}
	return 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
}

// meanPower returns the mean square of samples.
func meanPower(samples []int16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, x := range samples {
		f := float64(x)
		sum += f * f
	}
	return sum / float64(len(samples))
}

// Detect reports whether a tone at freq is present in samples and dominates
// them: the block is not silence (RMS above about -60 dBFS) and at least
// half of its power sits at freq. A single dominant tone therefore
// excludes every other probed frequency, and white noise or speech-like
// mixtures are rejected.
//
// The frequency resolution is about 2·rate/len(samples) (100 Hz for a 20 ms
// block), so probe frequencies should be further apart than that.
func Detect(samples []int16, rate int, freq float64) bool {
	total := meanPower(samples)
	if total < silenceRMS*silenceRMS {
		return false
	}
	return Goertzel(samples, rate, freq) >= minShare*total
}

// DominantFrequency returns the candidate frequency holding the most power
// in samples, provided it also passes [Detect]; otherwise (silence, noise,
// or a tone at none of the candidates) it returns 0.
func DominantFrequency(samples []int16, rate int, candidates []float64) float64 {
	total := meanPower(samples)
	if total < silenceRMS*silenceRMS {
		return 0
	}
	best, bestPow := 0.0, 0.0
	for _, f := range candidates {
		if p := Goertzel(samples, rate, f); p > bestPow {
			best, bestPow = f, p
		}
	}
	if bestPow < minShare*total {
		return 0
	}
	return best
}
