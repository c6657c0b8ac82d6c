package fileplay

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/format"
)

// benchWAV is ten seconds of 8 kHz signed linear in a WAV file.
func benchWAV(tb testing.TB) []byte {
	return wavBytes(format.SLin8, audioBytes(tone(440, 8000, 10_000)))
}

// benchMKV is ten seconds of two PCM tracks (8 and 16 kHz) and a 25 fps
// video track.
func benchMKV(tb testing.TB) []byte {
	a := audioBytes(tone(440, 8000, 10_000))
	b := audioBytes(tone(1000, 16000, 10_000))
	pic := bytes.Repeat([]byte{0x9d}, 1200)
	return mkvFile(tb, []Track{
		{Type: format.Audio, Format: format.SLin8},
		{Type: format.Audio, Format: format.SLin16},
		{Type: format.Video, Format: format.VP8},
	}, func(w *MatroskaWriter) {
		for i := range 500 {
			at := time.Duration(i) * FrameDuration
			must(tb, w.WriteFrame(0, at, true, a[i*320:(i+1)*320]))
			must(tb, w.WriteFrame(1, at, true, b[i*640:(i+1)*640]))
			if i%2 == 0 {
				must(tb, w.WriteFrame(2, at, i%50 == 0, pic))
			}
		}
	})
}

// frameLoop reads one frame per iteration, reopening the file at its end,
// and reports frames per second.
func frameLoop(b *testing.B, open func() Reader) {
	r := open()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, _, err := r.ReadFrame()
		if err == io.EOF {
			r = open()
			f, _, err = r.ReadFrame()
		}
		if err != nil {
			b.Fatal(err)
		}
		f.Release()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

func BenchmarkReadWAV(b *testing.B) {
	file := benchWAV(b)
	frameLoop(b, func() Reader {
		r, err := NewWAVReader(bytes.NewReader(file))
		if err != nil {
			b.Fatal(err)
		}
		return r
	})
}

func BenchmarkReadMatroska(b *testing.B) {
	file := benchMKV(b)
	frameLoop(b, func() Reader {
		r, err := NewMatroskaReader(bytes.NewReader(file))
		if err != nil {
			b.Fatal(err)
		}
		return r
	})
}

// TestReadFrameAllocs guards the steady state of both readers: reading a
// frame allocates nothing beyond the pooled frame.
func TestReadFrameAllocs(t *testing.T) {
	for name, open := range map[string]func() Reader{
		"wav": func() Reader {
			r, err := NewWAVReader(bytes.NewReader(benchWAV(t)))
			must(t, err)
			return r
		},
		"matroska": func() Reader {
			r, err := NewMatroskaReader(bytes.NewReader(benchMKV(t)))
			must(t, err)
			return r
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := open()
			for range 20 { // warm up: buffers reach their size
				f, _, err := r.ReadFrame()
				must(t, err)
				f.Release()
			}
			allocs := testing.AllocsPerRun(200, func() {
				f, _, err := r.ReadFrame()
				if err != nil {
					t.Fatal(err)
				}
				f.Release()
			})
			if allocs != 0 {
				t.Errorf("%.2f allocations per frame", allocs)
			}
		})
	}
}
