package hooks_test

import (
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/hooks"
	"github.com/pbx-dev/pbx/internal/audiotest"
)

func newWhisper(t testing.TB, cfg hooks.WhisperConfig) *hooks.Whisper {
	t.Helper()
	w, err := hooks.NewWhisper(cfg)
	mustNil(t, err, "NewWhisper")
	return w
}

func TestWhisper(t *testing.T) {
	for name, f := range map[string]format.Format{"SLin": format.SLin8, "ULaw": format.ULaw} {
		topo := oneSLin
		if f.Is(format.ULaw) {
			topo = oneULaw
		}
		t.Run("Given"+name+"Stream_ThenWhisperIsHeardByThePartyOnly", func(t *testing.T) {
			h := newHarness(t, topo)
			w := newWhisper(t, hooks.WhisperConfig{Paths: paths})
			coach := audiotest.Sine(1000, rate, 400, 0.4)
			n, err := w.Write(coach)
			mustNil(t, err, "whisper write")
			if n != len(coach) {
				t.Fatalf("queued %d samples, want %d", n, len(coach))
			}
			mustNil(t, w.Attach(h.c, ""), "attach")
			var heard, app []int16
			for range 20 { // 400 ms
				heard = append(heard, h.write(0, f, silence.next())...)
				app = append(app, h.read(0, f, silence.next())...)
			}
			if !audiotest.Detect(heard, rate, 1000) {
				t.Fatalf("party does not hear the whisper: 1000 Hz share %.2f, rms %.0f", share(heard, rate, 1000), rms(heard))
			}
			if rms(app) > 10 {
				t.Fatalf("whisper leaked into what the application reads (rms %.0f)", rms(app))
			}
			if w.Buffered() != 0 {
				t.Fatalf("%d samples left after the whisper was played", w.Buffered())
			}
			if w.Failed() != 0 {
				t.Fatalf("%d frames failed", w.Failed())
			}
		})
	}

	t.Run("GivenReadWhisper_ThenApplicationHearsItAndPartyDoesNot", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		w := newWhisper(t, hooks.WhisperConfig{Direction: hooks.DirRead})
		mustNil(t, w.Attach(h.c, ""), "attach")
		_, err := w.Write(audiotest.Sine(700, rate, 200, 0.4))
		mustNil(t, err, "whisper write")
		var heard, app []int16
		for range 10 {
			app = append(app, h.read(0, format.SLin8, silence.next())...)
			heard = append(heard, h.write(0, format.SLin8, silence.next())...)
		}
		if !audiotest.Detect(app, rate, 700) || rms(heard) != 0 {
			t.Fatalf("app 700 Hz share %.2f, party rms %.0f; want the tone on the read side only", share(app, rate, 700), rms(heard))
		}
	})

	t.Run("GivenWhisperOnAudio1_ThenOnlyThatStreamCarriesIt", func(t *testing.T) {
		h := newHarness(t, twoSLin)
		w := newWhisper(t, hooks.WhisperConfig{})
		mustNil(t, w.Attach(h.c, "audio-1"), "attach")
		_, err := w.Write(audiotest.Sine(1000, rate, 200, 0.4))
		mustNil(t, err, "whisper write")
		var s0, s1 []int16
		for range 10 {
			s0 = append(s0, h.write(0, format.SLin8, silence.next())...)
			s1 = append(s1, h.write(1, format.SLin8, silence.next())...)
		}
		if rms(s0) != 0 || !audiotest.Detect(s1, rate, 1000) {
			t.Fatalf("stream 0 rms %.0f, stream 1 1000 Hz share %.2f", rms(s0), share(s1, rate, 1000))
		}
	})

	t.Run("GivenLoudAudio_ThenMixSaturates", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		w := newWhisper(t, hooks.WhisperConfig{})
		mustNil(t, w.Attach(h.c, ""), "attach")
		loud := make([]int16, frameLen)
		for i := range loud {
			loud[i] = 30000
			if i%2 == 1 {
				loud[i] = -30000
			}
		}
		_, err := w.Write(loud)
		mustNil(t, err, "whisper write")
		got := h.write(0, format.SLin8, loud)
		for i, v := range got {
			if want := loud[i] / 30000 * 32767; v != want {
				t.Fatalf("sample %d = %d, want %d (saturated)", i, v, want)
			}
		}
	})

	t.Run("GivenNothingQueued_ThenFramesPassUntouched", func(t *testing.T) {
		h := newHarness(t, oneULaw)
		w := newWhisper(t, hooks.WhisperConfig{Paths: paths})
		mustNil(t, w.Attach(h.c, ""), "attach")
		in := newTone(440, 0.4).next()
		want := encode(t, format.ULaw, in)
		defer want.Release()
		mustNil(t, h.c.Write(want), "write")
		got := <-h.m.Written()
		defer got.Release()
		if string(got.Payload) != string(want.Payload) {
			t.Fatal("an idle whisper changed the frame")
		}
	})

	t.Run("GivenMoreThanTheBuffer_ThenWriteTakesWhatFits", func(t *testing.T) {
		w := newWhisper(t, hooks.WhisperConfig{Buffer: 100e6}) // 100 ms
		n, err := w.Write(make([]int16, 1000))
		mustIs(t, err, hooks.ErrFull, "overfull write")
		if n != 800 || w.Free() != 0 {
			t.Fatalf("took %d, free %d; want 800 and 0", n, w.Free())
		}
		w.Clear()
		if w.Buffered() != 0 {
			t.Fatal("Clear left audio")
		}
		mustNil(t, w.Detach(), "detach")
		_, err = w.Write(make([]int16, 10))
		mustIs(t, err, hooks.ErrDone, "write after done")
		_, err = hooks.NewWhisper(hooks.WhisperConfig{Direction: hooks.DirBoth})
		mustIs(t, err, hooks.ErrDirection, "whisper both ways")
	})

	t.Run("GivenWhisperAt16kOnSLin8Stream_ThenItIsResampled", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		w := newWhisper(t, hooks.WhisperConfig{Rate: 16000, Paths: paths})
		mustNil(t, w.Attach(h.c, ""), "attach")
		_, err := w.Write(audiotest.Sine(1000, 16000, 400, 0.4))
		mustNil(t, err, "whisper write")
		var heard []int16
		for range 20 {
			heard = append(heard, h.write(0, format.SLin8, silence.next())...)
		}
		if !audiotest.Detect(heard[frameLen:], rate, 1000) {
			t.Fatalf("no 1000 Hz after resampling the whisper: share %.2f", share(heard, rate, 1000))
		}
	})
}
