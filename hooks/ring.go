package hooks

// ring is a fixed-capacity FIFO of samples, allocated once. It is not safe
// for concurrent use; its owner guards it.
type ring struct {
	buf  []int16
	head int // index of the oldest sample
	n    int // samples held
}

func newRing(capacity int) ring { return ring{buf: make([]int16, capacity)} }

func (r *ring) len() int  { return r.n }
func (r *ring) cap() int  { return len(r.buf) }
func (r *ring) free() int { return len(r.buf) - r.n }

// push appends s, dropping the oldest samples when it does not fit, and
// returns how many samples were dropped (old ones, or the front of s when
// s alone exceeds the capacity).
func (r *ring) push(s []int16) (dropped int) {
	c := len(r.buf)
	if len(s) > c {
		dropped = len(s) - c
		s = s[dropped:]
	}
	if over := r.n + len(s) - c; over > 0 {
		r.discard(over)
		dropped += over
	}
	r.write(s)
	return dropped
}

// fill appends as much of s as fits and returns how many samples it took.
func (r *ring) fill(s []int16) int {
	s = s[:min(len(s), r.free())]
	r.write(s)
	return len(s)
}

// write appends s, which fits.
func (r *ring) write(s []int16) {
	c := len(r.buf)
	tail := (r.head + r.n) % c
	k := copy(r.buf[tail:], s)
	copy(r.buf, s[k:])
	r.n += len(s)
}

// read moves up to len(dst) samples into dst and returns how many.
func (r *ring) read(dst []int16) int {
	n := min(len(dst), r.n)
	if n == 0 {
		return 0
	}
	k := copy(dst[:n], r.buf[r.head:])
	copy(dst[k:n], r.buf)
	r.discard(n)
	return n
}

// discard drops the n oldest samples (n <= len).
func (r *ring) discard(n int) {
	r.n -= n
	if r.n == 0 {
		r.head = 0
		return
	}
	r.head = (r.head + n) % len(r.buf)
}
