package jitter

import (
	"runtime"
	"testing"
	"time"
	"unsafe"
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

// footprint returns the bytes b and its concealer retain, counted from
// sizes and capacities (without the allocator's rounding), and how many
// payloads b holds.
func footprint(b *Buffer) (bytes, payloads int) {
	const sliceHeader = int(unsafe.Sizeof([]byte(nil))) // the pooled *[]byte
	bytes = int(unsafe.Sizeof(*b)) +
		cap(b.slots)*int(unsafe.Sizeof(slot{})) +
		cap(b.est.hist)*int(unsafe.Sizeof(float64(0))) +
		cap(b.held)*int(unsafe.Sizeof((*[]byte)(nil)))
	for _, p := range append(b.held[:len(b.held):len(b.held)], b.cur, b.oorBuf) {
		if p != nil {
			bytes += sliceHeader + cap(*p)
			payloads++
		}
	}
	plc := func(p *PLC) int {
		n := cap(p.hist) * 2
		if p.frozenBuf != nil {
			n += sliceHeader + cap(p.frozen)*2
		}
		return n
	}
	switch c := b.cfg.Concealer.(type) {
	case *G711PLC:
		bytes += int(unsafe.Sizeof(*c)) + plc(&c.plc)
	case *PLC:
		bytes += int(unsafe.Sizeof(*c)) + plc(c)
	}
	return bytes, payloads
}

// TestFootprint checks what a G.711 buffer retains in steady state, and
// that it gives all its payload storage back once the stream stops or on
// Reset.
func TestFootprint(t *testing.T) {
	payload := make([]byte, 160)
	for name, c := range map[string]struct {
		cfg   Config
		limit int
	}{
		"g711":     {Config{}, 4096},
		"g711-plc": {Config{Concealer: NewG711PLC(Ulaw)}, 5120},
	} {
		t.Run(name, func(t *testing.T) {
			b := mustNew(t, c.cfg)
			feed(b, payload, 160, 50)
			bytes, held := footprint(b)
			t.Logf("%d bytes, %d payloads, %+v", bytes, held, b.Stats())
			if held < 3 || held > 6 {
				t.Errorf("%d payloads held in steady state, want 3 to 6", held)
			}
			if bytes > c.limit {
				t.Errorf("%d bytes retained in steady state, want at most %d", bytes, c.limit)
			}
			// The stream stops: the buffer plays out, then is silent.
			for k := 50; k < 70; k++ {
				b.Pop(t0.Add(time.Duration(k)*frame + 5*time.Millisecond))
			}
			if _, held := footprint(b); held != 0 {
				t.Errorf("%d payloads held after the stream stopped", held)
			}
			feed(b, payload, 160, 50)
			b.Reset()
			if _, held := footprint(b); held != 0 {
				t.Errorf("%d payloads held after Reset", held)
			}
		})
	}
}

// TestRetainedHeap measures the live heap of 1000 buffers in steady state
// (the limits are generous; BenchmarkRetained reports the figures).
func TestRetainedHeap(t *testing.T) {
	limits := map[string]float64{"g711": 5 << 10, "g711-plc": 6 << 10, "slin16-plc": 10 << 10}
	for _, c := range memCases {
		per := retainedPerBuffer(t, c, 1000)
		t.Logf("%s: %.0f bytes per buffer", c.name, per)
		if per > limits[c.name] {
			t.Errorf("%s: %.0f bytes per buffer, want at most %.0f", c.name, per, limits[c.name])
		}
	}
}
