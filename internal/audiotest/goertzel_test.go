package audiotest

import (
	"fmt"
	"testing"
)

var probes = []float64{350, 440, 620, 1000, 1400, 2000}

func TestGoertzelScale(t *testing.T) {
	s := Sine(1000, 8000, 100, 0.5)
	got := Goertzel(s, 8000, 1000)
	want := meanPower(s)
	if got < 0.98*want || got > 1.02*want {
		t.Errorf("Goertzel = %.0f, want about the mean power %.0f", got, want)
	}
	if off := Goertzel(s, 8000, 1400); off > 0.001*want {
		t.Errorf("Goertzel at 1400 Hz of a 1000 Hz tone = %.0f, want ≈ 0", off)
	}
	if Goertzel(nil, 8000, 1000) != 0 || Goertzel(s, 0, 1000) != 0 {
		t.Error("empty input or zero rate should give 0")
	}
}

func TestDetect(t *testing.T) {
	type path struct {
		name string
		fn   func(s []int16, rate int) ([]int16, int)
	}
	paths := []path{
		{"clean", func(s []int16, r int) ([]int16, int) { return s, r }},
		{"ulaw", func(s []int16, r int) ([]int16, int) { return ulaw(s), r }},
		{"alaw", func(s []int16, r int) ([]int16, int) { return alaw(s), r }},
		{"ulaw-quiet", nil}, // built below with a -34 dBFS tone
		{"resample-up", func(s []int16, r int) ([]int16, int) { return resample(ulaw(s), r, 2*r), 2 * r }},
		{"resample-down", func(s []int16, r int) ([]int16, int) {
			if r == 8000 {
				return resample(s, r, 6000), 6000
			}
			return ulaw(resample(s, r, 8000)), 8000
		}},
		{"noisy", func(s []int16, r int) ([]int16, int) {
			n := noise(len(s), 0.1, 7) // SNR about 15 dB against a 0.5 tone
			out := make([]int16, len(s))
			for i := range s {
				out[i] = s[i] + n[i]
			}
			return out, r
		}},
	}
	for _, rate := range []int{8000, 16000, 48000} {
		for _, tone := range []int{440, 1000} {
			other := 1440 - float64(tone) // the other of 440 and 1000
			for _, p := range paths {
				t.Run(fmt.Sprintf("%d/%d/%s", rate, tone, p.name), func(t *testing.T) {
					var s []int16
					r := rate
					if p.fn == nil {
						s = ulaw(Sine(tone, rate, 20, 0.02))
					} else {
						s, r = p.fn(Sine(tone, rate, 20, 0.5), rate)
					}
					if !Detect(s, r, float64(tone)) {
						t.Errorf("%d Hz not detected (share %.2f)", tone, Goertzel(s, r, float64(tone))/meanPower(s))
					}
					if Detect(s, r, other) {
						t.Errorf("%v Hz falsely detected in a %d Hz tone", other, tone)
					}
					if got := DominantFrequency(s, r, probes); got != float64(tone) {
						t.Errorf("DominantFrequency = %v, want %d", got, tone)
					}
				})
			}
		}
	}
}

func TestDetectRejects(t *testing.T) {
	cases := map[string][]int16{
		"digital silence": make([]int16, 160),
		"ulaw silence":    ulaw(make([]int16, 160)),
		"faint tone":      Sine(440, 8000, 20, 0.0005), // -66 dBFS
		"white noise":     noise(160, 0.5, 1),
		"loud noise":      noise(960, 1, 2),
		"two tones": func() []int16 {
			a, b := Sine(440, 8000, 20, 0.4), Sine(1000, 8000, 20, 0.4)
			for i := range a {
				a[i] += b[i]
			}
			return a
		}(),
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			rate := 8000
			if len(s) == 960 {
				rate = 48000
			}
			for _, f := range probes {
				if Detect(s, rate, f) {
					t.Errorf("detected %v Hz", f)
				}
			}
			if got := DominantFrequency(s, rate, probes); got != 0 {
				t.Errorf("DominantFrequency = %v, want 0", got)
			}
		})
	}
}

func BenchmarkGoertzel(b *testing.B) {
	s := Sine(440, 8000, 20, 0.5)
	b.ReportAllocs()
	for b.Loop() {
		Goertzel(s, 8000, 440)
	}
}
