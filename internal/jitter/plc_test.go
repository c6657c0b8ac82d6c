package jitter

import (
	"math"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/internal/audiotest"
	"github.com/zaf/g711"
)

// voice returns n samples of a speech-like periodic signal: a 150 Hz
// fundamental with falling harmonics and a slow amplitude swell.
func voice(n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		t := float64(i) / 8000
		var v float64
		for h := 1; h <= 12; h++ {
			v += 5000 / float64(h) * math.Sin(2*math.Pi*150*float64(h)*t+float64(h*h))
		}
		out[i] = int16(v * (0.7 + 0.3*math.Sin(2*math.Pi*1.5*t)))
	}
	return out
}

// snr returns the signal-to-error ratio of got against want in dB.
func snr(want, got []int16) float64 {
	var sig, noise float64
	for i := range want {
		s, e := float64(want[i]), float64(got[i])-float64(want[i])
		sig += s * s
		noise += e * e
	}
	if noise == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(sig/noise)
}

func rms(s []int16) float64 {
	var e float64
	for _, x := range s {
		e += float64(x) * float64(x)
	}
	return math.Sqrt(e / float64(len(s)))
}

func TestPLCBeforeHistory(t *testing.T) {
	p := NewPLC(8000)
	out := p.Conceal(make([]byte, 320))
	for _, b := range out {
		if b != 0 {
			t.Fatal("concealment without history is not silence")
		}
	}
}

func TestPLCContinuesAndFades(t *testing.T) {
	for name, sig := range map[string][]int16{
		"440 Hz": audiotest.Sine(440, 8000, 400, 0.5),
		"voice":  voice(3200),
	} {
		t.Run(name, func(t *testing.T) {
			p := NewPLC(8000)
			for f := range 10 { // 200 ms of history
				p.Good(audiotest.Bytes(sig[f*160 : (f+1)*160]))
			}
			var conc []int16
			for range 4 { // 80 ms erasure
				conc = audiotest.AppendSamples(conc, p.Conceal(make([]byte, 320)))
			}
			truth := sig[1600:]
			// The first 10 ms follow the real signal closely.
			if s := snr(truth[:80], conc[:80]); s < 10 {
				t.Errorf("first 10 ms SNR %.1f dB, want >= 10", s)
			}
			// Level: full for 10 ms, then fading, silent after 60 ms.
			if r0, r1 := rms(conc[:80]), rms(truth[:80]); r0 < 0.8*r1 {
				t.Errorf("first 10 ms rms %.0f, want about %.0f", r0, r1)
			}
			if r := rms(conc[320:400]) / rms(truth[320:400]); r < 0.3 || r > 0.7 {
				t.Errorf("rms ratio at 40-50 ms %.2f, want about 0.5", r)
			}
			if r := rms(conc[480:]); r != 0 {
				t.Errorf("rms after 60 ms %.1f, want 0", r)
			}
		})
	}
}

func TestPLCCrossFade(t *testing.T) {
	sig := audiotest.Sine(440, 8000, 200, 0.5)
	p := NewPLC(8000)
	for f := range 5 {
		p.Good(audiotest.Bytes(sig[f*160 : (f+1)*160]))
	}
	conc := audiotest.Samples(p.Conceal(make([]byte, 320)))
	good := audiotest.Bytes(sig[960:1120])
	p.Good(good)
	after := audiotest.Samples(good)
	// The seam between concealment and the next real frame is smooth: no
	// step bigger than the sine's own steepest step (2π·440/8000·A ≈ 5650).
	if step := math.Abs(float64(after[0]) - float64(conc[159])); step > 6000 {
		t.Errorf("step of %.0f at the seam", step)
	}
	// After a 20 ms erasure the cross-fade covers 8 ms (64 samples): 4 ms
	// plus 4 ms per 10 ms of erasure beyond the first.
	if after[63] == sig[960+63] && after[62] == sig[960+62] {
		t.Error("cross-fade shorter than 8 ms")
	}
	for i := 64; i < 160; i++ {
		if after[i] != sig[960+i] {
			t.Fatalf("sample %d modified after the cross-fade", i)
		}
	}
}

func TestG711PLC(t *testing.T) {
	for _, law := range []Law{Ulaw, Alaw} {
		c := NewG711PLC(law)
		if c.Law() != law {
			t.Errorf("Law() = %v", c.Law())
		}
		enc, dec := g711.EncodeUlawFrame, g711.DecodeUlawFrame
		if law == Alaw {
			enc, dec = g711.EncodeAlawFrame, g711.DecodeAlawFrame
		}
		sig := audiotest.Sine(440, 8000, 300, 0.5)
		frame := make([]byte, 160)
		for f := range 10 {
			for i := range frame {
				frame[i] = enc(sig[f*160+i])
			}
			c.Good(frame)
		}
		out := c.Conceal(make([]byte, 160))
		lin := make([]int16, 160)
		for i, b := range out {
			lin[i] = dec(b)
		}
		if s := snr(sig[1600:1680], lin[:80]); s < 10 {
			t.Errorf("%v: first 10 ms SNR %.1f dB", law, s)
		}
		c.Reset()
		for i := range frame {
			frame[i] = 0
		}
		for _, b := range c.Conceal(frame) {
			if v := dec(b); v < -8 || v > 8 { // A-law's smallest step
				t.Fatalf("%v: concealment after Reset is not silence", law)
			}
		}
	}
	if Ulaw.String() != "PCMU" || Alaw.String() != "PCMA" || LawUnknown.String() != "unknown" {
		t.Error("Law.String")
	}
}

func TestConcealersNoAllocs(t *testing.T) {
	for name, c := range map[string]Concealer{"slin": NewPLC(8000), "ulaw": NewG711PLC(Ulaw)} {
		size := 160
		if name == "slin" {
			size = 320
		}
		frame := make([]byte, size)
		dst := make([]byte, size)
		allocs := testing.AllocsPerRun(50, func() {
			c.Good(frame)
			c.Good(frame)
			c.Conceal(dst)
			c.Conceal(dst)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocs", name, allocs)
		}
	}
}

// TestConcealmentBeatsSilence plays a 5% loss trace of G.711 audio
// through the buffer with and without concealment and compares the result
// with the original.
func TestConcealmentBeatsSilence(t *testing.T) {
	for name, sig := range map[string][]int16{
		"440 Hz": audiotest.Sine(440, 8000, 20000, 0.5),
		"voice":  voice(160000),
	} {
		t.Run(name, func(t *testing.T) {
			const frames = 1000
			ulaw := make([]byte, len(sig))
			for i, s := range sig {
				ulaw[i] = g711.EncodeUlawFrame(s)
			}
			ref := make([]int16, len(sig)) // what a perfect network delivers
			for i, b := range ulaw {
				ref[i] = g711.DecodeUlawFrame(b)
			}
			rnd := lcg(5)
			lost := make([]bool, frames)
			nlost := 0
			for k := 10; k < frames; k++ {
				if rnd.float() < 0.05 {
					lost[k] = true
					nlost++
				}
			}
			s := sender{
				n: frames, delay: 25 * time.Millisecond,
				lose:    func(k int) bool { return lost[k] },
				payload: func(k int) []byte { return ulaw[k*160 : (k+1)*160] },
			}
			run := func(c Concealer) (out []int16, st Stats) {
				buf := mustNew(t, Config{InitialDelay: 20 * time.Millisecond, Concealer: c})
				res := play(buf, s.packets(), frames+1, 5*time.Millisecond)
				for _, r := range res {
					switch r.status {
					case NotYet:
						continue
					case Normal, Concealed:
						if r.payload != nil {
							for _, b := range r.payload {
								out = append(out, g711.DecodeUlawFrame(b))
							}
							continue
						}
					}
					out = append(out, make([]int16, 160)...) // the caller plays silence
				}
				return out[:len(ref)], buf.Stats()
			}
			plc, stPLC := run(NewG711PLC(Ulaw))
			sil, stSil := run(nil)
			if stPLC.Adjustments != 0 || stSil.Adjustments != 0 {
				t.Fatalf("adjustments %d/%d would misalign the comparison", stPLC.Adjustments, stSil.Adjustments)
			}
			if stPLC.Lost != uint64(nlost) || stPLC.Concealed < uint64(nlost) {
				t.Errorf("lost %d concealed %d, want %d", stPLC.Lost, stPLC.Concealed, nlost)
			}
			snrPLC, snrSil := snr(ref, plc), snr(ref, sil)
			// Over the lost frames alone silence scores exactly 0 dB.
			var lp, ls, lr []int16
			for k := range frames {
				if lost[k] {
					lr = append(lr, ref[k*160:(k+1)*160]...)
					lp = append(lp, plc[k*160:(k+1)*160]...)
					ls = append(ls, sil[k*160:(k+1)*160]...)
				}
			}
			lossPLC, lossSil := snr(lr, lp), snr(lr, ls)
			zPLC, zSil := zeroRuns(plc), zeroRuns(sil)
			t.Logf("%d lost: SNR overall %.1f dB with PLC vs %.1f dB silence; lost frames %.1f vs %.1f dB; zero runs %d vs %d",
				nlost, snrPLC, snrSil, lossPLC, lossSil, zPLC, zSil)
			if snrPLC < snrSil+6 {
				t.Errorf("PLC SNR %.1f dB not clearly better than silence %.1f dB", snrPLC, snrSil)
			}
			if lossPLC < 5 {
				t.Errorf("SNR over lost frames %.1f dB, want >= 5", lossPLC)
			}
			if zPLC*10 > zSil {
				t.Errorf("zero runs: %d with PLC, %d without", zPLC, zSil)
			}
		})
	}
}

// zeroRuns counts runs of 10 ms or more of near-silence.
func zeroRuns(s []int16) int {
	runs, n := 0, 0
	for _, x := range s {
		if x > -50 && x < 50 {
			n++
			if n == 80 {
				runs++
			}
		} else {
			n = 0
		}
	}
	return runs
}
