package translate

import (
	"math"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Resampling between 8, 16 and 48 kHz signed linear uses integer ratios
// (2, 3 and 6) and a windowed-sinc low-pass FIR run in polyphase form: the
// up-sampler computes each output phase from the input history without
// inserting zeros, and the down-sampler computes only the outputs it keeps.
//
// The prototype filter has factor*resampleTaps+1 taps (odd, linear phase),
// so its delay is exactly resampleTaps/2 samples at the lower rate (2.5 ms
// at 8 kHz, 1.25 ms at 16 kHz) and a chain of resamplers has an integer
// delay. With these parameters the pass band is flat to -0.2 dB at 3.4 kHz
// (for 8 kHz audio), -27 dB at 4 kHz and below -75 dB from 4.3 kHz.
// Input history is carried from frame to frame, so resampling a signal
// frame by frame gives exactly the same samples as resampling it in one
// go: no clicks at frame edges, whatever the frame sizes.
const (
	// resampleTaps is the filter length in samples at the lower rate.
	resampleTaps = 40
	// resampleCutoff is the -6 dB cut-off as a fraction of the lower
	// Nyquist frequency (3.72 kHz for 8 kHz audio).
	resampleCutoff = 0.93
	// kaiserBeta sets the stop-band attenuation (about 75 dB).
	kaiserBeta = 7.0
)

// firKernel holds the immutable coefficients of one resampling ratio,
// shared read-only by every instance.
type firKernel struct {
	up, down int
	// phases[p] are the coefficients of up-sampler phase p, ordered to
	// match the history window oldest-first; the down-sampler has one phase.
	phases [][]float32
}

// newFIRKernel designs the low-pass filter for resampling by up/down (one
// of them 1) and splits it into phases.
func newFIRKernel(up, down int) *firKernel {
	r := max(up, down)
	n := r*resampleTaps + 1
	fc := resampleCutoff * 0.5 / float64(r) // cycles per sample at the high rate
	h := make([]float64, n)
	mid := float64(n-1) / 2
	i0b := besselI0(kaiserBeta)
	for i := range h {
		x := float64(i) - mid
		sinc := 2 * fc
		if x != 0 {
			sinc = math.Sin(2*math.Pi*fc*x) / (math.Pi * x)
		}
		t := 2*float64(i)/float64(n-1) - 1
		h[i] = sinc * besselI0(kaiserBeta*math.Sqrt(1-t*t)) / i0b
	}
	k := &firKernel{up: up, down: down}
	if up > 1 {
		// Output nL+p = sum over j of h[p+(T-j)L] * x[n-T+j], j = 0..T.
		width := resampleTaps + 1
		for p := range up {
			c := make([]float64, width)
			sum := 0.0
			for j := range width {
				if idx := p + (resampleTaps-j)*up; idx < n {
					c[j] = h[idx]
					sum += h[idx]
				}
			}
			k.phases = append(k.phases, normalise(c, sum))
		}
		return k
	}
	sum := 0.0
	for _, v := range h {
		sum += v
	}
	k.phases = [][]float32{normalise(h, sum)} // symmetric: no reversal needed
	return k
}

// normalise scales c to unity DC gain and converts it to float32.
func normalise(c []float64, sum float64) []float32 {
	out := make([]float32, len(c))
	for i, v := range c {
		out[i] = float32(v / sum)
	}
	return out
}

// besselI0 is the zeroth-order modified Bessel function of the first kind,
// by its power series.
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 64; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

// dot returns the inner product of a and b[:len(a)].
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// upsampler raises the sample rate of signed linear by an integer factor.
type upsampler struct {
	k   *firKernel
	dst format.Format
	clk clockMap
	// buf holds resampleTaps samples of history followed by the current
	// frame's samples; it grows to the largest frame seen and is reused.
	buf []float32
}

var _ Translator = (*upsampler)(nil)

func newUpsampler(k *firKernel, src, dst format.Format) *upsampler {
	return &upsampler{
		k: k, dst: dst, clk: newClockMap(src.ClockRate, dst.ClockRate),
		buf: make([]float32, resampleTaps, resampleTaps+960),
	}
}

func (u *upsampler) Translate(in *frame.Frame) (*frame.Frame, error) {
	n, err := slinSamples(in.Payload)
	if err != nil || n == 0 {
		return nil, err
	}
	const hist = resampleTaps
	u.buf = grow(u.buf, hist+n)
	buf := u.buf
	for i := range n {
		buf[hist+i] = float32(getSample(in.Payload, i))
	}
	l := u.k.up
	out := newOutput(in, u.dst, 2*n*l, n*l, u.clk.Map(in.Timestamp))
	p := out.Payload
	o := 0
	for i := range n {
		win := buf[i : i+hist+1]
		for _, c := range u.k.phases {
			putSample(p, o, clampFloat(dot(c, win)))
			o++
		}
	}
	copy(buf[:hist], buf[n:n+hist])
	return out, nil
}

// downsampler lowers the sample rate of signed linear by an integer factor.
type downsampler struct {
	k   *firKernel
	dst format.Format
	clk clockMap
	// next is the index, in the coming frame, of the next input sample an
	// output sample is computed at; it carries the decimation phase across
	// frames whose length is not a multiple of the factor.
	next int
	// buf holds down*resampleTaps samples of history followed by the current
	// frame's samples.
	buf []float32
}

var _ Translator = (*downsampler)(nil)

func newDownsampler(k *firKernel, src, dst format.Format) *downsampler {
	hist := k.down * resampleTaps
	return &downsampler{
		k: k, dst: dst, clk: newClockMap(src.ClockRate, dst.ClockRate),
		buf: make([]float32, hist, hist+960),
	}
}

func (d *downsampler) Translate(in *frame.Frame) (*frame.Frame, error) {
	n, err := slinSamples(in.Payload)
	if err != nil || n == 0 {
		return nil, err
	}
	m := d.k.down
	hist := m * resampleTaps
	d.buf = grow(d.buf, hist+n)
	buf := d.buf
	for i := range n {
		buf[hist+i] = float32(getSample(in.Payload, i))
	}
	first := d.next
	count := 0
	if first < n {
		count = (n-1-first)/m + 1
	}
	d.next = first + count*m - n
	var out *frame.Frame
	if count > 0 {
		ts := d.clk.Map(in.Timestamp + uint32(first))
		out = newOutput(in, d.dst, 2*count, count, ts)
		c := d.k.phases[0]
		for j := range count {
			i := first + j*m
			putSample(out.Payload, j, clampFloat(dot(c, buf[i:i+hist+1])))
		}
	}
	copy(buf[:hist], buf[n:n+hist])
	return out, nil
}

// grow returns buf resized to n, keeping its content, reallocating only
// when n exceeds its capacity.
func grow(buf []float32, n int) []float32 {
	if n <= cap(buf) {
		return buf[:n]
	}
	b := make([]float32, n, n+n/4)
	copy(b, buf)
	return b
}
