package console

import "sync/atomic"

// ring is a single-producer single-consumer byte ring of 16-bit samples.
//
// The producer owns the write index and the consumer the read index; each
// side only loads the other's index, so the two sides synchronise through
// atomics alone: no lock, no channel, no allocation after newRing. The
// producer copies its bytes in and then publishes them with a Store of the
// write index; the consumer copies bytes out and then releases the space
// with a Store of the read index. Indices count bytes from the start and
// never wrap (2^64 bytes is 180 million years of 48 kHz audio); the buffer
// position is index & mask.
//
// Overruns drop the oldest audio, but only the consumer moves the read
// index, so the producer never touches bytes the consumer may be copying:
// a producer that finds too little room writes what fits, drops the rest
// and raises the overflow flag; the consumer's next [ring.trim] discards
// everything buffered (audio that waited while the ring was full is stale)
// and, on every call, discards the oldest bytes beyond a latency limit.
type ring struct {
	buf  []byte
	mask uint64

	w        atomic.Uint64 // written by the producer only
	r        atomic.Uint64 // written by the consumer only
	overflow atomic.Bool   // set by the producer, cleared by the consumer
}

// newRing returns a ring holding at least size bytes (rounded up to a
// power of two).
func newRing(size int) *ring {
	n := 1
	for n < size {
		n <<= 1
	}
	return &ring{buf: make([]byte, n), mask: uint64(n - 1)}
}

// Cap returns the ring's capacity in bytes.
func (r *ring) Cap() int { return len(r.buf) }

// Len returns the number of buffered bytes. Exact for the consumer; a
// lower bound of the room taken for the producer.
func (r *ring) Len() int { return int(r.w.Load() - r.r.Load()) }

// write copies as much of p as fits (producer side) and returns how many
// bytes it took. A short write raises the overflow flag. It never blocks
// and never allocates.
func (r *ring) write(p []byte) int {
	w := r.w.Load()
	free := len(r.buf) - int(w-r.r.Load())
	n := len(p)
	if n > free {
		n = free &^ 1 // whole samples only
		r.overflow.Store(true)
	}
	if n == 0 {
		return 0
	}
	start := int(w & r.mask)
	k := copy(r.buf[start:], p[:n])
	copy(r.buf, p[k:n])
	r.w.Store(w + uint64(n))
	return n
}

// read copies up to len(p) buffered bytes into p (consumer side) and
// returns how many. It never blocks and never allocates.
func (r *ring) read(p []byte) int {
	rd := r.r.Load()
	n := min(len(p), int(r.w.Load()-rd))
	if n == 0 {
		return 0
	}
	start := int(rd & r.mask)
	k := copy(p[:n], r.buf[start:])
	copy(p[k:n], r.buf)
	r.r.Store(rd + uint64(n))
	return n
}

// discard drops up to n buffered bytes, oldest first (consumer side), and
// returns how many it dropped.
func (r *ring) discard(n int) int {
	rd := r.r.Load()
	n = min(n, int(r.w.Load()-rd))
	if n <= 0 {
		return 0
	}
	r.r.Store(rd + uint64(n))
	return n
}

// trim applies the drop-oldest policy (consumer side): after a producer
// overflow it discards everything buffered; otherwise, when more than
// limit bytes are buffered, it discards the oldest so that keep bytes
// remain. It returns the number of bytes dropped.
func (r *ring) trim(limit, keep int) int {
	if r.overflow.CompareAndSwap(true, false) {
		return r.discard(r.Len() &^ 1)
	}
	if n := r.Len(); n > limit {
		return r.discard((n - keep) &^ 1)
	}
	return 0
}
