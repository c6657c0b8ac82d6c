package jitter

import (
	"encoding/binary"
	"math"
)

// PLC conceals lost frames of signed-linear audio (little-endian int16
// payloads) by repeating the last pitch period of the good signal with a
// fade-out, in the spirit of ITU-T G.711 Appendix I:
//
//   - At the start of an erasure it estimates the pitch period (2.5 to
//     15 ms) by normalised autocorrelation of the last 20 ms, and plays the
//     last period over and over.
//   - After 10 ms of erasure it widens the repeated stretch to the last two
//     periods, after 20 ms to three, cross-fading at each switch, so long
//     erasures buzz less.
//   - The output fades linearly by 20% per 10 ms after the first 10 ms and
//     is silent after 60 ms.
//   - The first good frame after an erasure is cross-faded with the
//     continued synthetic signal over 4 ms, plus 4 ms per further 10 ms of
//     erasure, at most 10 ms.
//
// Unlike Appendix I it adds no algorithmic delay: the start of a
// concealment is not overlap-added into audio already played.
//
// A PLC keeps the last 45 ms of signal (720 bytes at 8 kHz) and, only
// while an erasure lasts, a copy of it taken from a pool shared by all
// concealers.
//
// A PLC implements [Concealer] and is not safe for concurrent use. Use
// [NewG711PLC] for µ-law or A-law payloads.
type PLC struct {
	rate       int
	minP, maxP int     // pitch search range, samples
	hist       []int16 // the last len(hist) samples played, good or synthetic
	tenMs      int     // samples in 10 ms

	// During an erasure, hist as it was when the erasure began: storage
	// from the samples pool, held only while erasing.
	frozen    []int16
	frozenBuf *[]int16

	erasing bool
	pitch   int
	periods int // 1..3 periods in the repeated stretch
	pos     int // read position in the stretch
	erased  int // samples synthesised in this erasure

	fadeLeft int // cross-fade between stretches in progress: samples left
	fadeLen  int
	oldPer   int // periods of the old stretch
	oldPos   int
}

// NewPLC returns a concealer for signed-linear audio sampled at rate
// (8000 when rate <= 0). Its cost and tuning follow G.711 Appendix I at
// 8000 Hz; higher rates work, with proportionally more computation.
func NewPLC(rate int) *PLC {
	p := new(PLC)
	p.init(rate)
	return p
}

func (p *PLC) init(rate int) {
	if rate <= 0 {
		rate = 8000
	}
	p.rate = rate
	p.minP = rate / 400 // 400 Hz
	p.maxP = rate * 15 / 1000
	p.tenMs = rate / 100
	// The longest stretch repeated, three periods (45 ms at 8 kHz), which
	// also holds the pitch search's window (20 ms) and longest lag.
	p.hist = make([]int16, 3*p.maxP)
}

// chunk is how many samples the byte interfaces convert at a time, in an
// array on the stack, so a concealer keeps no sample scratch.
const chunk = 160

var (
	_ Concealer = (*PLC)(nil)
	_ Concealer = (*G711PLC)(nil)
)

// Good records frame, a little-endian signed-linear frame about to be
// played. After an erasure it cross-fades the start of frame with the
// synthetic signal, in place.
func (p *PLC) Good(frame []byte) {
	var buf [chunk]int16
	n := len(frame) / 2
	fade := p.fadeIn(n)
	for off := 0; off < n; off += chunk {
		s, f := buf[:min(chunk, n-off)], frame[2*off:]
		for i := range s {
			s[i] = int16(binary.LittleEndian.Uint16(f[2*i:]))
		}
		if off < fade {
			for i := range p.crossFade(s, off, fade) {
				binary.LittleEndian.PutUint16(f[2*i:], uint16(s[i]))
			}
		}
		p.push(s)
	}
	p.endErasure()
}

// Conceal fills dst (little-endian signed linear) with the continuation
// of the concealment and returns it.
func (p *PLC) Conceal(dst []byte) []byte {
	var buf [chunk]int16
	n := len(dst) / 2
	p.startErasure()
	for off := 0; off < n; off += chunk {
		s, d := buf[:min(chunk, n-off)], dst[2*off:]
		p.synth(s)
		for i, v := range s {
			binary.LittleEndian.PutUint16(d[2*i:], uint16(v))
		}
	}
	return dst
}

// Reset forgets the signal history.
func (p *PLC) Reset() {
	clear(p.hist)
	p.endErasure()
}

// A good frame of n samples is processed in chunks: fadeIn returns how
// many of its leading samples cross-fade from the concealment, crossFade
// applies that to each chunk s starting at sample off and returns how many
// samples of s it modified, push records each chunk, and endErasure ends
// the erasure.
func (p *PLC) fadeIn(n int) int {
	if !p.erasing {
		return 0
	}
	steps := max(1, (p.erased+p.tenMs-1)/p.tenMs) // 10 ms steps erased
	return min(n, p.tenMs, p.tenMs*2/5*steps)
}

func (p *PLC) crossFade(s []int16, off, fade int) int {
	m := max(0, min(len(s), fade-off))
	for i := range m {
		w := float64(off+i+1) / float64(fade+1)
		syn := float64(p.next())
		s[i] = clamp16(w*float64(s[i]) + (1-w)*syn)
	}
	return m
}

func (p *PLC) endErasure() {
	p.erasing = false
	if p.frozenBuf != nil {
		samples.put(p.frozenBuf)
		p.frozenBuf, p.frozen = nil, nil
	}
}

// startErasure begins an erasure unless one is in progress. Then synth
// synthesises the samples of s, in chunks.
func (p *PLC) startErasure() {
	if p.erasing {
		return
	}
	p.erasing = true
	p.pitch = p.findPitch()
	p.frozenBuf = samples.get(len(p.hist))
	p.frozen = *p.frozenBuf
	copy(p.frozen, p.hist)
	p.periods, p.pos, p.erased, p.fadeLeft = 1, 0, 0, 0
}

func (p *PLC) synth(s []int16) {
	for i := range s {
		s[i] = p.next()
	}
	// The output becomes history, so a concealment shortly after the next
	// good frame finds a continuous signal to work from.
	p.push(s)
}

// next returns the next synthetic sample of the current erasure.
func (p *PLC) next() int16 {
	if want := min(3, 1+p.erased/p.tenMs); want > p.periods && p.fadeLeft == 0 {
		// Widen the stretch, starting at the same phase in its oldest period.
		p.oldPer, p.oldPos = p.periods, p.pos
		p.periods = want
		p.pos = p.pos % p.pitch
		p.fadeLen = max(1, p.pitch/4)
		p.fadeLeft = p.fadeLen
	}
	v := float64(p.stretch(p.periods, p.pos))
	p.pos = (p.pos + 1) % (p.periods * p.pitch)
	if p.fadeLeft > 0 {
		w := float64(p.fadeLen-p.fadeLeft+1) / float64(p.fadeLen+1)
		old := float64(p.stretch(p.oldPer, p.oldPos))
		p.oldPos = (p.oldPos + 1) % (p.oldPer * p.pitch)
		v = w*v + (1-w)*old
		p.fadeLeft--
	}
	// Full level for 10 ms, then -20% per 10 ms.
	gain := 1.0
	if p.erased > p.tenMs {
		gain = max(0, 1-0.2*float64(p.erased-p.tenMs)/float64(p.tenMs))
	}
	p.erased++
	return clamp16(v * gain)
}

// stretch returns sample j of the last m pitch periods of the signal as
// it was when the erasure began.
func (p *PLC) stretch(m, j int) int16 {
	return p.frozen[len(p.frozen)-m*p.pitch+j]
}

// push appends s to the history.
func (p *PLC) push(s []int16) {
	h := len(p.hist)
	if len(s) >= h {
		copy(p.hist, s[len(s)-h:])
		return
	}
	copy(p.hist, p.hist[len(s):])
	copy(p.hist[h-len(s):], s)
}

// findPitch returns the lag in [minP, maxP] that best predicts the last
// 20 ms (or as much as the history allows) from the audio one lag earlier.
func (p *PLC) findPitch() int {
	h := p.hist
	w := min(p.rate/50, len(h)-p.maxP)
	end := len(h)
	var e0 float64
	for i := end - w; i < end; i++ {
		e0 += float64(h[i]) * float64(h[i])
	}
	best, bestScore := p.maxP, -1.0
	if e0 == 0 {
		return best
	}
	x := h[end-w:]
	// yy is the energy of the lagged window, slid one sample per lag.
	var yy float64
	for _, v := range h[end-w-p.minP : end-p.minP] {
		yy += float64(v) * float64(v)
	}
	for lag := p.minP; lag <= p.maxP; lag++ {
		y := h[end-w-lag : end-lag]
		// Four partial sums break the serial dependency of the dot product.
		var s0, s1, s2, s3 float64
		i := 0
		for ; i+4 <= w; i += 4 {
			s0 += float64(x[i]) * float64(y[i])
			s1 += float64(x[i+1]) * float64(y[i+1])
			s2 += float64(x[i+2]) * float64(y[i+2])
			s3 += float64(x[i+3]) * float64(y[i+3])
		}
		for ; i < w; i++ {
			s0 += float64(x[i]) * float64(y[i])
		}
		if xy := s0 + s1 + s2 + s3; yy > 0 && xy > 0 {
			if score := xy / math.Sqrt(yy*e0); score > bestScore {
				best, bestScore = lag, score
			}
		}
		// Slide: drop the newest sample of this window, add the next older.
		if lag < p.maxP {
			out, in := float64(h[end-lag-1]), float64(h[end-w-lag-1])
			yy += in*in - out*out
		}
	}
	return best
}

func clamp16(v float64) int16 {
	return int16(min(max(math.Round(v), math.MinInt16), math.MaxInt16))
}
