package jitter

import (
	"runtime"
	"testing"
	"time"
)

// memCase is a buffer configuration whose retained memory is measured.
type memCase struct {
	name    string
	cfg     func() Config
	payload int // bytes per 20 ms packet
	samples int // RTP timestamp units per 20 ms packet
}

var memCases = []memCase{
	{"g711", func() Config { return Config{} }, 160, 160},
	{"g711-plc", func() Config { return Config{Concealer: NewG711PLC(Ulaw)} }, 160, 160},
	{"slin16-plc", func() Config {
		return Config{Rate: 16000, MaxPayload: 640, Concealer: NewPLC(16000)}
	}, 640, 320},
}

// feed runs b like a steady 20 ms stream with 30 ms of network delay for
// frames packets, so that playout has started and a few frames are
// buffered.
func feed(b *Buffer, payload []byte, samples, frames int) {
	for k := range frames {
		at := time.Duration(k)*frame + 30*time.Millisecond
		b.Push(uint16(k), uint32(k*samples), t0.Add(at), payload, k == 0)
		b.Pop(t0.Add(time.Duration(k)*frame + 5*time.Millisecond))
	}
}

// retainedPerBuffer returns the heap bytes that n buffers of c retain
// each after a short steady stream, from the live heap before and after.
func retainedPerBuffer(tb testing.TB, c memCase, n int) float64 {
	tb.Helper()
	payload := make([]byte, c.payload)
	for i := range payload {
		payload[i] = byte(i)
	}
	// Warm up: the package's pools and lazily built tables.
	feed(mustNew(tb, c.cfg()), payload, c.samples, 50)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	bufs := make([]*Buffer, n)
	for i := range bufs {
		bufs[i] = mustNew(tb, c.cfg())
		feed(bufs[i], payload, c.samples, 50)
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(bufs)
	used := int64(after.HeapAlloc) - int64(before.HeapAlloc) - int64(n)*8 // less bufs itself
	return float64(used) / float64(n)
}

// BenchmarkRetained reports the heap a buffer retains in steady state
// (B/buffer), with its concealer and the frames it holds.
func BenchmarkRetained(b *testing.B) {
	for _, c := range memCases {
		b.Run(c.name, func(b *testing.B) {
			var per float64
			for b.Loop() {
				per = retainedPerBuffer(b, c, 200)
			}
			b.ReportMetric(per, "B/buffer")
		})
	}
}
