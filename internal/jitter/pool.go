package jitter

import (
	"math/bits"
	"sync"
)

// Storage for frames. A Buffer holds a payload only while a slot holds the
// frame (and a concealer holds its frozen history only during an
// erasure), so memory follows the frames actually buffered rather than
// the frames a buffer could hold. The slices come from process-wide pools
// shared by all buffers, in size classes of a quarter power of two from
// 64 elements up: 160, 320, 640 and 1280 bytes (G.711, slin and G.722 at
// 20 ms, the largest Opus frame) fit exactly, and no class wastes more
// than a fifth of its size. The pools hold pointers to slices, so Put
// does not allocate.
var (
	payloads sizePool[byte]
	samples  sizePool[int16]
)

const (
	minClassShift = 6  // smallest class: 64 elements
	maxClassShift = 16 // largest class: 64 Ki elements (an RTP payload over UDP is smaller)
	numClasses    = 1 + 4*(maxClassShift-minClassShift)
)

// sizeClass returns the index and capacity of the smallest class that
// holds n elements; the index is -1 if n is too large to pool.
func sizeClass(n int) (int, int) {
	if n <= 1<<minClassShift {
		return 0, 1 << minClassShift
	}
	k := bits.Len(uint(n-1)) - 1 // 1<<k < n <= 1<<(k+1)
	if k >= maxClassShift {
		return -1, n
	}
	q := 1 << (k - 2)
	j := (n - 1<<k + q - 1) / q // quarters above 1<<k: 1..4
	return 1 + 4*(k-minClassShift) + j - 1, 1<<k + j*q
}

// sizePool is a free list of slices of T by size class.
type sizePool[T byte | int16] struct {
	classes [numClasses]sync.Pool
}

// get returns a slice of length n, from the pool when it has one of n's
// class. Its contents are arbitrary.
func (sp *sizePool[T]) get(n int) *[]T {
	c, size := sizeClass(n)
	if c >= 0 {
		if p, ok := sp.classes[c].Get().(*[]T); ok {
			*p = (*p)[:n]
			return p
		}
	}
	s := make([]T, n, size)
	return &s
}

// put returns p, from get, to the pool. The caller must not use it any
// more. A nil p is ignored.
func (sp *sizePool[T]) put(p *[]T) {
	if p == nil {
		return
	}
	c, size := sizeClass(cap(*p))
	if c < 0 || size != cap(*p) {
		return // not from get, or too large: left to the garbage collector
	}
	poison(*p)
	sp.classes[c].Put(p)
}
