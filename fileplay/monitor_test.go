package fileplay

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/bridge"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/dialplan"
	"github.com/pbx-dev/pbx/internal/audiotest"
)

// checkMix checks that the middle of a mixed recording holds both tones.
func checkMix(t *testing.T, s []int16, rate int, f1, f2 float64) {
	t.Helper()
	if len(s) < rate {
		t.Fatalf("recording of %d samples", len(s))
	}
	mid := s[len(s)/2-rate/4 : len(s)/2+rate/4]
	a, b := share(mid, rate, f1), share(mid, rate, f2)
	if a < 0.3 || b < 0.3 {
		t.Errorf("mix holds %.2f of its power at %v Hz and %.2f at %v Hz, want both ≥ 0.3", a, f1, b, f2)
	}
}

// TestMixMonitor records a channel that hears a played prompt (1000 Hz)
// while its party talks (440 Hz): the mix holds both, the r() file only
// what the party says and the t() file only what it hears.
func TestMixMonitor(t *testing.T) {
	prompt := writeFile(t, t.TempDir(), "prompt.wav", wavBytes(format.SLin8, encode(t, tone(1000, 8000, 2000), 8000, format.SLin8)))
	for _, caps := range []string{"ulaw", "slin16"} {
		t.Run(caps, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				reg := newReg(t)
				m, ch := mockChan(t, reg, topo(t, "audio:"+caps))
				p := newPlayer(t, t.TempDir())
				mon, err := p.MixMonitor(ch, "call.wav", MixMonitorOptions{ReadFile: "rx.wav", WriteFile: "tx.wav"})
				must(t, err)
				equal(t, "listed", len(p.Monitors(ch)), 1)
				f, _ := ch.Topology().Stream(0)
				var inj injector
				inj.send(t, m, 0, f.Formats().First(), 440, 0, 2*time.Second)
				col := collect(m)
				_, err = p.PlayFile(context.Background(), ch, prompt, "")
				col.wait()
				must(t, err)
				must(t, p.StopMixMonitor(context.Background(), ch, ""))
				must(t, mon.Err())
				equal(t, "unlisted", len(p.Monitors(ch)), 0)
				rate := 8000
				if caps == "slin16" {
					rate = 16000
				}
				mix, mf := wavSamples(t, mon.File())
				equal(t, "mix rate", mf.Rate(), rate)
				checkMix(t, mix, rate, 440, 1000)
				dur := time.Duration(len(mix)) * time.Second / time.Duration(rate)
				if dur < 1900*time.Millisecond || dur > 2100*time.Millisecond {
					t.Errorf("recorded %v of a 2 s call", dur)
				}
				rx, _ := wavSamples(t, filepath.Join(filepath.Dir(mon.File()), "rx.wav"))
				tx, _ := wavSamples(t, filepath.Join(filepath.Dir(mon.File()), "tx.wav"))
				equal(t, "r() and t() in step with the mix", len(rx) == len(mix) && len(tx) == len(mix), true)
				mid := func(s []int16) []int16 { return s[len(s)/2-rate/10 : len(s)/2+rate/10] }
				if !audiotest.Detect(mid(rx), rate, 440) || audiotest.Detect(mid(rx), rate, 1000) {
					t.Error("r() file is not the party's 440 Hz alone")
				}
				if !audiotest.Detect(mid(tx), rate, 1000) || audiotest.Detect(mid(tx), rate, 440) {
					t.Error("t() file is not the prompt's 1000 Hz alone")
				}
				must(t, ch.Hangup(0))
				inj.wait()
			})
		})
	}
}

// TestMixMonitorBridged records one side of a bridged call: both parties'
// tones are in the recording.
func TestMixMonitorBridged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := newReg(t)
		ma, a := mockChan(t, reg, topo(t, "audio:ulaw"))
		mb, b := mockChan(t, reg, topo(t, "audio:alaw"))
		p := newPlayer(t, t.TempDir())
		mon, err := p.MixMonitor(a, "bridged-%d.wav", MixMonitorOptions{})
		must(t, err)
		if !strings.HasSuffix(mon.File(), "bridged-0.wav") {
			t.Errorf("file %s", mon.File())
		}
		br, err := bridge.New(bridge.Config{Logger: quiet, DissolveOnHangup: true})
		must(t, err)
		done := make(chan struct{}, 2)
		for _, ch := range []*channel.Channel{a, b} {
			go func() { // ends when the bridge dissolves at hangup
				br.Join(context.Background(), ch)
				done <- struct{}{}
			}()
		}
		ca, cb := collect(ma), collect(mb)
		var inj injector
		inj.send(t, ma, 0, format.ULaw, 440, 0, 2*time.Second)
		inj.send(t, mb, 0, format.ALaw, 1000, 0, 2*time.Second)
		inj.wait()
		time.Sleep(100 * time.Millisecond) // fake time: let the last frames through
		must(t, a.Hangup(channel.CauseNormalClearing))
		<-done
		<-done
		must(t, mon.Wait(context.Background()))
		ca.wait()
		cb.wait()
		must(t, b.Hangup(0))
		must(t, br.Close())
		s, _ := wavSamples(t, mon.File())
		checkMix(t, s, 8000, 440, 1000)
	})
}

// TestMixMonitorMatroska records every stream of a channel into one
// Matroska file and plays it back to another channel: each track reaches
// the stream it came from.
func TestMixMonitorMatroska(t *testing.T) {
	a := audioBytes(tone(440, 8000, 2000))
	b := audioBytes(tone(1000, 16000, 2000))
	src := writeFile(t, t.TempDir(), "src.mkv", mkvFile(t, []Track{
		{Type: format.Audio, Format: format.SLin8},
		{Type: format.Audio, Format: format.SLin16},
	}, func(w *MatroskaWriter) {
		for i := range 100 {
			at := time.Duration(i) * FrameDuration
			must(t, w.WriteFrame(0, at, true, a[i*320:(i+1)*320]))
			must(t, w.WriteFrame(1, at, true, b[i*640:(i+1)*640]))
		}
	}))
	spec := []string{"audio:ulaw", "audio:slin16", "video:vp8"}
	var rec string
	recDir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		reg := newReg(t)
		m, ch := mockChan(t, reg, topo(t, spec...))
		p := newPlayerRec(t, t.TempDir(), recDir)
		mon, err := p.MixMonitor(ch, "all.mkv", MixMonitorOptions{})
		must(t, err)
		// The party's camera sends a picture every 40 ms.
		stopVideo := make(chan struct{})
		videoDone := make(chan struct{})
		go func() { // ends when stopVideo closes
			defer close(videoDone)
			tick := time.NewTicker(40 * time.Millisecond)
			defer tick.Stop()
			for n := 0; ; n++ {
				f := frame.Get(0)
				f.Kind, f.Format, f.Stream, f.Marker = frame.Video, format.VP8, 2, true
				f.Payload = append(f.Payload, fmt.Sprintf("camera %d", n)...)
				m.Inject(f)
				select {
				case <-tick.C:
				case <-stopVideo:
					return
				}
			}
		}()
		col := collect(m)
		_, err = p.PlayFile(context.Background(), ch, src, "")
		col.wait()
		must(t, err)
		close(stopVideo)
		<-videoDone
		must(t, p.StopMixMonitor(context.Background(), ch, mon.ID()))
		must(t, mon.Err())
		rec = mon.File()
		must(t, ch.Hangup(0))
	})

	f, err := Open(rec)
	must(t, err)
	tracks := f.Tracks()
	f.Close()
	equal(t, "tracks", len(tracks), 3)
	for i, want := range []format.Format{format.SLin8, format.SLin16, format.VP8} {
		equal(t, fmt.Sprintf("track %d format", i), tracks[i].Format.Is(want), true)
	}
	equal(t, "track names are the stream names", tracks[1].Name, "audio-1")

	synctest.Test(t, func(t *testing.T) {
		reg := newReg(t)
		m, ch := mockChan(t, reg, topo(t, spec...))
		p := newPlayer(t, t.TempDir())
		col := collect(m)
		_, err := p.Play(context.Background(), ch, rec, "")
		fs := col.wait()
		must(t, err)
		first := decode(t, payloads(ofStream(fs, 0, frame.Voice)), format.ULaw, 8000)
		second := audiotest.Samples(payloads(ofStream(fs, 1, frame.Voice)))
		video := ofStream(fs, 2, frame.Video)
		if len(first) < 15000 || !audiotest.Detect(first[4000:12000], 8000, 440) {
			t.Errorf("stream 0: %d samples, want 2 s of 440 Hz", len(first))
		}
		if len(second) < 30000 || !audiotest.Detect(second[8000:24000], 16000, 1000) {
			t.Errorf("stream 1: %d samples, want 2 s of 1000 Hz", len(second))
		}
		if len(video) < 45 {
			t.Fatalf("stream 2: %d pictures, want about 50", len(video))
		}
		for n, v := range video {
			equal(t, "picture", string(v.payload), fmt.Sprintf("camera %d", n))
		}
		if d := video[10].at - video[0].at; d < 380*time.Millisecond || d > 420*time.Millisecond {
			t.Errorf("ten pictures span %v, want 400 ms", d)
		}
		must(t, ch.Hangup(0))
	})
}

func TestMixMonitorLifecycle(t *testing.T) {
	t.Run("hangup stops it", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			m, ch := mockChan(t, reg, topo(t, "audio:ulaw"))
			p := newPlayer(t, t.TempDir())
			mon, err := p.MixMonitor(ch, "x.sln", MixMonitorOptions{ReadGain: 1})
			must(t, err)
			var inj injector
			inj.send(t, m, 0, format.ULaw, 440, 0, time.Second)
			go func() { // reads the channel, as an application would; ends at hangup
				for {
					f, err := ch.Read()
					if err != nil {
						return
					}
					f.Release()
				}
			}()
			inj.wait()
			time.Sleep(50 * time.Millisecond)
			must(t, ch.Hangup(0))
			<-mon.Done()
			must(t, mon.Err())
			fh, err := Open(mon.File())
			must(t, err)
			frames, err := readAll(t, fh)
			fh.Close()
			must(t, err)
			s := audiotest.Samples(payloads(frames))
			if len(s) < 7800 || !audiotest.Detect(s[2000:6000], 8000, 440) {
				t.Errorf("%d samples recorded", len(s))
			}
			wantErr(t, p.StopMixMonitor(context.Background(), ch, ""), ErrNotFound)
		})
	})
	t.Run("errors", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			_, ch := mockChan(t, reg, topo(t, "audio:ulaw"))
			p := newPlayer(t, t.TempDir())
			_, err := p.MixMonitor(ch, "x", MixMonitorOptions{})
			wantErr(t, err, ErrBadArgs)
			_, err = p.MixMonitor(ch, "x.wav", MixMonitorOptions{WriteGain: 5})
			wantErr(t, err, ErrBadArgs)
			_, err = p.MixMonitor(ch, "x.mkv", MixMonitorOptions{Append: true})
			must(t, err) // append does not apply to a multi-stream recording
			must(t, ch.Hangup(0))
			_, err = p.MixMonitor(ch, "y.wav", MixMonitorOptions{})
			wantErr(t, err, channel.ErrHangup)
			must(t, p.Close(context.Background()))
			_, ch2 := mockChan(t, reg, topo(t, "audio:ulaw"))
			_, err = p.MixMonitor(ch2, "z.wav", MixMonitorOptions{})
			wantErr(t, err, ErrClosed)
			must(t, ch2.Hangup(0))
		})
	})
}

func TestParseMixMonitorArgs(t *testing.T) {
	file, o, id, err := parseMixMonitorArgs("rec.wav,abr(in.wav)t(out.wav)v(2)V(-1)i(MID)")
	must(t, err)
	equal(t, "file", file, "rec.wav")
	equal(t, "append", o.Append, true)
	equal(t, "r", o.ReadFile, "in.wav")
	equal(t, "t", o.WriteFile, "out.wav")
	equal(t, "v", o.WriteGain, 2)
	equal(t, "V", o.ReadGain, -1)
	equal(t, "i", id, "MID")
	_, o, _, err = parseMixMonitorArgs("x.wav,W(3)")
	must(t, err)
	equal(t, "W", o.ReadGain+o.WriteGain, 6)
	for _, bad := range []string{"", "x.wav,v(9)", "x.wav,r(abc"} {
		_, _, _, err := parseMixMonitorArgs(bad)
		wantErr(t, err, ErrBadArgs)
	}
}

// TestMixMonitorApps runs MixMonitor and StopMixMonitor from a dialplan.
func TestMixMonitorApps(t *testing.T) {
	sounds := t.TempDir()
	writeFile(t, filepath.Join(sounds, "en"), "hello.wav", wavBytes(format.SLin8, encode(t, tone(1000, 8000, 1000), 8000, format.SLin8)))
	synctest.Test(t, func(t *testing.T) {
		plan, err := dialplan.Parse("test.conf", strings.NewReader(`[default]
exten => s,1,MixMonitor(call.wav,i(MID))
 same => n,Playback(hello)
 same => n,StopMixMonitor(${MID})
 same => n,Hangup()
`))
		must(t, err)
		reg := newReg(t)
		runner := apps.New(apps.Config{Registry: reg, Plan: plan, Logger: quiet})
		p := newPlayer(t, sounds)
		must(t, RegisterApps(runner, p))
		runner.Player = p
		m, ch := mockChan(t, reg, topo(t, "audio:slin"))
		col := collect(m)
		reg.Serve(context.Background(), runner, ch)
		col.wait()
		id, _ := ch.Var("MID")
		equal(t, "id", id, "1")
		file, _ := ch.Var("MIXMONITOR_FILENAME")
		s, _ := wavSamples(t, file)
		if len(s) < 7800 || !audiotest.Detect(s[2000:6000], 8000, 1000) {
			t.Errorf("recording of %d samples without the prompt", len(s))
		}
	})
}
