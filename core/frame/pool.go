package frame

import (
	"sync"
	"sync/atomic"
)

// classes are the payload capacities of the pool's size classes.
var classes = [...]int{320, 1280, 3840, 16384}

var pools [len(classes)]sync.Pool

// stats counts pool events for tests and metrics.
var stats struct {
	gets, releases, doubleReleases, unpooled atomic.Uint64
}

func init() {
	for i := range pools {
		size := classes[i] + Headroom
		class := int8(i)
		pools[i].New = func() any {
			return &Frame{buf: make([]byte, size), off: Headroom, class: class}
		}
	}
}

// Get returns a zeroed frame, owned by the caller, whose payload has length
// size (all zero bytes, as from make) and whose buffer keeps [Headroom]
// bytes in front. Stream is [DefaultStream]. Sizes above the largest class
// are allocated and not pooled.
func Get(size int) *Frame {
	f := get(size)
	clear(f.Payload)
	return f
}

// get is Get without clearing a pooled payload, for callers that overwrite
// all of it.
func get(size int) *Frame {
	stats.gets.Add(1)
	for i, c := range classes {
		if size <= c {
			f := pools[i].Get().(*Frame)
			f.inPool = false
			f.off = Headroom
			f.Stream = DefaultStream
			f.Payload = f.buf[Headroom : Headroom+size]
			return f
		}
	}
	stats.unpooled.Add(1)
	buf := make([]byte, Headroom+size)
	return &Frame{buf: buf, off: Headroom, class: -1, Stream: DefaultStream, Payload: buf[Headroom:]}
}

// Release returns f to the pool. Only the owner calls it, once; f must not
// be used afterwards. A frame not from the pool (class -1 or built as a
// literal) is left to the garbage collector. A nil f is ignored.
func (f *Frame) Release() {
	if f == nil {
		return
	}
	if f.inPool {
		stats.doubleReleases.Add(1)
		doubleRelease(f)
		return
	}
	if f.buf == nil || f.class < 0 {
		return
	}
	stats.releases.Add(1)
	poison(f)
	buf, class := f.buf, f.class
	*f = Frame{buf: buf, off: Headroom, class: class, inPool: true}
	pools[class].Put(f)
}

// PoolStats reports pool counters: frames handed out, released, releases
// of frames already released (bugs), and oversized unpooled frames.
func PoolStats() (gets, releases, doubleReleases, unpooled uint64) {
	return stats.gets.Load(), stats.releases.Load(), stats.doubleReleases.Load(), stats.unpooled.Load()
}
