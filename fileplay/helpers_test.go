package fileplay

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/internal/audiotest"
	"github.com/pbx-dev/pbx/translate"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// quiet discards logs.
var quiet = slog.New(slog.DiscardHandler)

// testPaths is shared: a Registry is safe for concurrent use.
var testPaths = translate.NewRegistry()

// newReg returns a channel registry shut down at the end of the test. In a
// synctest bubble, call it inside the bubble.
func newReg(t testing.TB) *channel.Registry {
	r := channel.NewRegistry(channel.RegistryConfig{Translator: testPaths, Logger: quiet})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("registry shutdown: %v", err)
		}
	})
	return r
}

// topo builds a sendrecv topology from "type:formats" specs, such as
// "audio:ulaw|alaw" or "video:vp8"; "audio:" has no formats.
func topo(t testing.TB, specs ...string) *topology.Topology {
	t.Helper()
	tp := topology.New()
	for _, sp := range specs {
		typ, fs, _ := strings.Cut(sp, ":")
		mt, err := format.ParseMediaType(typ)
		if err != nil {
			t.Fatal(err)
		}
		caps, err := format.ParseCaps(fs)
		if err != nil {
			t.Fatal(err)
		}
		s := stream.New("", mt)
		s.SetState(stream.SendRecv)
		s.SetFormats(caps)
		if _, err := tp.Append(s); err != nil {
			t.Fatal(err)
		}
	}
	return tp
}

// mockChan returns an answered channel on a Mock driver with topology tp.
func mockChan(t testing.TB, reg *channel.Registry, tp *topology.Topology) (*channeltest.Mock, *channel.Channel) {
	t.Helper()
	m := channeltest.NewMock(tp)
	ch, err := reg.NewChannel(channel.Config{Tech: m, Name: "Mock/test", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Answer(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m, ch
}

func newPlayer(t testing.TB, dir string) *Player {
	t.Helper()
	return newPlayerRec(t, dir, t.TempDir())
}

// newPlayerRec is newPlayer recording into recDir.
func newPlayerRec(t testing.TB, dir, recDir string) *Player {
	t.Helper()
	p, err := New(Config{Dir: dir, RecordDir: recDir, Paths: testPaths, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Close(ctx); err != nil {
			t.Errorf("player close: %v", err)
		}
	})
	return p
}

// got is one frame the mock driver was given.
type got struct {
	stream    int
	kind      frame.Kind
	format    format.Format
	payload   []byte
	samples   int
	timestamp uint32
	marker    bool
	at        time.Duration // since the collector started
}

// collector drains a mock's written frames on its own goroutine, noting
// when each arrived.
type collector struct {
	start  time.Time
	stop   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	frames []got
}

func collect(m *channeltest.Mock) *collector {
	c := &collector{start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go func() { // owned by the test: stopped and waited by c.wait
		defer close(c.done)
		for {
			select {
			case f := <-m.Written():
				c.add(f)
			case <-c.stop:
				for {
					select {
					case f := <-m.Written():
						c.add(f)
					default:
						return
					}
				}
			}
		}
	}()
	return c
}

func (c *collector) add(f *frame.Frame) {
	g := got{
		stream: f.Stream, kind: f.Kind, format: f.Format, payload: append([]byte(nil), f.Payload...),
		samples: f.Samples, timestamp: f.Timestamp, marker: f.Marker, at: time.Since(c.start),
	}
	f.Release()
	c.mu.Lock()
	c.frames = append(c.frames, g)
	c.mu.Unlock()
}

// wait stops the collector and returns what it saw.
func (c *collector) wait() []got {
	close(c.stop)
	<-c.done
	return c.frames
}

// ofStream returns the frames of one stream and kind.
func ofStream(fs []got, pos int, k frame.Kind) []got {
	var out []got
	for _, f := range fs {
		if f.stream == pos && f.kind == k {
			out = append(out, f)
		}
	}
	return out
}

// payloads concatenates the frames' payloads.
func payloads(fs []got) []byte {
	var b []byte
	for _, f := range fs {
		b = append(b, f.payload...)
	}
	return b
}

// tone returns ms milliseconds of a sine at freq sampled at rate.
func tone(freq, rate, ms int) []int16 { return audiotest.Sine(freq, rate, ms, 0.5) }

// encode converts signed linear samples at rate to format f.
func encode(t testing.TB, samples []int16, rate int, f format.Format) []byte {
	t.Helper()
	src, _ := format.SLin(rate)
	if f.Is(src) {
		return audiotest.Bytes(samples)
	}
	p, err := testPaths.BuildPath(src, f)
	if err != nil {
		t.Fatal(err)
	}
	in := frame.Get(2 * len(samples))
	copy(in.Payload, audiotest.Bytes(samples))
	in.Kind, in.Format, in.Samples = frame.Voice, src, len(samples)
	defer in.Release()
	out, err := p.Translate(in)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	return append([]byte(nil), out.Payload...)
}

// decode converts audio in format f to signed linear samples at rate.
func decode(t testing.TB, b []byte, f format.Format, rate int) []int16 {
	t.Helper()
	dst, _ := format.SLin(rate)
	if f.Is(dst) {
		return audiotest.Samples(b)
	}
	p, err := testPaths.BuildPath(f, dst)
	if err != nil {
		t.Fatal(err)
	}
	in := frame.Get(len(b))
	copy(in.Payload, b)
	in.Kind, in.Format = frame.Voice, f
	if sb := sampleBytes(f); sb > 0 {
		in.Samples = len(b) / sb
	}
	defer in.Release()
	out, err := p.Translate(in)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	return audiotest.Samples(out.Payload)
}

// share returns the fraction of the samples' power at freq.
func share(s []int16, rate int, freq float64) float64 {
	var ms float64
	for _, v := range s {
		ms += float64(v) * float64(v)
	}
	if len(s) == 0 || ms == 0 {
		return 0
	}
	return audiotest.Goertzel(s, rate, freq) / (ms / float64(len(s)))
}

// wavBytes builds a WAV file of format f holding data.
func wavBytes(f format.Format, data []byte) []byte {
	return append(wavHeaderBytes(f, int64(len(data))), data...)
}

// writeFile writes b to dir/name, creating directories.
func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// le16 is a little-endian helper for hand-built headers.
func le16(v int) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func le32(v int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }

// must fails the test on an error.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks that err wraps target.
func wantErr(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("error %v, want one wrapping %v", err, target)
	}
}

// equal checks got == want.
func equal[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// rms returns the RMS level of samples.
func rms(s []int16) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	if len(s) == 0 {
		return 0
	}
	return math.Sqrt(sum / float64(len(s)))
}
