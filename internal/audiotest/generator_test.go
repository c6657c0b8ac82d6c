package audiotest

import (
	"math"
	"slices"
	"testing"
)

func TestSine(t *testing.T) {
	s := Sine(1000, 8000, 20, 0.5)
	if len(s) != 160 {
		t.Fatalf("len = %d, want 160", len(s))
	}
	// 1000 Hz at 8 kHz: samples 0 and 2 of each 8-sample period are 0 and peak.
	if s[0] != 0 || s[2] != int16(math.Round(0.5*math.MaxInt16)) {
		t.Errorf("s[0], s[2] = %d, %d", s[0], s[2])
	}
	peak := slices.Max(s)
	if peak < 16380 || peak > 16384 {
		t.Errorf("peak = %d, want about 16383", peak)
	}
	if got := Sine(440, 8000, 20, 7); slices.Max(got) != math.MaxInt16 {
		t.Errorf("amp > 1 not clamped to full scale: peak %d", slices.Max(got))
	}
}

func TestGeneratorContinuity(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		g := NewGenerator(440, rate, 0.3)
		frame := make([]int16, g.FrameLen())
		var joined []int16
		for range 50 {
			g.Next(frame)
			joined = append(joined, frame...)
		}
		whole := Sine(440, rate, 1000, 0.3)
		if len(joined) != len(whole) {
			t.Fatalf("rate %d: %d samples, want %d", rate, len(joined), len(whole))
		}
		for i := range whole {
			// The generator accumulates phase, Sine starts fresh: allow
			// one LSB of rounding difference, never a phase jump.
			if d := int(joined[i]) - int(whole[i]); d < -1 || d > 1 {
				t.Fatalf("rate %d: sample %d = %d, want %d (phase jump)", rate, i, joined[i], whole[i])
			}
		}
	}
}
