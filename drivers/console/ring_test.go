package console

import (
	"bytes"
	"runtime"
	"testing"
)

func seq(from, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte((from + i) % 251)
	}
	return p
}

func TestRingWrapsAround(t *testing.T) {
	r := newRing(10)
	if r.Cap() != 16 {
		t.Fatalf("Cap = %d, want 16 (rounded up to a power of two)", r.Cap())
	}
	pos := 0
	out := make([]byte, 16)
	for range 20 { // many laps with chunk sizes that straddle the end
		if n := r.write(seq(pos, 6)); n != 6 {
			t.Fatalf("write = %d, want 6", n)
		}
		if n := r.read(out[:6]); n != 6 || !bytes.Equal(out[:6], seq(pos, 6)) {
			t.Fatalf("read %d bytes %v, want %v", n, out[:n], seq(pos, 6))
		}
		pos += 6
	}
	if r.Len() != 0 || r.read(out) != 0 {
		t.Fatal("ring not empty after reading everything")
	}
}

func TestRingFullWriteIsShortAndFlagged(t *testing.T) {
	r := newRing(16)
	if n := r.write(seq(0, 12)); n != 12 {
		t.Fatalf("write = %d", n)
	}
	if n := r.write(seq(12, 7)); n != 4 {
		t.Fatalf("write into 4 free bytes = %d, want 4", n)
	}
	if !r.overflow.Load() {
		t.Fatal("short write did not raise the overflow flag")
	}
	// The reader then discards everything buffered (stale) and clears the flag.
	if k := r.trim(100, 0); k != 16 || r.Len() != 0 || r.overflow.Load() {
		t.Fatalf("trim after overflow dropped %d, left %d, flag %v; want 16, 0, false", k, r.Len(), r.overflow.Load())
	}
}

func TestRingTrimDropsOldest(t *testing.T) {
	r := newRing(64)
	r.write(seq(0, 40))
	if k := r.trim(40, 8); k != 0 {
		t.Fatalf("trim at the limit dropped %d", k)
	}
	r.write(seq(40, 2))
	if k := r.trim(40, 8); k != 34 {
		t.Fatalf("trim dropped %d, want 34", k)
	}
	out := make([]byte, 8)
	if r.read(out) != 8 || !bytes.Equal(out, seq(34, 8)) {
		t.Fatalf("kept %v, want the newest 8 bytes %v", out, seq(34, 8))
	}
}

// TestRingConcurrent runs a producer and a consumer goroutine, as the
// audio thread and the channel do, and checks the byte stream arrives
// whole and in order (and, under -race, that atomics alone order the
// copies).
func TestRingConcurrent(t *testing.T) {
	const total = 1 << 20
	r := newRing(256)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for pos := 0; pos < total; {
			n := r.write(seq(pos, min(6, total-pos)))
			pos += n
			if n == 0 {
				runtime.Gosched()
			}
		}
	}()
	buf := make([]byte, 10)
	for pos := 0; pos < total; {
		n := r.read(buf)
		if n == 0 {
			runtime.Gosched()
			continue
		}
		if !bytes.Equal(buf[:n], seq(pos, n)) {
			t.Fatalf("at %d read %v, want %v", pos, buf[:n], seq(pos, n))
		}
		pos += n
	}
	<-done
}
