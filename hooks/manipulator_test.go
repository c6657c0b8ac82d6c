package hooks_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/hooks"
	"github.com/pbx-dev/pbx/internal/audiotest"
)

func TestVolume(t *testing.T) {
	t.Run("GivenGain2OnNearFullScaleSine_ThenItClipsAt32767", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		v, err := hooks.NewVolume(hooks.VolumeConfig{ReadGain: 2})
		mustNil(t, err, "NewVolume")
		mustNil(t, v.Attach(h.c, ""), "attach")
		loud := newTone(200, 0.9) // peaks at ±29490
		var got []int16
		for range 5 {
			in := loud.next()
			out := h.read(0, format.SLin8, in)
			for i := range in {
				if want := max(min(2*int32(in[i]), 32767), -32767); int32(out[i]) != want {
					t.Fatalf("sample %d: %d*2 gave %d, want %d", i, in[i], out[i], want)
				}
			}
			got = append(got, out...)
		}
		if lo, hi := peak(got); lo != -32767 || hi != 32767 {
			t.Fatalf("peaks %d..%d, want clipped at -32767..32767", lo, hi)
		}
	})

	t.Run("GivenGainMinus2_ThenAudioIsHalved", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		v, err := hooks.NewVolume(hooks.VolumeConfig{WriteGain: -2})
		mustNil(t, err, "NewVolume")
		mustNil(t, v.Attach(h.c, ""), "attach")
		in := newTone(440, 0.8).next()
		out := h.write(0, format.SLin8, in)
		for i := range in {
			if out[i] != in[i]/2 {
				t.Fatalf("sample %d: %d/2 gave %d", i, in[i], out[i])
			}
		}
		if rd := h.read(0, format.SLin8, in); !slices.Equal(rd, in) {
			t.Fatal("write gain changed the read direction")
		}
	})

	t.Run("GivenGainChangedWhileRunning_ThenTheNextFrameUsesIt", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		v, err := hooks.NewVolume(hooks.VolumeConfig{})
		mustNil(t, err, "NewVolume")
		mustNil(t, v.Attach(h.c, ""), "attach")
		in := newTone(440, 0.2).next()
		if out := h.read(0, format.SLin8, in); !slices.Equal(out, in) {
			t.Fatal("gain 0 changed audio")
		}
		v.SetGain(hooks.DirBoth, 3)
		v.AdjustGain(hooks.DirWrite, -1)
		if v.Gain(hooks.DirRead) != 3 || v.Gain(hooks.DirWrite) != 2 || v.Gain(hooks.DirBoth) != 0 {
			t.Fatalf("gains %d/%d/%d", v.Gain(hooks.DirRead), v.Gain(hooks.DirWrite), v.Gain(hooks.DirBoth))
		}
		out := h.read(0, format.SLin8, in)
		if out[10] != 3*in[10] {
			t.Fatalf("read gain 3: %d -> %d", in[10], out[10])
		}
		out = h.write(0, format.SLin8, in)
		if out[10] != 2*in[10] {
			t.Fatalf("write gain 2: %d -> %d", in[10], out[10])
		}
	})

	t.Run("GivenULawStream_ThenGainIsAppliedAndToneKept", func(t *testing.T) {
		h := newHarness(t, oneULaw)
		v, err := hooks.NewVolume(hooks.VolumeConfig{ReadGain: 2, WriteGain: -4, Paths: paths})
		mustNil(t, err, "NewVolume")
		mustNil(t, v.Attach(h.c, ""), "attach")
		src := newTone(440, 0.2)
		var rd, wr, ref []int16
		for range 10 {
			in := src.next()
			ref = append(ref, decode(t, encode(t, format.ULaw, in))...)
			rd = append(rd, h.read(0, format.ULaw, in)...)
			wr = append(wr, h.write(0, format.ULaw, in)...)
		}
		if !audiotest.Detect(rd, rate, 440) || !audiotest.Detect(wr, rate, 440) {
			t.Fatal("tone lost through ulaw -> slin -> gain -> ulaw")
		}
		if r := rms(rd) / rms(ref); r < 1.9 || r > 2.1 {
			t.Fatalf("read level ratio %.2f, want 2", r)
		}
		if r := rms(wr) / rms(ref); r < 0.23 || r > 0.27 {
			t.Fatalf("write level ratio %.2f, want 0.25", r)
		}
	})
}

func TestMute(t *testing.T) {
	for name, f := range map[string]format.Format{"SLin": format.SLin8, "ULaw": format.ULaw} {
		topo := oneSLin
		if f.Is(format.ULaw) {
			topo = oneULaw
		}
		t.Run("Given"+name+"ReadMuted_ThenApplicationHearsSilenceAndPartyStillHears", func(t *testing.T) {
			h := newHarness(t, topo)
			m, err := hooks.NewMute(hooks.MuteConfig{Muted: hooks.DirRead, Paths: paths})
			mustNil(t, err, "NewMute")
			mustNil(t, m.Attach(h.c, ""), "attach")
			in := newTone(440, 0.5).next()
			if out := h.read(0, f, in); rms(out) > 8 { // µ-law's zero decodes to ±4 at worst
				t.Fatalf("muted read has rms %.0f", rms(out))
			}
			if out := h.write(0, f, in); rms(out) < 1000 {
				t.Fatalf("unmuted write has rms %.0f", rms(out))
			}
			m.SetMuted(hooks.DirBoth, true)
			if !m.Muted(hooks.DirBoth) {
				t.Fatal("Muted(both) false after muting both")
			}
			if out := h.write(0, f, in); rms(out) > 8 {
				t.Fatalf("muted write has rms %.0f", rms(out))
			}
			m.SetMuted(hooks.DirRead, false)
			if out := h.read(0, f, in); rms(out) < 1000 {
				t.Fatalf("unmuted read has rms %.0f", rms(out))
			}
		})
	}
}

func TestManipulator(t *testing.T) {
	t.Run("GivenFuncReportsNoChange_ThenULawFrameIsNotReencoded", func(t *testing.T) {
		h := newHarness(t, oneULaw)
		var calls []hooks.Direction
		m, err := hooks.NewManipulator(hooks.ManipulatorConfig{
			Direction: hooks.DirWrite,
			Paths:     paths,
			Func: func(d hooks.Direction, s []int16, r int) bool {
				calls = append(calls, d)
				if r != rate || len(s) != frameLen {
					t.Errorf("func got %d samples at %d Hz", len(s), r)
				}
				return false
			},
		})
		mustNil(t, err, "NewManipulator")
		mustNil(t, m.Attach(h.c, ""), "attach")
		in := encode(t, format.ULaw, newTone(440, 0.3).next())
		defer in.Release()
		mustNil(t, h.c.Write(in), "write")
		out := <-h.m.Written()
		defer out.Release()
		if string(out.Payload) != string(in.Payload) {
			t.Fatal("unchanged audio was re-encoded")
		}
		h.read(0, format.ULaw, silence.next())
		if !slices.Equal(calls, []hooks.Direction{hooks.DirWrite}) {
			t.Fatalf("func called for %v, want one write", calls)
		}
	})

	t.Run("GivenSpyWhisperAndManipulatorAttachedInReverse_ThenTheyRunSpyWhisperManipulate", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		var mu sync.Mutex
		var seenByManip []int16
		m, err := hooks.NewManipulator(hooks.ManipulatorConfig{Func: func(d hooks.Direction, s []int16, _ int) bool {
			mu.Lock()
			seenByManip = append(seenByManip, s...)
			mu.Unlock()
			hooks.ApplyGain(s, -2)
			return true
		}, Direction: hooks.DirWrite})
		mustNil(t, err, "NewManipulator")
		w := newWhisper(t, hooks.WhisperConfig{})
		s := newSpy(t, hooks.SpyConfig{Direction: hooks.DirWrite})
		mustNil(t, m.Attach(h.c, ""), "attach manipulator")
		mustNil(t, w.Attach(h.c, ""), "attach whisper")
		mustNil(t, s.Attach(h.c, ""), "attach spy")
		flat := make([]int16, frameLen)
		for i := range flat {
			flat[i] = 1000
		}
		_, err = w.Write(flat)
		mustNil(t, err, "whisper")
		out := h.write(0, format.SLin8, flat)
		spied := readSpy(t, s, hooks.DirWrite, frameLen)
		if spied[0] != 1000 || seenByManip[0] != 2000 || out[0] != 1000 {
			t.Fatalf("spy saw %d (want 1000: first), manipulator %d (want 2000: after the whisper), party %d (want 1000)",
				spied[0], seenByManip[0], out[0])
		}
	})

	t.Run("GivenNoFunc_ThenConfigError", func(t *testing.T) {
		_, err := hooks.NewManipulator(hooks.ManipulatorConfig{})
		mustIs(t, err, hooks.ErrConfig, "no func")
	})
}

func TestApplyGainAndMix(t *testing.T) {
	cases := map[string]struct {
		in   []int16
		gain int
		want []int16
	}{
		"Gain0Unchanged":        {[]int16{5, -5, 32767}, 0, []int16{5, -5, 32767}},
		"Gain2Saturates":        {[]int16{100, 20000, -20000, -32768}, 2, []int16{200, 32767, -32767, -32767}},
		"GainMinus2Halves":      {[]int16{101, -101, 32767}, -2, []int16{50, -50, 16383}},
		"GainMinus1Unchanged":   {[]int16{7, -7}, -1, []int16{7, -7}},
		"HugeGainIsStillSafe":   {[]int16{1, -1, 0}, 1 << 30, []int16{32767, -32767, 0}},
		"HugeNegativeGainZeros": {[]int16{32767, -32767}, -(1 << 30), []int16{0, 0}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := slices.Clone(c.in)
			hooks.ApplyGain(s, c.gain)
			if !slices.Equal(s, c.want) {
				t.Fatalf("ApplyGain(%v, %d) = %v, want %v", c.in, c.gain, s, c.want)
			}
		})
	}
	t.Run("MixSaturatesOverTheShorter", func(t *testing.T) {
		dst := []int16{30000, -30000, 5, 9}
		hooks.MixInto(dst, []int16{30000, -30000, -5})
		if want := []int16{32767, -32767, 0, 9}; !slices.Equal(dst, want) {
			t.Fatalf("mix %v, want %v", dst, want)
		}
	})
}
