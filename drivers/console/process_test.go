package console

import (
	"bytes"
	"testing"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// bareCall is a call with no device, to drive its data callback by hand.
func bareCall(t *testing.T) *call {
	t.Helper()
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: quiet})
	d, err := newDriver(Config{Registry: reg, Logger: quiet}, newFakeSystem())
	if err != nil {
		t.Fatal(err)
	}
	return newCall(d, false)
}

func filled(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }

func TestProcessBeforeAnswerPlaysSilenceIgnoresMic(t *testing.T) {
	c := bareCall(t)
	out := filled(320, 0xAA)
	c.process(out, filled(320, 7))
	if !bytes.Equal(out, make([]byte, 320)) {
		t.Fatal("output not silenced before answer")
	}
	if c.capture.Len() != 0 {
		t.Fatal("microphone captured before answer")
	}
	if s := c.d.Stats(); s != (Stats{}) {
		t.Fatalf("counters moved before answer: %+v", s)
	}
}

func TestProcessUnderrunPlaysSilence(t *testing.T) {
	c := bareCall(t)
	c.answered.Store(true)
	c.playback.write(filled(100, 9))
	out := filled(320, 0xAA)
	c.process(out, nil)
	if !bytes.Equal(out[:100], filled(100, 9)) || !bytes.Equal(out[100:], make([]byte, 220)) {
		t.Fatal("want the 100 buffered bytes, then silence")
	}
	s := c.d.Stats()
	if s.Played != 50 || s.Underruns != 110 {
		t.Fatalf("played %d underruns %d, want 50 and 110 samples", s.Played, s.Underruns)
	}
}

func TestCaptureOverrunDropsOldest(t *testing.T) {
	c := bareCall(t)
	c.answered.Store(true)
	fb := c.frameBytes
	// The PBX side stalls: 4 frames more than the ring holds arrive.
	n := c.capture.Cap()/fb + 4
	for i := range n {
		c.process(nil, filled(fb, byte(i+1)))
	}
	if f := c.nextVoice(); f != nil {
		t.Fatalf("stale audio delivered after an overflow: frame of %d", f.Payload[0])
	}
	c.process(nil, filled(fb, 99))
	f := c.nextVoice()
	if f == nil || f.Payload[0] != 99 {
		t.Fatal("want the fresh frame after the stale ones were dropped")
	}
	f.Release()
	s := c.d.Stats()
	wantCaptured, wantDropped := uint64(c.capture.Cap()+fb)/2, uint64(n*fb/2)
	if s.Captured != wantCaptured || s.CaptureOverruns != wantDropped {
		t.Fatalf("captured %d overruns %d; want %d and %d samples", s.Captured, s.CaptureOverruns, wantCaptured, wantDropped)
	}
}

func TestCaptureLagTrimKeepsNewest(t *testing.T) {
	c := bareCall(t)
	c.answered.Store(true)
	fb := c.frameBytes
	for i := range 8 { // 160 ms waiting: more than the 100 ms limit
		c.process(nil, filled(fb, byte(i+1)))
	}
	for _, want := range []byte{7, 8} { // 40 ms kept
		f := c.nextVoice()
		if f == nil || f.Payload[0] != want {
			t.Fatalf("want frame %d", want)
		}
		if f.Kind != frame.Voice || !f.Format.Is(format.SLin8) || f.Samples != 160 {
			t.Fatalf("frame %v: want 160 samples of slin voice", f)
		}
		f.Release()
	}
	if got := c.d.Stats().CaptureOverruns; got != uint64(6*fb/2) {
		t.Fatalf("overruns %d, want %d", got, 6*fb/2)
	}
}

func TestPlaybackLagTrimKeepsNewest(t *testing.T) {
	c := bareCall(t)
	c.answered.Store(true)
	fb := c.frameBytes
	for i := range 8 {
		f := frame.Get(fb)
		f.Kind, f.Format = frame.Voice, format.SLin8
		copy(f.Payload, filled(fb, byte(i+1)))
		if err := c.WriteFrame(f); err != nil {
			t.Fatal(err)
		}
		f.Release()
	}
	out := make([]byte, fb)
	c.process(out, nil)
	if out[0] != 7 {
		t.Fatalf("played frame %d, want 7 (oldest dropped)", out[0])
	}
	if got := c.d.Stats().PlaybackOverruns; got != uint64(6*fb/2) {
		t.Fatalf("playback overruns %d, want %d", got, 6*fb/2)
	}
}

func TestWriteFrameDropsOtherFormats(t *testing.T) {
	c := bareCall(t)
	c.answered.Store(true)
	f := frame.Get(160)
	defer f.Release()
	f.Kind, f.Format = frame.Voice, format.ULaw
	if err := c.WriteFrame(f); err != nil {
		t.Fatal(err)
	}
	if c.playback.Len() != 0 || c.d.Stats().FormatDrops != 1 {
		t.Fatal("a ulaw frame reached the speaker")
	}
}

func TestProcessDoesNotAllocate(t *testing.T) {
	c := bareCall(t)
	c.answered.Store(true)
	in, out := make([]byte, c.frameBytes), make([]byte, c.frameBytes)
	c.playback.write(make([]byte, 4*c.frameBytes))
	allocs := testing.AllocsPerRun(100, func() {
		c.process(out, in)
		c.capture.discard(c.capture.Len())
	})
	if allocs != 0 {
		t.Fatalf("data callback allocates %.1f times per call", allocs)
	}
}

func BenchmarkProcess(b *testing.B) {
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: quiet})
	d, err := newDriver(Config{Registry: reg, Logger: quiet, Rate: 48000}, newFakeSystem())
	if err != nil {
		b.Fatal(err)
	}
	c := newCall(d, false)
	c.answered.Store(true)
	in, out := make([]byte, c.frameBytes), make([]byte, c.frameBytes)
	b.SetBytes(int64(2 * c.frameBytes))
	b.ReportAllocs()
	for b.Loop() {
		c.playback.write(in)
		c.process(out, in)
		c.capture.discard(c.capture.Len())
	}
}
