package jitter

import (
	"bytes"
	"testing"
	"time"
)

func TestSizeClass(t *testing.T) {
	prevClass, prevSize := 0, 1<<minClassShift
	for n := range 1<<maxClassShift + 2 {
		c, size := sizeClass(n)
		if n > 1<<maxClassShift {
			if c != -1 || size != n {
				t.Fatalf("sizeClass(%d) = %d, %d, want unpooled", n, c, size)
			}
			continue
		}
		if size < n || c < 0 || c >= numClasses {
			t.Fatalf("sizeClass(%d) = %d, %d", n, c, size)
		}
		if n > 1<<minClassShift && float64(size) > 1.25*float64(n) {
			t.Fatalf("sizeClass(%d) = %d, %d: more than a fifth wasted", n, c, size)
		}
		if c < prevClass || (c == prevClass) != (size == prevSize) {
			t.Fatalf("sizeClass(%d) = %d, %d after %d, %d", n, c, size, prevClass, prevSize)
		}
		if c2, size2 := sizeClass(size); c2 != c || size2 != size {
			t.Fatalf("sizeClass(%d) = %d, %d; of its size %d, %d", n, c, size, c2, size2)
		}
		prevClass, prevSize = c, size
	}
	for _, n := range []int{160, 320, 640, 1280} {
		if _, size := sizeClass(n); size != n {
			t.Errorf("%d bytes in a class of %d", n, size)
		}
	}
	if prevClass != numClasses-1 {
		t.Errorf("last class %d of %d", prevClass, numClasses)
	}
}

// TestPayloadSizes plays payloads of every size class boundary up to
// MaxPayload back intact, however storage was recycled in between.
func TestPayloadSizes(t *testing.T) {
	const maxPayload = 1500
	sizes := []int{160, 0, 1, 64, 65, 1275, 159, 161, 1499, maxPayload, 320, 5, 1280, 1281, 160}
	for _, c := range []Concealer{nil, NewPLC(8000)} {
		b := mustNew(t, Config{MaxPayload: maxPayload, Concealer: c})
		var want [][]byte
		for k, n := range sizes {
			p := make([]byte, n)
			for i := range p {
				p[i] = byte(k*31 + i)
			}
			want = append(want, p)
		}
		var got [][]byte
		for k := range len(sizes) + 10 {
			if k < len(sizes) {
				b.Push(uint16(k), uint32(k*160), t0.Add(time.Duration(k)*frame), want[k], k == 0)
			}
			p, st := b.Pop(t0.Add(time.Duration(k)*frame + 5*time.Millisecond))
			if st == Normal {
				got = append(got, bytes.Clone(p))
			}
		}
		if len(got) != len(want) {
			t.Fatalf("played %d of %d frames", len(got), len(want))
		}
		for k := range want {
			if !bytes.Equal(got[k], want[k]) {
				t.Errorf("frame %d (%d bytes) came back as %d bytes", k, len(want[k]), len(got[k]))
			}
		}
		b.Push(100, 100*160, t0.Add(30*frame), make([]byte, maxPayload+1), false)
		if st := b.Stats(); st.Invalid != 1 || st.Played != uint64(len(sizes)) {
			t.Errorf("stats %+v", st)
		}
	}
}

// TestPushPopNoAllocsMixedSizes is TestPushPopNoAllocs for a stream whose
// packet sizes vary (Opus), so storage moves between size classes
// through the pool. Under the race detector sync.Pool drops a share of
// Puts at random, so it does not apply there.
func TestPushPopNoAllocsMixedSizes(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	b := mustNew(t, Config{MaxPayload: 1500, Concealer: NewPLC(8000)})
	l := &frameLoop{b: b, payload: make([]byte, 1500), lossEvery: 20, jitter: 40 * time.Millisecond, rnd: 1, held: make([]packet, 0, 1)}
	sizes := []int{120, 1275, 320, 640, 80, 1500}
	step := func() {
		l.payload = l.payload[:sizes[l.k%len(sizes)]]
		l.step()
	}
	for range 500 {
		step()
	}
	if allocs := testing.AllocsPerRun(1000, step); allocs != 0 {
		t.Errorf("%v allocs per frame", allocs)
	}
	if st := b.Stats(); st.Played < 1000 || st.Invalid != 0 {
		t.Errorf("stats %+v", st)
	}
}

// BenchmarkPushPopMixedSizes is BenchmarkPushPop for a stream whose packet
// sizes vary, so storage moves through the pool.
func BenchmarkPushPopMixedSizes(b *testing.B) {
	jb := mustNew(b, Config{MaxPayload: 1500, Concealer: NewPLC(8000)})
	l := &frameLoop{b: jb, payload: make([]byte, 1500), jitter: 40 * time.Millisecond, rnd: 1, held: make([]packet, 0, 1)}
	sizes := []int{120, 1275, 320, 640, 80, 1500}
	step := func() {
		l.payload = l.payload[:sizes[l.k%len(sizes)]]
		l.step()
	}
	for range 500 {
		step()
	}
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
}
