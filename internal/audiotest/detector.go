package audiotest

import "time"

// Detector accumulates the audio of many frames and answers questions about
// the tones in it. It analyses the audio in consecutive 20 ms blocks with
// [Detect], so a tone counts as present in a block when it dominates that
// block.
//
// A Detector keeps every sample written to it (about 1 MB per minute at
// 8 kHz): it is meant for tests, not for long-running calls.
//
// A Detector is not safe for concurrent use.
type Detector struct {
	rate    int
	samples []int16
}

// NewDetector returns an empty detector for audio sampled at rate.
func NewDetector(rate int) *Detector {
	return &Detector{rate: rate}
}

// Write appends samples to the detector's audio.
func (d *Detector) Write(samples []int16) {
	d.samples = append(d.samples, samples...)
}

// WriteBytes appends little-endian signed 16-bit samples (an "slin"
// payload) to the detector's audio. A trailing odd byte is ignored.
func (d *Detector) WriteBytes(p []byte) {
	d.samples = AppendSamples(d.samples, p)
}

// Len returns the duration of the audio written so far.
func (d *Detector) Len() time.Duration {
	if d.rate <= 0 {
		return 0
	}
	return time.Duration(len(d.samples)) * time.Second / time.Duration(d.rate)
}

// Samples returns the accumulated audio. The slice aliases the detector's
// storage until the next Write or Reset.
func (d *Detector) Samples() []int16 { return d.samples }

// Reset discards the accumulated audio.
func (d *Detector) Reset() { d.samples = d.samples[:0] }

// blockLen is the analysis block: 20 ms.
func (d *Detector) blockLen() int { return d.rate / 50 }

// scan calls fn with whether freq is present in each 20 ms block in order.
func (d *Detector) scan(freq float64, fn func(present bool)) {
	n := d.blockLen()
	if n <= 0 {
		return
	}
	for off := 0; off+n <= len(d.samples); off += n {
		fn(Detect(d.samples[off:off+n], d.rate, freq))
	}
}

// Total returns how long freq was present, summed over all 20 ms blocks.
func (d *Detector) Total(freq float64) time.Duration {
	var blocks int
	d.scan(freq, func(p bool) {
		if p {
			blocks++
		}
	})
	return time.Duration(blocks) * 20 * time.Millisecond
}

// Longest returns the longest uninterrupted stretch during which freq was
// present, in 20 ms steps.
func (d *Detector) Longest(freq float64) time.Duration {
	var run, best int
	d.scan(freq, func(p bool) {
		if p {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	})
	return time.Duration(best) * 20 * time.Millisecond
}

// Present reports whether freq was present for at least ms milliseconds in
// total. Blocks where the tone did not dominate (a lost packet concealed
// with silence, a frame of another tone) are not counted but do not reset
// the count; use [Detector.Longest] to demand an unbroken tone.
func (d *Detector) Present(freq float64, ms int) bool {
	return d.Total(freq) >= time.Duration(ms)*time.Millisecond
}
