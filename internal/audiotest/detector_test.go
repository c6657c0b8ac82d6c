package audiotest

import (
	"testing"
	"time"
)

func TestDetector(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		d := NewDetector(rate)
		g := NewGenerator(440, rate, 0.4)
		frame := make([]int16, g.FrameLen())
		for i := range 25 { // 500 ms of 440 Hz with one lost frame
			g.Next(frame)
			if i == 10 {
				d.Write(make([]int16, len(frame)))
				continue
			}
			d.WriteBytes(Bytes(ulaw(frame)))
		}
		g = NewGenerator(1000, rate, 0.4)
		for range 15 { // then 300 ms of 1000 Hz
			g.Next(frame)
			d.Write(frame)
		}
		if d.Len() != 800*time.Millisecond {
			t.Errorf("rate %d: Len = %v, want 800ms", rate, d.Len())
		}
		if got := d.Total(440); got != 480*time.Millisecond {
			t.Errorf("rate %d: Total(440) = %v, want 480ms", rate, got)
		}
		if got := d.Longest(440); got != 280*time.Millisecond {
			t.Errorf("rate %d: Longest(440) = %v, want 280ms", rate, got)
		}
		if !d.Present(440, 450) || d.Present(440, 500) {
			t.Errorf("rate %d: Present(440) wrong around 480 ms", rate)
		}
		if !d.Present(1000, 300) || d.Present(1000, 320) {
			t.Errorf("rate %d: Present(1000) wrong around 300 ms", rate)
		}
		if d.Present(2000, 20) {
			t.Errorf("rate %d: 2000 Hz reported present", rate)
		}
		d.Reset()
		if d.Len() != 0 || d.Present(440, 20) {
			t.Errorf("rate %d: Reset left audio behind", rate)
		}
	}
}

func TestDetectorRejectsNoise(t *testing.T) {
	d := NewDetector(8000)
	d.Write(noise(8000, 0.5, 3))
	for _, f := range probes {
		if got := d.Total(f); got != 0 {
			t.Errorf("%v Hz found for %v in white noise", f, got)
		}
	}
}
