package dtmf

import (
	"encoding/binary"
	"math"
	"time"
)

// DTMF frequencies (ITU-T Q.23).
var (
	rowFreqs = [4]float64{697, 770, 852, 941}
	colFreqs = [4]float64{1209, 1336, 1477, 1633}
)

// keypad maps [row][column] to the digit.
var keypad = [4][4]rune{
	{'1', '2', '3', 'A'},
	{'4', '5', '6', 'B'},
	{'7', '8', '9', 'C'},
	{'*', '0', '#', 'D'},
}

// dBm0Power is the Goertzel power (A²/2, int16 units) of a 0 dBm0 sine in
// 16-bit linear G.711 audio: peak 22656, 3.17 dB below overload.
const dBm0Power = 22656.0 * 22656.0 / 2

// blockDuration is the analysis block: 102 samples at 8 kHz, as in common
// software detectors. It is short enough for 40 ms digits and long enough
// to separate the closest DTMF frequencies (73 Hz apart).
const blockDuration = 12750 * time.Microsecond

// InbandConfig tunes an [InbandDetector]. The zero value selects the
// defaults, which follow ITU-T Q.24 loosely.
type InbandConfig struct {
	// Rate is the sample rate of the audio; zero means 8000.
	Rate int
	// MinDuration is the shortest tone reported as a digit; zero means
	// 40 ms. Detection works in 12.75 ms blocks, so the boundary is soft:
	// with the default, tones of 40 ms or more are always reported and
	// tones of 15 ms or less never are, whatever their alignment.
	MinDuration time.Duration
	// MinLevel is the weakest tone accepted, per frequency, in dBm0; zero
	// means -33.
	MinLevel float64
	// NormalTwist is how much weaker (dB) the column (high) tone may be
	// than the row (low) tone; zero means 8.
	NormalTwist float64
	// ReverseTwist is how much weaker (dB) the row tone may be than the
	// column tone; zero means 4.
	ReverseTwist float64
}

// InbandDetector finds DTMF digits in signed-linear audio, for phones that
// send digits as tones instead of RFC 4733 events. It runs a Goertzel
// filter for each of the eight DTMF frequencies over blocks of 12.75 ms and
// accepts a block as a digit when
//
//   - the strongest row and column tones are both above MinLevel,
//   - the twist between them is within NormalTwist/ReverseTwist,
//   - each is at least 6 dB stronger than the other tones of its group,
//   - and together they hold at least 70% of the block's power (this
//     rejects speech, music and noise).
//
// A digit begins after it has been accepted in enough consecutive blocks
// to cover MinDuration, and ends after two blocks (25 ms) without it, so a
// single disturbed block does not split a digit.
//
// An InbandDetector is not safe for concurrent use: it belongs to the
// goroutine that reads the audio (a frame hook runs on one goroutine).
type InbandDetector struct {
	cfg    InbandConfig
	n      int // samples per block
	coeff  [8]float64
	minPow float64
	normal float64 // power ratio limits
	rev    float64
	need   int // consecutive blocks to begin

	buf  []float64 // current block
	fill int

	active     rune // current digit, 0 if none
	blocks     int  // blocks the active digit has lasted
	misses     int  // consecutive blocks without it
	cand       rune // candidate digit
	candBlocks int
}

// NewInbandDetector returns a detector with cfg's settings (zero fields
// take their defaults).
func NewInbandDetector(cfg InbandConfig) *InbandDetector {
	if cfg.Rate <= 0 {
		cfg.Rate = 8000
	}
	if cfg.MinDuration <= 0 {
		cfg.MinDuration = 40 * time.Millisecond
	}
	if cfg.MinLevel == 0 {
		cfg.MinLevel = -33
	}
	if cfg.NormalTwist == 0 {
		cfg.NormalTwist = 8
	}
	if cfg.ReverseTwist == 0 {
		cfg.ReverseTwist = 4
	}
	d := &InbandDetector{cfg: cfg}
	d.n = max(1, int(int64(cfg.Rate)*int64(blockDuration)/int64(time.Second)))
	for i, f := range append(rowFreqs[:], colFreqs[:]...) {
		d.coeff[i] = 2 * math.Cos(2*math.Pi*f/float64(cfg.Rate))
	}
	d.minPow = dBm0Power * math.Pow(10, cfg.MinLevel/10)
	d.normal = math.Pow(10, cfg.NormalTwist/10)
	d.rev = math.Pow(10, cfg.ReverseTwist/10)
	// A tone of MinDuration fully covers at least MinDuration/block - 1
	// blocks wherever it starts.
	d.need = max(2, int(math.Round(float64(cfg.MinDuration)/float64(blockDuration)))-1)
	d.buf = make([]float64, d.n)
	return d
}

// Process analyses samples (signed linear at the configured rate) and
// appends any digit edges to dst. Samples that do not fill a block are kept
// for the next call.
func (d *InbandDetector) Process(samples []int16, dst []Signal) []Signal {
	for _, s := range samples {
		d.buf[d.fill] = float64(s)
		d.fill++
		if d.fill == d.n {
			d.fill = 0
			dst = d.block(dst)
		}
	}
	return dst
}

// ProcessBytes is [InbandDetector.Process] for little-endian signed linear
// bytes (an "slin" payload). A trailing odd byte is ignored.
func (d *InbandDetector) ProcessBytes(p []byte, dst []Signal) []Signal {
	for i := 0; i+1 < len(p); i += 2 {
		d.buf[d.fill] = float64(int16(binary.LittleEndian.Uint16(p[i:])))
		d.fill++
		if d.fill == d.n {
			d.fill = 0
			dst = d.block(dst)
		}
	}
	return dst
}

// Flush ends an active digit, appending its End to dst, and discards a
// partial block.
func (d *InbandDetector) Flush(dst []Signal) []Signal {
	if d.active != 0 {
		dst = append(dst, d.end())
	}
	d.fill = 0
	d.cand, d.candBlocks = 0, 0
	return dst
}

// Reset discards all state without emitting anything.
func (d *InbandDetector) Reset() {
	d.fill = 0
	d.active, d.blocks, d.misses = 0, 0, 0
	d.cand, d.candBlocks = 0, 0
}

func (d *InbandDetector) end() Signal {
	s := Signal{Kind: End, Digit: d.active, Duration: time.Duration(d.blocks) * blockDuration}
	d.active, d.blocks, d.misses = 0, 0, 0
	return s
}

// block classifies the full block in d.buf and updates the digit state.
func (d *InbandDetector) block(dst []Signal) []Signal {
	hit := d.classify()
	if d.active != 0 {
		if hit == d.active {
			d.blocks += d.misses + 1
			d.misses = 0
		} else {
			d.misses++
			if d.misses >= 2 {
				dst = append(dst, d.end())
			}
		}
	}
	if hit != 0 && hit == d.active {
		d.cand, d.candBlocks = 0, 0
		return dst
	}
	if hit != 0 && hit == d.cand {
		d.candBlocks++
	} else {
		d.cand, d.candBlocks = hit, 0
		if hit != 0 {
			d.candBlocks = 1
		}
	}
	if d.active == 0 && d.cand != 0 && d.candBlocks >= d.need {
		d.active, d.blocks, d.misses = d.cand, d.candBlocks, 0
		d.cand, d.candBlocks = 0, 0
		dst = append(dst, Signal{Kind: Begin, Digit: d.active})
	}
	return dst
}

// classify returns the digit present in d.buf, or 0.
func (d *InbandDetector) classify() rune {
	var total float64
	for _, x := range d.buf {
		total += x * x
	}
	total /= float64(d.n)
	if total < d.minPow {
		return 0
	}
	// The eight Goertzel recurrences run side by side: each is a serial
	// dependency chain, so interleaving them keeps the CPU busy.
	c := d.coeff
	var a1, a2, b1, b2, c1, c2, d1, d2, e1, e2, f1, f2, g1, g2, h1, h2 float64
	for _, x := range d.buf {
		a1, a2 = x+c[0]*a1-a2, a1
		b1, b2 = x+c[1]*b1-b2, b1
		c1, c2 = x+c[2]*c1-c2, c1
		d1, d2 = x+c[3]*d1-d2, d1
		e1, e2 = x+c[4]*e1-e2, e1
		f1, f2 = x+c[5]*f1-f2, f1
		g1, g2 = x+c[6]*g1-g2, g1
		h1, h2 = x+c[7]*h1-h2, h1
	}
	s1 := [8]float64{a1, b1, c1, d1, e1, f1, g1, h1}
	s2 := [8]float64{a2, b2, c2, d2, e2, f2, g2, h2}
	var pow [8]float64
	for i := range pow {
		mag2 := s1[i]*s1[i] + s2[i]*s2[i] - c[i]*s1[i]*s2[i]
		pow[i] = 2 * mag2 / float64(d.n*d.n)
	}
	row, rp := peak(pow[:4])
	col, cp := peak(pow[4:])
	switch {
	case rp < d.minPow || cp < d.minPow:
		return 0
	case cp*d.normal < rp || rp*d.rev < cp: // twist
		return 0
	case rp+cp < 0.7*total:
		return 0
	}
	for i := range 4 {
		if i != row && pow[i]*4 > rp { // 6 dB
			return 0
		}
		if i != col && pow[4+i]*4 > cp {
			return 0
		}
	}
	return keypad[row][col]
}

func peak(p []float64) (int, float64) {
	best := 0
	for i := range p {
		if p[i] > p[best] {
			best = i
		}
	}
	return best, p[best]
}
