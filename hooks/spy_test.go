package hooks_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/hooks"
	"github.com/pbx-dev/pbx/internal/audiotest"
)

func newSpy(t testing.TB, cfg hooks.SpyConfig) *hooks.Spy {
	t.Helper()
	s, err := hooks.NewSpy(cfg)
	mustNil(t, err, "NewSpy")
	return s
}

func TestSpy(t *testing.T) {
	t.Run("GivenSpyOnAudio1OfTwoStreams_ThenItSeesOnlyThatStreamBothWays", func(t *testing.T) {
		h := newHarness(t, twoSLin)
		s := newSpy(t, hooks.SpyConfig{})
		mustNil(t, s.Attach(h.c, "audio-1"), "attach")
		read0, read1 := newTone(1000, 0.5), newTone(440, 0.5)
		write0, write1 := newTone(1500, 0.5), newTone(600, 0.5)
		for range 25 { // 500 ms
			h.read(0, format.SLin8, read0.next())
			h.read(1, format.SLin8, read1.next())
			h.write(0, format.SLin8, write0.next())
			h.write(1, format.SLin8, write1.next())
		}
		if got := s.Buffered(hooks.DirRead); got != 25*frameLen {
			t.Fatalf("spy buffered %d read samples, want %d (stream 1 only)", got, 25*frameLen)
		}
		said := readSpy(t, s, hooks.DirRead, 25*frameLen)
		if !audiotest.Detect(said, rate, 440) || share(said, rate, 1000) > 0.01 {
			t.Fatalf("read side: 440 Hz share %.2f, 1000 Hz share %.2f; want stream 1's 440 only",
				share(said, rate, 440), share(said, rate, 1000))
		}
		heard := readSpy(t, s, hooks.DirWrite, 25*frameLen)
		if !audiotest.Detect(heard, rate, 600) || share(heard, rate, 1500) > 0.01 {
			t.Fatalf("write side: 600 Hz share %.2f, 1500 Hz share %.2f; want stream 1's 600 only",
				share(heard, rate, 600), share(heard, rate, 1500))
		}
	})

	t.Run("GivenBothDirectionsMixed_ThenBothTonesArePresent", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		s := newSpy(t, hooks.SpyConfig{})
		mustNil(t, s.Attach(h.c, channel.DefaultStreams), "attach")
		says, hears := newTone(440, 0.4), newTone(1000, 0.4)
		for range 25 {
			h.read(0, format.SLin8, says.next())
			h.write(0, format.SLin8, hears.next())
		}
		mix := readSpy(t, s, hooks.DirBoth, 25*frameLen)
		if a, b := share(mix, rate, 440), share(mix, rate, 1000); a < 0.3 || b < 0.3 {
			t.Fatalf("mix holds 440 Hz at %.2f and 1000 Hz at %.2f of its power; want both about 0.5", a, b)
		}
		if s.Buffered(hooks.DirRead) != 0 || s.Buffered(hooks.DirWrite) != 0 {
			t.Fatal("mixed read left audio behind")
		}
	})

	t.Run("GivenOnlyOneSideFlows_ThenMixedReadSubstitutesSilence", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		s := newSpy(t, hooks.SpyConfig{Lag: 100 * time.Millisecond})
		mustNil(t, s.Attach(h.c, ""), "attach")
		says := newTone(440, 0.4)
		for range 15 { // 300 ms: more than 200 ms read + 100 ms lag
			h.read(0, format.SLin8, says.next())
		}
		mix := readSpy(t, s, hooks.DirBoth, 1600)
		if !audiotest.Detect(mix, rate, 440) {
			t.Fatal("mixed read of a one-sided call lost the talking side")
		}
	})

	t.Run("GivenSidesWithinLag_ThenMixedReadWaitsForTheOther", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		s := newSpy(t, hooks.SpyConfig{Lag: 100 * time.Millisecond})
		mustNil(t, s.Attach(h.c, ""), "attach")
		h.read(0, format.SLin8, newTone(440, 0.4).next())
		s.SetReadDeadline(time.Now().Add(-time.Second))
		if _, err := s.ReadFrame(hooks.DirBoth, frameLen); !errors.Is(err, hooks.ErrDeadline) {
			t.Fatalf("mixed read with the write side 20 ms behind: %v, want ErrDeadline", err)
		}
	})

	t.Run("GivenStalledReader_ThenMemoryStaysBoundedAndDropsAreCounted", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		s := newSpy(t, hooks.SpyConfig{Direction: hooks.DirRead})
		mustNil(t, s.Attach(h.c, ""), "attach")
		says := newTone(440, 0.4)
		const frames = 500 // 10 s
		for i := range frames {
			h.read(0, format.SLin8, says.next())
			if b := s.Buffered(hooks.DirRead); b > s.Cap() {
				t.Fatalf("frame %d: %d samples buffered, cap %d", i, b, s.Cap())
			}
		}
		if s.Cap() != 4000 {
			t.Fatalf("cap %d samples, want 500 ms = 4000", s.Cap())
		}
		if got, want := s.Dropped(hooks.DirRead), uint64(frames*frameLen-s.Cap()); got != want {
			t.Fatalf("dropped %d samples, want %d", got, want)
		}
		last := readSpy(t, s, hooks.DirRead, s.Cap())
		if !audiotest.Detect(last, rate, 440) {
			t.Fatal("the newest 500 ms are not the tone")
		}
	})

	t.Run("GivenReaderBlocked_WhenDetachedFromAnotherGoroutine_ThenReaderGetsEOF", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		s := newSpy(t, hooks.SpyConfig{})
		mustNil(t, s.Attach(h.c, ""), "attach")
		errc := make(chan error, 1)
		go func() {
			s.SetReadDeadline(time.Now().Add(timeout))
			_, err := s.ReadFrame(hooks.DirRead, frameLen)
			errc <- err
		}()
		mustNil(t, s.Detach(), "detach")
		select {
		case err := <-errc:
			mustIs(t, err, io.EOF, "blocked read after detach")
		case <-time.After(timeout):
			t.Fatal("reader not woken by detach")
		}
		if s.Status() != hooks.StatusDone {
			t.Fatalf("status %s after detach", s.Status())
		}
		if h.c.NeedsAudio() {
			t.Fatal("channel still needs audio after the only hook left")
		}
	})

	t.Run("GivenReaderBlocked_WhenChannelHangsUp_ThenReaderGetsEOF", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		s := newSpy(t, hooks.SpyConfig{})
		mustNil(t, s.Attach(h.c, ""), "attach")
		errc := make(chan error, 1)
		go func() {
			s.SetReadDeadline(time.Now().Add(timeout))
			_, err := s.ReadFrame(hooks.DirBoth, frameLen)
			errc <- err
		}()
		mustNil(t, h.c.Hangup(channel.CauseNormalClearing), "hangup")
		select {
		case err := <-errc:
			mustIs(t, err, io.EOF, "blocked read after hangup")
		case <-time.After(timeout):
			t.Fatal("reader not woken by hangup")
		}
		wait(t, s.Done(), "spy done after hangup")
	})

	t.Run("GivenAudioLeftAtDetach_ThenItIsDrainedBeforeEOF", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		s := newSpy(t, hooks.SpyConfig{Direction: hooks.DirRead})
		mustNil(t, s.Attach(h.c, ""), "attach")
		for range 3 {
			h.read(0, format.SLin8, silence.next())
		}
		mustNil(t, s.Detach(), "detach")
		mustNil(t, s.Detach(), "second detach")
		readSpy(t, s, hooks.DirRead, 2*frameLen)
		f, err := s.ReadFrame(hooks.DirRead, 2*frameLen)
		mustNil(t, err, "tail read")
		if f.Samples != frameLen {
			t.Fatalf("tail of %d samples, want %d", f.Samples, frameLen)
		}
		f.Release()
		_, err = s.ReadFrame(hooks.DirRead, frameLen)
		mustIs(t, err, io.EOF, "read after the tail")
	})

	t.Run("GivenBadRequests_ThenErrors", func(t *testing.T) {
		s := newSpy(t, hooks.SpyConfig{Direction: hooks.DirWrite})
		_, err := s.ReadFrame(hooks.DirRead, frameLen)
		mustIs(t, err, hooks.ErrDirection, "read side of a write spy")
		_, err = s.ReadFrame(hooks.DirBoth, frameLen)
		mustIs(t, err, hooks.ErrDirection, "both sides of a write spy")
		_, err = s.ReadFrame(hooks.DirWrite, 0)
		mustIs(t, err, hooks.ErrSize, "zero samples")
		_, err = s.ReadFrame(hooks.DirWrite, s.Cap()+1)
		mustIs(t, err, hooks.ErrSize, "more than the buffer")
		_, err = hooks.NewSpy(hooks.SpyConfig{Rate: 11025})
		mustIs(t, err, hooks.ErrConfig, "odd rate")
		mustNil(t, s.Detach(), "detach a new spy")
	})

	t.Run("GivenULawStreams_ThenSpyDecodesToSLin", func(t *testing.T) {
		h := newHarness(t, twoULaw)
		s := newSpy(t, hooks.SpyConfig{Paths: paths})
		mustNil(t, s.Attach(h.c, "audio-1"), "attach")
		says, hears := newTone(440, 0.4), newTone(1000, 0.4)
		for range 25 {
			h.read(1, format.ULaw, says.next())
			h.write(1, format.ULaw, hears.next())
			h.read(0, format.ULaw, silence.next())
		}
		if !audiotest.Detect(readSpy(t, s, hooks.DirRead, 4000), rate, 440) {
			t.Fatal("no 440 Hz in the decoded read side")
		}
		if !audiotest.Detect(readSpy(t, s, hooks.DirWrite, 4000), rate, 1000) {
			t.Fatal("no 1000 Hz in the decoded write side")
		}
		if s.Failed() != 0 {
			t.Fatalf("%d frames failed to convert", s.Failed())
		}
	})

	t.Run("GivenSLin16Stream_ThenSpyResamplesToItsRate", func(t *testing.T) {
		h := newHarness(t, oneSLin6)
		s := newSpy(t, hooks.SpyConfig{Direction: hooks.DirRead, Rate: 8000, Paths: paths})
		mustNil(t, s.Attach(h.c, ""), "attach")
		gen := audiotest.NewGenerator(440, 16000, 0.4)
		for range 25 {
			buf := make([]int16, 320)
			gen.Next(buf)
			in := encode(t, format.SLin8, buf) // 320 samples tagged slin8 ...
			in.Format = format.SLin16          // ... are 20 ms of slin16
			h.m.Inject(in)
			h.c.SetReadDeadline(time.Now().Add(timeout))
			f, err := h.c.ReadStream()
			mustNil(t, err, "read")
			f.Release()
		}
		got := readSpy(t, s, hooks.DirRead, 3000)
		if !audiotest.Detect(got, rate, 440) {
			t.Fatal("no 440 Hz after resampling slin16 to 8 kHz")
		}
	})

	t.Run("GivenNoPathBuilder_ThenOtherFormatsAreCountedNotCopied", func(t *testing.T) {
		h := newHarness(t, oneULaw)
		s := newSpy(t, hooks.SpyConfig{})
		mustNil(t, s.Attach(h.c, ""), "attach")
		h.read(0, format.ULaw, silence.next())
		if s.Buffered(hooks.DirRead) != 0 || s.Failed() != 1 {
			t.Fatalf("buffered %d, failed %d; want 0 and 1", s.Buffered(hooks.DirRead), s.Failed())
		}
	})
}
