package fileplay

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Tap buffer sizes. Hooks never block on the writer: when it falls behind
// the oldest audio (or video) is dropped and counted.
const (
	tapBuffer  = 2 * time.Second        // audio kept per direction
	tapLag     = 100 * time.Millisecond // how far one direction may run ahead
	videoQueue = 256                    // video frames kept
)

// ring is a fixed-size FIFO of samples.
type ring struct {
	buf        []int16
	head, size int
}

func newRing(n int) ring { return ring{buf: make([]int16, n)} }

func (r *ring) len() int { return r.size }

// pushLE appends the little-endian samples in p, dropping the oldest
// samples when full; it returns how many were dropped.
func (r *ring) pushLE(p []byte) int {
	n := len(p) / 2
	dropped := 0
	if n > len(r.buf) {
		dropped = n - len(r.buf)
		p = p[2*dropped:]
		n = len(r.buf)
	}
	if over := r.size + n - len(r.buf); over > 0 {
		r.head = (r.head + over) % len(r.buf)
		r.size -= over
		dropped += over
	}
	tail := (r.head + r.size) % len(r.buf)
	for i := range n {
		r.buf[tail] = int16(binary.LittleEndian.Uint16(p[2*i:]))
		tail++
		if tail == len(r.buf) {
			tail = 0
		}
	}
	r.size += n
	return dropped
}

// read moves up to len(dst) samples into dst and returns how many.
func (r *ring) read(dst []int16) int {
	n := min(len(dst), r.size)
	for i := range n {
		dst[i] = r.buf[r.head]
		r.head++
		if r.head == len(r.buf) {
			r.head = 0
		}
	}
	r.size -= n
	return n
}

// converter turns one direction's voice frames into signed linear at the
// tap's rate, rebuilding its path when the frames' format changes. It is
// used only on the media path of its direction.
type converter struct {
	src format.Format
	tr  channel.Translator
}

// audioTap is MixMonitor's audio hook on one audio stream: it copies what
// the party says (read) and hears (write) into two rings, as signed linear
// at the recording's rate, and wakes the monitor's writer. It never
// changes the audio.
type audioTap struct {
	m     *Monitor
	slin  format.Format
	conv  [2]converter // by direction index; media path only
	track int          // Matroska track, -1 for WAV output

	failed atomic.Uint64 // frames that could not be converted

	mu      sync.Mutex
	rings   [2]ring
	dropped uint64
	firstAt time.Duration // when audio first arrived, from the monitor's start; -1 before

	// Writer goroutine only.
	written int64 // samples written
}

var (
	_ channel.AudioHook    = (*audioTap)(nil)
	_ channel.AudioOrderer = (*audioTap)(nil)
	_ channel.Detacher     = (*audioTap)(nil)
)

func newAudioTap(m *Monitor, slin format.Format, track int) *audioTap {
	n := int(int64(slin.Rate()) * int64(tapBuffer) / int64(time.Second))
	return &audioTap{m: m, slin: slin, track: track, rings: [2]ring{newRing(n), newRing(n)}, firstAt: -1}
}

// AudioOrder implements [channel.AudioOrderer]: taps see the audio first,
// like spies, before whispers and manipulators change it.
func (t *audioTap) AudioOrder() int { return 100 }

// Detached implements [channel.Detacher]: a tap removed by hangup stops
// its monitor.
func (t *audioTap) Detached() { t.m.Stop() }

// AudioFrame implements [channel.AudioHook]. It runs on the channel's
// media path and only converts and copies.
func (t *audioTap) AudioFrame(dir channel.Direction, f *frame.Frame) *frame.Frame {
	var i int
	switch dir {
	case channel.DirRead:
		i = 0
	case channel.DirWrite:
		i = 1
	default:
		return f
	}
	if f.Kind != frame.Voice || len(f.Payload) == 0 {
		return f
	}
	payload := f.Payload
	if !f.Format.Is(t.slin) {
		c := &t.conv[i]
		if c.tr == nil || !c.src.Is(f.Format) {
			tr, err := t.m.p.paths.Build(f.Format, t.slin)
			if err != nil {
				t.failed.Add(1)
				return f
			}
			c.src, c.tr = f.Format, tr
		}
		g, err := c.tr.Translate(f)
		if err != nil || g == nil {
			if err != nil {
				t.failed.Add(1)
			}
			return f
		}
		defer g.Release()
		payload = g.Payload
	}
	t.mu.Lock()
	if t.firstAt < 0 {
		t.firstAt = time.Since(t.m.start)
	}
	t.dropped += uint64(t.rings[i].pushLE(payload))
	t.mu.Unlock()
	t.m.wakeWriter()
	return f
}

// take moves one block of up to n samples per direction into rd and wr
// (silence where a direction has none) when it is ready: both directions
// have n samples, one runs more than tapLag ahead, or final is set and
// anything is left. It returns the block length, 0 when not ready.
func (t *audioTap) take(rd, wr []int16, final bool) int {
	n := len(rd)
	lag := int(int64(t.slin.Rate()) * int64(tapLag) / int64(time.Second))
	t.mu.Lock()
	defer t.mu.Unlock()
	a, b := t.rings[0].len(), t.rings[1].len()
	ahead := max(a, b)
	if !(a >= n && b >= n) && ahead < n+lag && !(final && ahead > 0) {
		return 0
	}
	m := min(n, ahead)
	clear(rd[t.rings[0].read(rd[:m]):m])
	clear(wr[t.rings[1].read(wr[:m]):m])
	return m
}

// videoTap is the multi-stream recorder's frame hook on one video stream:
// it queues clones of the video frames of one direction with their
// arrival time.
type videoTap struct {
	m     *Monitor
	ev    channel.HookEvent // HookRead: what the party sends; HookWrite: what it is sent
	track int

	mu      sync.Mutex
	q       []videoItem
	dropped uint64
}

type videoItem struct {
	f  *frame.Frame
	at time.Duration
}

var (
	_ channel.FrameHook  = (*videoTap)(nil)
	_ channel.KindFilter = (*videoTap)(nil)
	_ channel.Detacher   = (*videoTap)(nil)
)

// WantsKind implements [channel.KindFilter]: video only.
func (v *videoTap) WantsKind(k frame.Kind) bool { return k == frame.Video }

// Detached implements [channel.Detacher].
func (v *videoTap) Detached() { v.m.Stop() }

// FrameEvent implements [channel.FrameHook]; it passes every frame on.
func (v *videoTap) FrameEvent(ev channel.HookEvent, f *frame.Frame) *frame.Frame {
	if ev != v.ev || f == nil || f.Kind != frame.Video {
		return f
	}
	c := f.Clone()
	at := time.Since(v.m.start)
	v.mu.Lock()
	if len(v.q) >= videoQueue {
		v.q[0].f.Release()
		copy(v.q, v.q[1:])
		v.q = v.q[:len(v.q)-1]
		v.dropped++
	}
	v.q = append(v.q, videoItem{f: c, at: at})
	v.mu.Unlock()
	v.m.wakeWriter()
	return f
}

// takeAll moves the queued frames into dst; the caller owns them.
func (v *videoTap) takeAll(dst []videoItem) []videoItem {
	v.mu.Lock()
	dst = append(dst, v.q...)
	clear(v.q)
	v.q = v.q[:0]
	v.mu.Unlock()
	return dst
}

// mixInto adds src to dst with saturation.
func mixInto(dst, src []int16) {
	for i, s := range src {
		v := int32(dst[i]) + int32(s)
		dst[i] = int16(max(min(v, 32767), -32768))
	}
}

// applyGain scales samples by 2^g (g from -4 to 4; 0 leaves them), with
// saturation.
func applyGain(s []int16, g int) {
	if g == 0 {
		return
	}
	for i, v := range s {
		w := int32(v)
		if g > 0 {
			w <<= g
		} else {
			w >>= -g
		}
		s[i] = int16(max(min(w, 32767), -32768))
	}
}
