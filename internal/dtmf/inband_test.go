package dtmf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/internal/audiotest"
	"github.com/zaf/g711"
)

// tone returns d of the DTMF pair for digit at rate, the row tone at
// rowDB and the column tone at colDB (dBm0).
func tone(digit rune, d time.Duration, rate int, rowDB, colDB float64) []int16 {
	var fr, fc float64
	for r := range 4 {
		for c := range 4 {
			if keypad[r][c] == digit {
				fr, fc = rowFreqs[r], colFreqs[c]
			}
		}
	}
	n := int(d * time.Duration(rate) / time.Second)
	out := make([]int16, n)
	ar := 22656 * math.Pow(10, rowDB/20)
	ac := 22656 * math.Pow(10, colDB/20)
	for i := range out {
		t := float64(i) / float64(rate)
		out[i] = int16(ar*math.Sin(2*math.Pi*fr*t) + ac*math.Sin(2*math.Pi*fc*t+1))
	}
	return out
}

func silence(d time.Duration, rate int) []int16 {
	return make([]int16, int(d*time.Duration(rate)/time.Second))
}

func ulaw(in []int16) []int16 {
	for i, s := range in {
		in[i] = g711.DecodeUlawFrame(g711.EncodeUlawFrame(s))
	}
	return in
}

// run feeds audio to a detector in 20 ms frames and returns the signals.
func run(d *InbandDetector, audio []int16, frame int) []Signal {
	var sigs []Signal
	for len(audio) > 0 {
		n := min(frame, len(audio))
		sigs = d.Process(audio[:n], sigs)
		audio = audio[n:]
	}
	return d.Flush(sigs)
}

func digitsOf(sigs []Signal) string {
	var b strings.Builder
	for _, s := range sigs {
		if s.Kind == Begin {
			b.WriteRune(s.Digit)
		}
	}
	return b.String()
}

func TestInbandAllDigits(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		for code := range uint8(16) {
			digit, _ := Digit(code)
			for _, offset := range []time.Duration{0, 3 * time.Millisecond, 11 * time.Millisecond} {
				name := fmt.Sprintf("%d/%c/%v", rate, digit, offset)
				t.Run(name, func(t *testing.T) {
					audio := silence(offset, rate)
					audio = append(audio, tone(digit, 100*time.Millisecond, rate, -7, -5)...)
					audio = append(audio, silence(60*time.Millisecond, rate)...)
					if rate == 8000 {
						audio = ulaw(audio)
					}
					sigs := run(NewInbandDetector(InbandConfig{Rate: rate}), audio, rate/50)
					if len(sigs) != 2 || sigs[0].Kind != Begin || sigs[1].Kind != End || sigs[0].Digit != digit {
						t.Fatalf("signals %v, want begin/end %c", sigs, digit)
					}
					if d := sigs[1].Duration; d < 75*time.Millisecond || d > 105*time.Millisecond {
						t.Errorf("duration %v, want about 100ms", d)
					}
				})
			}
		}
	}
}

func TestInbandSequence(t *testing.T) {
	var audio []int16
	for _, d := range "159#0*D" {
		audio = append(audio, tone(d, 60*time.Millisecond, 8000, -12, -10)...)
		audio = append(audio, silence(45*time.Millisecond, 8000)...)
	}
	// Back to back, no pause: still two digits.
	audio = append(audio, tone('2', 80*time.Millisecond, 8000, -12, -10)...)
	audio = append(audio, tone('3', 80*time.Millisecond, 8000, -12, -10)...)
	sigs := run(NewInbandDetector(InbandConfig{}), ulaw(audio), 160)
	var open rune
	checkSignals(t, sigs, &open)
	if got := digitsOf(sigs); got != "159#0*D23" {
		t.Errorf("digits %q, want %q", got, "159#0*D23")
	}
}

func TestInbandNoAllocs(t *testing.T) {
	d := NewInbandDetector(InbandConfig{})
	audio := ulaw(tone('5', 100*time.Millisecond, 8000, -10, -10))
	audio = append(audio, silence(100*time.Millisecond, 8000)...)
	frame := audiotest.Bytes(audio[:160])
	sigs := make([]Signal, 0, 4)
	allocs := testing.AllocsPerRun(50, func() {
		for off := 0; off+160 <= len(audio); off += 160 {
			sigs = d.Process(audio[off:off+160], sigs[:0])
		}
		sigs = d.ProcessBytes(frame, sigs[:0])
	})
	if allocs != 0 {
		t.Errorf("Process allocated %v times", allocs)
	}
}

func TestInbandProcessBytes(t *testing.T) {
	audio := append(tone('8', 100*time.Millisecond, 8000, -10, -10), silence(50*time.Millisecond, 8000)...)
	p := audiotest.Bytes(audio)
	d := NewInbandDetector(InbandConfig{})
	var sigs []Signal
	for len(p) > 0 {
		n := min(321, len(p)) // odd chunk sizes
		n -= n % 2
		sigs = d.ProcessBytes(p[:n], sigs)
		p = p[n:]
	}
	if digitsOf(sigs) != "8" || len(sigs) != 2 {
		t.Errorf("signals %v", sigs)
	}
}

func TestInbandDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want bool
	}{
		{10 * time.Millisecond, false},
		{15 * time.Millisecond, false},
		{40 * time.Millisecond, true},
		{50 * time.Millisecond, true},
	}
	for _, tt := range tests {
		for off := range 13 {
			offset := time.Duration(off) * time.Millisecond
			audio := append(silence(offset, 8000), tone('6', tt.d, 8000, -8, -8)...)
			audio = append(audio, silence(40*time.Millisecond, 8000)...)
			got := digitsOf(run(NewInbandDetector(InbandConfig{}), ulaw(audio), 160)) == "6"
			if got != tt.want {
				t.Errorf("%v tone at offset %v: detected %v, want %v", tt.d, offset, got, tt.want)
			}
		}
	}
}

func TestInbandRejects(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	noise := func(amp float64) []int16 {
		out := make([]int16, 8000)
		for i := range out {
			out[i] = int16(r.NormFloat64() * amp)
		}
		return out
	}
	speechLike := func() []int16 { // a 120 Hz voice with falling harmonics
		out := make([]int16, 8000)
		for i := range out {
			var v float64
			for h := 1; h <= 25; h++ {
				v += 6000 / float64(h) * math.Sin(2*math.Pi*120*float64(h)*float64(i)/8000+float64(h))
			}
			out[i] = int16(v)
		}
		return out
	}
	cases := map[string][]int16{
		"silence":         silence(time.Second, 8000),
		"white noise":     noise(4000),
		"speech-like":     speechLike(),
		"row tone only":   tone('5', 200*time.Millisecond, 8000, -5, -80),
		"too quiet":       tone('5', 200*time.Millisecond, 8000, -40, -40),
		"normal twist 10": tone('5', 200*time.Millisecond, 8000, -5, -15),
		"reverse twist 6": tone('5', 200*time.Millisecond, 8000, -15, -9),
		"dial tone":       append(audiotest.Sine(350, 8000, 200, 0.2), audiotest.Sine(440, 8000, 200, 0.2)...),
		"digit in noise": func() []int16 { // 0 dB SNR: too much energy elsewhere
			s, n := tone('5', 200*time.Millisecond, 8000, -15, -15), noise(4000)
			for i := range s {
				s[i] += n[i]
			}
			return s
		}(),
	}
	for name, audio := range cases {
		t.Run(name, func(t *testing.T) {
			if sigs := run(NewInbandDetector(InbandConfig{}), ulaw(audio), 160); len(sigs) != 0 {
				t.Errorf("signals %v, want none", sigs)
			}
		})
	}
}

func TestInbandAccepts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cases := map[string][]int16{
		"normal twist 6":  tone('9', 100*time.Millisecond, 8000, -5, -11),
		"reverse twist 3": tone('9', 100*time.Millisecond, 8000, -12, -9),
		"level -28":       tone('9', 100*time.Millisecond, 8000, -28, -28),
		"noise 20 dB below": func() []int16 {
			s := tone('9', 100*time.Millisecond, 8000, -10, -10)
			for i := range s {
				s[i] += int16(r.NormFloat64() * 1600)
			}
			return s
		}(),
	}
	for name, audio := range cases {
		t.Run(name, func(t *testing.T) {
			audio = append(audio, silence(50*time.Millisecond, 8000)...)
			if got := digitsOf(run(NewInbandDetector(InbandConfig{}), ulaw(audio), 160)); got != "9" {
				t.Errorf("digits %q, want 9", got)
			}
		})
	}
}

func BenchmarkInband(b *testing.B) {
	d := NewInbandDetector(InbandConfig{})
	frame := audiotest.Sine(440, 8000, 20, 0.3)
	sigs := make([]Signal, 0, 4)
	b.ReportAllocs()
	for b.Loop() {
		sigs = d.Process(frame, sigs[:0])
	}
}
