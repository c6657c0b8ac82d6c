package fileplay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/internal/audiotest"
	"github.com/pbx-dev/pbx/translate"
)

// TestPlayFormats plays one second of 440 Hz in every file format to a
// stream that takes the format as it is, and checks the pace (frame n
// leaves at n×20 ms), the content (byte for byte the file's samples) and
// the frequency.
func TestPlayFormats(t *testing.T) {
	cases := []struct {
		name string
		f    format.Format
		wav  bool
	}{
		{"x.wav", format.SLin8, true},
		{"x.wav16", format.SLin16, true},
		{"x48.wav", format.SLin48, true},
		{"ulaw.wav", format.ULaw, true},
		{"alaw.wav", format.ALaw, true},
		{"x.ulaw", format.ULaw, false},
		{"x.alaw", format.ALaw, false},
		{"x.sln", format.SLin8, false},
		{"x.sln16", format.SLin16, false},
		{"x.sln48", format.SLin48, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rate := c.f.Rate()
			data := encode(t, tone(440, rate, 1010), rate, c.f) // 50½ frames: the last is short
			file := data
			if c.wav {
				file = wavBytes(c.f, data)
			}
			path := writeFile(t, t.TempDir(), c.name, file)
			synctest.Test(t, func(t *testing.T) {
				reg := newReg(t)
				m, ch := mockChan(t, reg, topo(t, "audio:"+c.f.Name))
				p := newPlayer(t, t.TempDir())
				col := collect(m)
				d, err := p.PlayFile(context.Background(), ch, path, "")
				elapsed := time.Since(col.start)
				fs := ofStream(col.wait(), 0, frame.Voice)
				must(t, err)
				equal(t, "digit", d, 0)
				equal(t, "frames", len(fs), 51)
				per := rate / 50
				for n, f := range fs {
					if f.at != time.Duration(n)*FrameDuration {
						t.Fatalf("frame %d left at %v, want %v", n, f.at, time.Duration(n)*FrameDuration)
					}
					if !f.format.Is(c.f) {
						t.Fatalf("frame %d in %s", n, f.format)
					}
					if n < 50 && f.samples != per {
						t.Fatalf("frame %d has %d samples", n, f.samples)
					}
					if f.timestamp != uint32(n*per*c.f.ClockRate/rate) || f.marker != (n == 0) {
						t.Fatalf("frame %d timestamp %d marker %v", n, f.timestamp, f.marker)
					}
				}
				equal(t, "last frame samples", fs[50].samples, per/2)
				equal(t, "playback time", elapsed, 50*FrameDuration)
				if !bytes.Equal(payloads(fs), data) {
					t.Error("content differs from the file's samples")
				}
				pcm := decode(t, payloads(fs), c.f, rate)
				if !audiotest.Detect(pcm[:rate], rate, 440) {
					t.Error("no 440 Hz in what was played")
				}
				must(t, ch.Hangup(0))
			})
		})
	}
}

// TestPlayNoDrift plays ten minutes of audio: the last frame leaves at
// exactly 9:59.98 after the first, because frames are scheduled from the
// start time rather than by sleeping between them.
func TestPlayNoDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("ten minutes of media clock")
	}
	const minutes = 10
	data := bytes.Repeat(encode(t, tone(1000, 8000, 1000), 8000, format.ULaw), minutes*60)
	path := writeFile(t, t.TempDir(), "long.ulaw", data)
	synctest.Test(t, func(t *testing.T) {
		reg := newReg(t)
		m, ch := mockChan(t, reg, topo(t, "audio:ulaw"))
		p := newPlayer(t, t.TempDir())
		col := collect(m)
		_, err := p.PlayFile(context.Background(), ch, path, "")
		fs := col.wait()
		must(t, err)
		equal(t, "frames", len(fs), minutes*60*50)
		last := fs[len(fs)-1]
		equal(t, "last frame leaves at", last.at, minutes*time.Minute-FrameDuration)
		equal(t, "last timestamp", last.timestamp, uint32((minutes*60*50-1)*160))
		must(t, ch.Hangup(0))
	})
}

// writePrompts writes "tone" (440 Hz) in the given formats into dir.
func writePrompts(t *testing.T, dir string, exts ...string) {
	t.Helper()
	for _, ext := range exts {
		var f format.Format
		switch ext {
		case "wav", "sln":
			f = format.SLin8
		case "wav16", "sln16":
			f = format.SLin16
		case "sln48":
			f = format.SLin48
		case "ulaw":
			f = format.ULaw
		case "alaw":
			f = format.ALaw
		}
		data := encode(t, tone(440, f.Rate(), 200), f.Rate(), f)
		if ext == "wav" || ext == "wav16" {
			data = wavBytes(f, data)
		}
		writeFile(t, dir, "tone."+ext, data)
	}
}

// TestPlayChoosesFormat checks which of the formats a prompt exists in is
// played to streams of various formats.
func TestPlayChoosesFormat(t *testing.T) {
	dir := t.TempDir()
	writePrompts(t, filepath.Join(dir, "en"), "wav", "wav16", "ulaw", "sln48")
	cases := map[string]struct {
		caps string
		file string        // extension expected
		sent format.Format // format the driver gets
	}{
		"ulaw stream takes ulaw":             {"ulaw", "ulaw", format.ULaw},
		"alaw stream: cheapest from slin":    {"alaw", "wav", format.ALaw},
		"g722 stream: from 16 kHz":           {"g722", "wav16", format.G722},
		"first stream format that exists":    {"slin16|ulaw", "wav16", format.SLin16},
		"existing beats translation":         {"alaw|slin48", "sln48", format.SLin48},
		"no stream formats: first extension": {"", "wav", format.SLin8},
		"slin8 stream takes the 8 kHz wav":   {"slin", "wav", format.SLin8},
		"telephone-event is not a target":    {"telephone-event|alaw", "wav", format.ALaw},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				reg := newReg(t)
				m, ch := mockChan(t, reg, topo(t, "audio:"+c.caps))
				p := newPlayer(t, dir)
				cands, err := p.Find("tone")
				must(t, err)
				equal(t, "candidates", len(cands), 4)
				s, _ := ch.Topology().Stream(0)
				chosen, err := p.Choose(cands, s.Formats(), false)
				must(t, err)
				equal(t, "chosen", filepath.Base(chosen.Path), "tone."+c.file)
				col := collect(m)
				_, err = p.Play(context.Background(), ch, "tone", "")
				fs := ofStream(col.wait(), 0, frame.Voice)
				must(t, err)
				if len(fs) == 0 {
					t.Fatal("nothing played")
				}
				if !fs[0].format.Is(c.sent) {
					t.Errorf("driver got %s, want %s", fs[0].format, c.sent)
				}
				pcm := decode(t, payloads(fs), fs[0].format, fs[0].format.Rate())
				if !audiotest.Detect(pcm, fs[0].format.Rate(), 440) {
					t.Error("no 440 Hz")
				}
				must(t, ch.Hangup(0))
			})
		})
	}
	t.Run("no path to the stream", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			_, ch := mockChan(t, reg, topo(t, "audio:opus"))
			p := newPlayer(t, dir)
			_, err := p.Play(context.Background(), ch, "tone", "")
			wantErr(t, err, translate.ErrNoTranslationPath)
			equal(t, "channel still up", ch.State(), channel.Up)
			must(t, ch.Hangup(0))
		})
	})
	t.Run("container for a multistream channel", func(t *testing.T) {
		d := t.TempDir()
		writePrompts(t, d, "wav")
		writeFile(t, d, "tone.mkv", mkvFile(t, []Track{{Type: format.Audio, Format: format.SLin8}}, func(w *MatroskaWriter) {
			must(t, w.WriteFrame(0, 0, true, make([]byte, 320)))
		}))
		p := newPlayer(t, d)
		cands, err := p.Find("tone")
		must(t, err)
		c, err := p.Choose(cands, format.NewCaps(format.SLin8), true)
		must(t, err)
		equal(t, "container", c.Container, true)
		c, err = p.Choose(cands, format.NewCaps(format.SLin8), false)
		must(t, err)
		equal(t, "plain audio for one stream", c.Container, false)
	})
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"en_GB/a.wav", "en/a.ulaw", "en/b.alaw", "b.sln", "c.sln16", "c.wav", "en/d.txt", "en/e.wav/x.sln"} {
		writeFile(t, dir, f, []byte{0, 0})
	}
	p, err := New(Config{Dir: dir, Language: "en_GB_x"})
	must(t, err)
	cases := map[string][]string{
		"a":             {"en_GB/a.wav"},
		"b":             {"en/b.alaw"},
		"c":             {"c.wav", "c.sln16"},
		"b.sln":         {"b.sln"},
		"en/a.ulaw":     {"en/a.ulaw"},
		"d":             nil,
		"e":             nil,
		"missing":       nil,
		"":              nil,
		dir + "/c":      {"c.wav", "c.sln16"},
		dir + "/b.sln":  {"b.sln"},
		"en_GB/a.wav16": nil,
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			cands, err := p.Find(name)
			if want == nil {
				wantErr(t, err, ErrNotFound)
				return
			}
			must(t, err)
			var paths []string
			for _, c := range cands {
				rel, _ := filepath.Rel(dir, c.Path)
				paths = append(paths, rel)
			}
			equal(t, "found", fmt.Sprint(paths), fmt.Sprint(want))
		})
	}
	_, err = New(Config{Language: "../x"})
	wantErr(t, err, ErrBadArgs)
}

// TestPlayMatroskaTracks plays a file with two audio tracks and a video
// track: to a channel with streams [audio, audio, video] track n reaches
// stream n; to a channel with [audio] only the first audio track plays.
func TestPlayMatroskaTracks(t *testing.T) {
	a := audioBytes(tone(440, 8000, 1000))
	b := audioBytes(tone(1000, 16000, 1000))
	file := mkvFile(t, []Track{
		{Type: format.Audio, Format: format.SLin8},
		{Type: format.Audio, Format: format.SLin16},
		{Type: format.Video, Format: format.VP8},
	}, func(w *MatroskaWriter) {
		for i := range 50 {
			at := time.Duration(i) * FrameDuration
			must(t, w.WriteFrame(0, at, true, a[i*320:(i+1)*320]))
			must(t, w.WriteFrame(1, at, true, b[i*640:(i+1)*640]))
			if i%2 == 0 {
				must(t, w.WriteFrame(2, at, i == 0, []byte(fmt.Sprintf("vp8 picture %d", i/2))))
			}
		}
	})
	path := writeFile(t, t.TempDir(), "movie.mkv", file)

	t.Run("audio audio video", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			m, ch := mockChan(t, reg, topo(t, "audio:ulaw", "audio:slin16", "video:vp8|h264"))
			p := newPlayer(t, t.TempDir())
			col := collect(m)
			_, err := p.PlayFile(context.Background(), ch, path, "")
			fs := col.wait()
			must(t, err)
			first := ofStream(fs, 0, frame.Voice)
			second := ofStream(fs, 1, frame.Voice)
			video := ofStream(fs, 2, frame.Video)
			equal(t, "stream 0 frames", len(first), 50)
			equal(t, "stream 1 frames", len(second), 50)
			equal(t, "stream 2 frames", len(video), 25)
			equal(t, "stream 0 translated to its format", first[0].format.Is(format.ULaw), true)
			equal(t, "stream 1 as it is", bytes.Equal(payloads(second), b), true)
			if s := decode(t, payloads(first), format.ULaw, 8000); !audiotest.Detect(s[:4000], 8000, 440) {
				t.Error("stream 0: no 440 Hz")
			}
			if s := audiotest.Samples(payloads(second)); !audiotest.Detect(s, 16000, 1000) {
				t.Error("stream 1: no 1000 Hz")
			}
			for n, f := range video {
				equal(t, "video payload", string(f.payload), fmt.Sprintf("vp8 picture %d", n))
				equal(t, "video leaves at", f.at, time.Duration(n)*40*time.Millisecond)
				equal(t, "video timestamp", f.timestamp, uint32(n*3600))
			}
			for n, f := range second {
				equal(t, "audio leaves at", f.at, time.Duration(n)*FrameDuration)
			}
			must(t, ch.Hangup(0))
		})
	})
	t.Run("audio only", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			m, ch := mockChan(t, reg, topo(t, "audio:slin"))
			p := newPlayer(t, t.TempDir())
			col := collect(m)
			_, err := p.PlayFile(context.Background(), ch, path, "")
			fs := col.wait()
			must(t, err)
			equal(t, "frames", len(fs), 50)
			equal(t, "only the first track", bytes.Equal(payloads(ofStream(fs, 0, frame.Voice)), a), true)
			must(t, ch.Hangup(0))
		})
	})
	t.Run("video stream of another codec", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			m, ch := mockChan(t, reg, topo(t, "video:h264", "audio:slin16"))
			p := newPlayer(t, t.TempDir())
			col := collect(m)
			_, err := p.PlayFile(context.Background(), ch, path, "")
			fs := col.wait()
			must(t, err)
			equal(t, "no video transcoding", len(ofStream(fs, 0, frame.Video)), 0)
			equal(t, "first audio track to the first audio stream", len(ofStream(fs, 1, frame.Voice)), 50)
			must(t, ch.Hangup(0))
		})
	})
	t.Run("opus track decoded through translate", func(t *testing.T) {
		// There is no Opus encoder in pure Go; like translate's tests, use
		// CELT packets of pseudo-random bytes, which decode to 20 ms of noise.
		x := uint32(2463534242)
		opus := mkvFile(t, []Track{{Type: format.Audio, Format: format.Opus}}, func(w *MatroskaWriter) {
			for i := range 50 {
				pkt := []byte{31 << 3}
				for range 80 {
					x ^= x << 13
					x ^= x >> 17
					x ^= x << 5
					pkt = append(pkt, byte(x))
				}
				must(t, w.WriteFrame(0, time.Duration(i)*FrameDuration, true, pkt))
			}
		})
		opusPath := writeFile(t, t.TempDir(), "opus.webm", opus)
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			m, ch := mockChan(t, reg, topo(t, "audio:ulaw"))
			p := newPlayer(t, t.TempDir())
			col := collect(m)
			_, err := p.PlayFile(context.Background(), ch, opusPath, "")
			fs := ofStream(col.wait(), 0, frame.Voice)
			must(t, err)
			n := 0
			for _, f := range fs {
				if !f.format.Is(format.ULaw) {
					t.Fatalf("driver got %s", f.format)
				}
				n += f.samples
			}
			if n < 7900 || n > 8000 {
				t.Errorf("%d µ-law samples from 1 s of Opus", n)
			}
			must(t, ch.Hangup(0))
		})
	})
	t.Run("no stream for any track", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			_, ch := mockChan(t, reg, topo(t, "text:t140"))
			p := newPlayer(t, t.TempDir())
			_, err := p.PlayFile(context.Background(), ch, path, "")
			wantErr(t, err, ErrNoStream)
			must(t, ch.Hangup(0))
		})
	})
}

// TestPlayBadFiles plays malformed files: each gives an error naming the
// problem, what came before the damage is played, and the call goes on.
func TestPlayBadFiles(t *testing.T) {
	data := encode(t, tone(440, 8000, 400), 8000, format.SLin8)
	good := wavBytes(format.SLin8, data)
	badChunk := append([]byte(nil), good...)
	copy(badChunk[40:44], le32(1<<30)) // data chunk size past the RIFF size
	mkv := mkvFile(t, []Track{{Type: format.Audio, Format: format.SLin8}}, func(w *MatroskaWriter) {
		for i := range 20 {
			must(t, w.WriteFrame(0, time.Duration(i)*FrameDuration, true, data[i*320:(i+1)*320]))
		}
	})
	dir := t.TempDir()
	cases := map[string]struct {
		name   string
		file   []byte
		want   error
		played int // frames played before the error, at least
	}{
		"bad RIFF header":      {"a.wav", append([]byte("RIFX"), good[4:]...), ErrBadHeader, 0},
		"wrong chunk size":     {"b.wav", badChunk, ErrChunkSize, 0},
		"truncated data":       {"c.wav", good[:len(good)-500], ErrTruncated, 0},
		"truncated raw":        {"d.sln", data[:101], ErrTruncated, 0},
		"empty wav":            {"e.wav", nil, ErrBadHeader, 0},
		"matroska cut in half": {"f.mkv", mkv[:len(mkv)/2], ErrTruncated, 5},
		"wav named mkv":        {"g.mkv", good, ErrBadHeader, 0},
		"matroska named wav":   {"h.wav", mkv, ErrBadHeader, 0},
		"unknown extension":    {"i.mp3", good, ErrUnsupported, 0},
		"missing file":         {"", nil, ErrNotFound, 0},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "missing.wav")
			if c.name != "" {
				path = writeFile(t, dir, c.name, c.file)
			}
			synctest.Test(t, func(t *testing.T) {
				reg := newReg(t)
				m, ch := mockChan(t, reg, topo(t, "audio:slin"))
				p := newPlayer(t, t.TempDir())
				col := collect(m)
				_, err := p.PlayFile(context.Background(), ch, path, "")
				fs := col.wait()
				wantErr(t, err, c.want)
				if len(fs) < c.played {
					t.Errorf("%d frames played before the error, want at least %d", len(fs), c.played)
				}
				equal(t, "channel state", ch.State(), channel.Up)
				equal(t, "hangup cause", m.HangupCause(), channel.Cause(0))
				// The call goes on: a good file plays next.
				goodPath := writeFile(t, t.TempDir(), "good.wav", good)
				col = collect(m)
				_, err = p.PlayFile(context.Background(), ch, goodPath, "")
				must(t, err)
				equal(t, "good file after the bad one", len(col.wait()), 20)
				must(t, ch.Hangup(0))
			})
		})
	}
}

// TestPlayStops covers the ways playback ends early.
func TestPlayStops(t *testing.T) {
	path := writeFile(t, t.TempDir(), "x.wav", wavBytes(format.SLin8, encode(t, tone(440, 8000, 2000), 8000, format.SLin8)))
	dtmf := func(d rune) *frame.Frame { return frame.NewDTMF(frame.DTMFEnd, d, 100*time.Millisecond) }
	t.Run("digit in stopOn", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			m, ch := mockChan(t, reg, topo(t, "audio:slin"))
			p := newPlayer(t, t.TempDir())
			time.AfterFunc(300*time.Millisecond, func() { m.Inject(dtmf('5')) })
			time.AfterFunc(510*time.Millisecond, func() { m.Inject(dtmf('#')) })
			start := time.Now()
			col := collect(m)
			d, err := p.PlayFile(context.Background(), ch, path, "#*")
			fs := col.wait()
			must(t, err)
			equal(t, "digit", d, '#')
			equal(t, "stopped at", time.Since(start), 510*time.Millisecond)
			equal(t, "frames", len(fs), 26) // 0, 20, … 500 ms
			must(t, ch.Hangup(0))
		})
	})
	t.Run("context cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			_, ch := mockChan(t, reg, topo(t, "audio:slin"))
			p := newPlayer(t, t.TempDir())
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(310*time.Millisecond, cancel)
			start := time.Now()
			_, err := p.PlayFile(ctx, ch, path, "")
			wantErr(t, err, context.Canceled)
			equal(t, "stopped at", time.Since(start), 310*time.Millisecond)
			must(t, ch.Hangup(0))
		})
	})
	t.Run("hangup", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			_, ch := mockChan(t, reg, topo(t, "audio:slin"))
			p := newPlayer(t, t.TempDir())
			time.AfterFunc(200*time.Millisecond, func() { ch.Hangup(channel.CauseNormalClearing) })
			_, err := p.PlayFile(context.Background(), ch, path, "")
			if !errors.Is(err, io.EOF) && !errors.Is(err, channel.ErrHangup) {
				t.Errorf("error %v, want a hangup", err)
			}
		})
	})
}

// TestBundledPrompts checks the prompts committed under sounds/.
func TestBundledPrompts(t *testing.T) {
	p, err := New(Config{Dir: filepath.Join("..", "sounds")})
	must(t, err)
	names := []string{"beep", "welcome", "leave-message"}
	for d := range 10 {
		names = append(names, fmt.Sprintf("digits/%d", d))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			cands, err := p.Find(name)
			must(t, err)
			equal(t, "formats", len(cands), 2)
			for _, c := range cands {
				f, err := Open(c.Path)
				must(t, err)
				frames, err := readAll(t, f)
				f.Close()
				must(t, err)
				rate := c.Format.Rate()
				s := audiotest.Samples(payloads(frames))
				dur := time.Duration(len(s)) * time.Second / time.Duration(rate)
				if dur < 200*time.Millisecond || dur > 4*time.Second || rms(s) < 500 {
					t.Errorf("%s: %v long, RMS %.0f", c.Path, dur, rms(s))
				}
				if name == "beep" && !audiotest.Detect(s, rate, 1000) {
					t.Errorf("%s: no 1 kHz tone", c.Path)
				}
			}
			if st, err := os.Stat(cands[0].Path); err == nil && st.Size() > 100<<10 {
				t.Errorf("%s is %d bytes; keep prompts small", cands[0].Path, st.Size())
			}
		})
	}
}
