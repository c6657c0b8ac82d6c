package fileplay

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/dialplan"
	"github.com/pbx-dev/pbx/internal/audiotest"
)

// injector makes a mock's far end send audio every 20 ms, as a phone
// does: a tone, or silence when freq is 0.
type injector struct {
	wg sync.WaitGroup
}

// send injects d of freq Hz (0: silence) in format f on stream pos,
// starting after delay. Its goroutine ends after d or at hangup; wait
// for it with i.wait.
func (i *injector) send(t testing.TB, m *channeltest.Mock, pos int, f format.Format, freq int, delay, d time.Duration) {
	rate := f.Rate()
	src, _ := format.SLin(rate)
	var tr interface {
		Translate(*frame.Frame) (*frame.Frame, error)
	}
	if !f.Is(src) {
		p, err := testPaths.BuildPath(src, f)
		if err != nil {
			t.Fatal(err)
		}
		tr = p
	}
	i.wg.Go(func() { // owned by the test; ends after d or at hangup
		gen := audiotest.NewGenerator(float64(freq), rate, 0.5)
		buf := make([]int16, rate/50)
		time.Sleep(delay) // fake time: the test runs in a synctest bubble
		tick := time.NewTicker(FrameDuration)
		defer tick.Stop()
		for n := range int(d / FrameDuration) {
			if freq > 0 {
				gen.Next(buf)
			}
			fr := frame.Get(2 * len(buf))
			copy(fr.Payload, audiotest.Bytes(buf))
			fr.Kind, fr.Format, fr.Samples, fr.Stream = frame.Voice, src, len(buf), pos
			fr.Timestamp = uint32(n * len(buf))
			if tr != nil {
				g, _ := tr.Translate(fr)
				fr.Release()
				fr = g
				fr.Stream = pos
			}
			if !m.Inject(fr) {
				return
			}
			select {
			case <-tick.C:
			case <-m.Done():
				return
			}
		}
	})
}

func (i *injector) wait() { i.wg.Wait() }

// wavSamples reads a 16-bit WAV file.
func wavSamples(t testing.TB, path string) ([]int16, format.Format) {
	t.Helper()
	f, err := Open(path)
	must(t, err)
	defer f.Close()
	frames, err := readAll(t, f)
	must(t, err)
	fm := f.Tracks()[0].Format
	return audiotest.Samples(payloads(frames)), fm
}

func TestRecord(t *testing.T) {
	cases := map[string]struct {
		opts    RecordOptions
		talk    time.Duration // 440 Hz, then silence
		quiet   time.Duration
		digit   rune // sent after talk+quiet, when not 0
		hangup  bool // hang up after talk+quiet
		status  RecordStatus
		length  time.Duration // of the file, ±20 ms
		deleted bool
	}{
		"hash ends it":              {opts: RecordOptions{Quiet: true}, talk: time.Second, digit: '#', status: RecordDTMF, length: time.Second},
		"other digits do not":       {opts: RecordOptions{Quiet: true, MaxDuration: 2 * time.Second}, talk: 3 * time.Second, digit: '5', status: RecordTimeout, length: 2 * time.Second},
		"star with t":               {opts: RecordOptions{Quiet: true, Terminators: "*"}, talk: 500 * time.Millisecond, digit: '*', status: RecordDTMF, length: 500 * time.Millisecond},
		"operator":                  {opts: RecordOptions{Quiet: true, Operator: true}, talk: 500 * time.Millisecond, digit: '0', status: RecordOperator, length: 500 * time.Millisecond},
		"silence, trailing cut":     {opts: RecordOptions{Quiet: true, Silence: 3 * time.Second}, talk: time.Second, quiet: 4 * time.Second, status: RecordSilence, length: 2 * time.Second},
		"silence kept with u":       {opts: RecordOptions{Quiet: true, Silence: 3 * time.Second, KeepSilence: true}, talk: time.Second, quiet: 4 * time.Second, status: RecordSilence, length: 4 * time.Second},
		"no audio at all":           {opts: RecordOptions{Quiet: true, Silence: 2 * time.Second}, status: RecordSilence, length: 0},
		"timeout":                   {opts: RecordOptions{Quiet: true, MaxDuration: 1500 * time.Millisecond}, talk: 3 * time.Second, status: RecordTimeout, length: 1500 * time.Millisecond},
		"hangup deletes":            {opts: RecordOptions{Quiet: true}, talk: time.Second, hangup: true, status: RecordHangup, deleted: true},
		"hangup keeps with k":       {opts: RecordOptions{Quiet: true, KeepOnHangup: true}, talk: time.Second, hangup: true, status: RecordHangup, length: time.Second},
		"beep first":                {opts: RecordOptions{}, talk: time.Second, digit: '#', status: RecordDTMF, length: 750 * time.Millisecond},
		"ignore terminators with x": {opts: RecordOptions{Quiet: true, NoTerminators: true, MaxDuration: time.Second}, talk: 2 * time.Second, digit: '#', status: RecordTimeout, length: time.Second},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				reg := newReg(t)
				m, ch := mockChan(t, reg, topo(t, "audio:ulaw"))
				p := newPlayer(t, "../sounds")
				var inj injector
				inj.send(t, m, 0, format.ULaw, 440, 0, c.talk)
				inj.send(t, m, 0, format.ULaw, 0, c.talk, c.quiet)
				end := c.talk + c.quiet + 10*time.Millisecond
				if c.digit != 0 {
					time.AfterFunc(end, func() { m.Inject(frame.NewDTMF(frame.DTMFEnd, c.digit, 80*time.Millisecond)) })
				}
				if c.hangup {
					time.AfterFunc(end, func() { ch.Hangup(channel.CauseNormalClearing) })
				}
				path, status, err := p.Record(context.Background(), ch, "msg.wav", c.opts)
				equal(t, "status", status, c.status)
				if status == RecordHangup {
					if !errors.Is(err, io.EOF) {
						t.Errorf("hangup error %v", err)
					}
				} else {
					must(t, err)
				}
				if c.deleted {
					if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("file kept after hangup: %v", err)
					}
				} else {
					s, f := wavSamples(t, path)
					equal(t, "format", f.Is(format.SLin8), true)
					got := time.Duration(len(s)) * time.Second / 8000
					if got < c.length-20*time.Millisecond || got > c.length+20*time.Millisecond {
						t.Errorf("recorded %v, want %v", got, c.length)
					}
					if c.talk > 0 && len(s) >= 4000 && !audiotest.Detect(s[len(s)/4:len(s)/4+800], 8000, 440) && c.quiet == 0 {
						t.Error("no 440 Hz in the recording")
					}
				}
				ch.Hangup(0)
				inj.wait()
			})
		})
	}
	t.Run("skip when not answered", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			reg := newReg(t)
			m := channeltest.NewMock(topo(t, "audio:ulaw"))
			ch, err := reg.NewChannel(channel.Config{Tech: m, Name: "Mock/ringing", Inbound: true})
			must(t, err)
			p := newPlayer(t, t.TempDir())
			_, status, err := p.Record(context.Background(), ch, "x.wav", RecordOptions{Skip: true})
			must(t, err)
			equal(t, "status", status, RecordSkip)
			equal(t, "not answered", m.Answered(), false)
			must(t, ch.Hangup(0))
		})
	})
	t.Run("no extension", func(t *testing.T) {
		p := newPlayer(t, t.TempDir())
		_, status, err := p.Record(context.Background(), nil, "msg", RecordOptions{})
		equal(t, "status", status, RecordError)
		wantErr(t, err, ErrBadArgs)
	})
}

func TestParseRecordArgs(t *testing.T) {
	file, o, err := parseRecordArgs("msg-%d.wav,2.5,30,qkyo")
	must(t, err)
	equal(t, "file", file, "msg-%d.wav")
	equal(t, "silence", o.Silence, 2500*time.Millisecond)
	equal(t, "max", o.MaxDuration, 30*time.Second)
	equal(t, "flags", o.Quiet && o.KeepOnHangup && o.Operator, true)
	equal(t, "y: any digit", o.Terminators, anyDigit)
	for _, bad := range []string{"", ",3", "x.wav,abc", "x.wav,1,-1", "x.wav,1,1,Z"} {
		_, _, err := parseRecordArgs(bad)
		wantErr(t, err, ErrBadArgs)
	}
}

// TestRecordApp runs Record from a dialplan and checks its variables, and
// that %d numbers files.
func TestRecordApp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		plan, err := dialplan.Parse("test.conf", strings.NewReader(`[default]
exten => s,1,Record(msg-%d.sln,1,,q)
 same => n,Record(msg-%d.sln,,1,q)
 same => n,Hangup()
`))
		must(t, err)
		reg := newReg(t)
		runner := apps.New(apps.Config{Registry: reg, Plan: plan, Logger: quiet})
		p := newPlayer(t, t.TempDir())
		must(t, RegisterApps(runner, p))
		runner.Player = p
		m, ch := mockChan(t, reg, topo(t, "audio:slin"))
		var inj injector
		inj.send(t, m, 0, format.SLin8, 440, 0, time.Second)
		inj.send(t, m, 0, format.SLin8, 0, time.Second, 3*time.Second)
		reg.Serve(context.Background(), runner, ch)
		inj.wait()
		// Serve hung up; the variables stay readable.
		status, _ := ch.Var("RECORD_STATUS")
		equal(t, "status of the second Record", status, "TIMEOUT")
		file, _ := ch.Var("RECORDED_FILE")
		if !strings.HasSuffix(file, "msg-1") {
			t.Errorf("RECORDED_FILE %q", file)
		}
		st, err := os.Stat(file + ".sln")
		must(t, err)
		equal(t, "second file size (1 s at 8 kHz)", st.Size(), int64(16000))
		if err := RegisterApps(runner, p); err == nil {
			t.Error("registering twice works")
		}
	})
}
