package audiotest

import (
	"math"
	"math/rand/v2"

	"github.com/zaf/g711"
)

// ulaw passes samples through a µ-law encode/decode round trip.
func ulaw(in []int16) []int16 {
	out := make([]int16, len(in))
	for i, s := range in {
		out[i] = g711.DecodeUlawFrame(g711.EncodeUlawFrame(s))
	}
	return out
}

// alaw passes samples through an A-law encode/decode round trip.
func alaw(in []int16) []int16 {
	out := make([]int16, len(in))
	for i, s := range in {
		out[i] = g711.DecodeAlawFrame(g711.EncodeAlawFrame(s))
	}
	return out
}

// resample converts in from rate from to rate to by linear interpolation
// (no anti-alias filter: the crude resampler a careless path might use).
func resample(in []int16, from, to int) []int16 {
	n := len(in) * to / from
	out := make([]int16, n)
	for i := range out {
		pos := float64(i) * float64(from) / float64(to)
		j := int(pos)
		frac := pos - float64(j)
		a := float64(in[min(j, len(in)-1)])
		b := float64(in[min(j+1, len(in)-1)])
		out[i] = int16(math.Round(a + (b-a)*frac))
	}
	return out
}

// noise returns n samples of seeded uniform white noise with peak amp
// (fraction of full scale).
func noise(n int, amp float64, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]int16, n)
	for i := range out {
		out[i] = int16((r.Float64()*2 - 1) * amp * math.MaxInt16)
	}
	return out
}
