package audiotest

import "math"

// Sine returns ms milliseconds of a sine of freqHz sampled at rate, starting
// at phase zero. amp is the peak amplitude as a fraction of full scale
// (0.5 peaks at 16384); values outside [0, 1] are clamped.
func Sine(freqHz, rate, ms int, amp float64) []int16 {
	g := NewGenerator(float64(freqHz), rate, amp)
	out := make([]int16, rate*ms/1000)
	g.Next(out)
	return out
}

// Generator produces a continuous sine wave in pieces: each call to
// [Generator.Next] continues exactly where the previous one stopped, so
// frames concatenate without phase jumps.
//
// A Generator is not safe for concurrent use.
type Generator struct {
	rate  int
	amp   float64 // peak, in int16 units
	step  float64 // phase increment per sample, radians
	phase float64 // in [0, 2π)
}

// NewGenerator returns a generator of a freqHz sine sampled at rate. amp is
// the peak amplitude as a fraction of full scale, clamped to [0, 1].
func NewGenerator(freqHz float64, rate int, amp float64) *Generator {
	amp = min(max(amp, 0), 1)
	return &Generator{
		rate: rate,
		amp:  amp * math.MaxInt16,
		step: 2 * math.Pi * freqHz / float64(rate),
	}
}

// FrameLen returns the number of samples in 20 ms at the generator's rate.
func (g *Generator) FrameLen() int { return g.rate / 50 }

// Next fills dst with the next len(dst) samples of the tone.
func (g *Generator) Next(dst []int16) {
	for i := range dst {
		dst[i] = int16(math.Round(g.amp * math.Sin(g.phase)))
		g.phase += g.step
		if g.phase >= 2*math.Pi {
			g.phase -= 2 * math.Pi
		}
	}
}
