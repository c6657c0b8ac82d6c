package hooks

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Audio hook order on a stream ([channel.AudioOrderer]): spies see the
// audio first, then whispers add to it, then manipulators edit the result
// (Asterisk's audiohook list order). Other AudioHook implementations can
// place themselves in between.
const (
	OrderSpy        = 100
	OrderWhisper    = 200
	OrderManipulate = 300
)

// Spy receives copies of a stream's audio, what the party says (read),
// what it hears (write) or both, as signed linear at a fixed rate: call
// recording, listen-in, speech analysis. It never changes the audio.
//
// Each direction keeps its audio in a ring allocated once (see
// [SpyConfig.Buffer]); when the reader falls behind the oldest audio is
// dropped and counted ([Spy.Dropped]), so memory stays bounded whatever the
// reader does. The reader takes audio out with [Spy.ReadFrame], usually on
// its own goroutine.
//
// Goroutines: the channel feeds the spy on its reading goroutine (read
// audio) and inside its serialised write path (write audio), never both at
// once. ReadFrame may be called from any goroutine; concurrent calls are
// serialised. A Spy starts no goroutines.
type Spy struct {
	lifecycle
	dir    Direction
	slin   format.Format
	lag    int
	conv   [2]converter // per direction; media path only
	failed atomic.Uint64

	readMu sync.Mutex // serialises readers; held while waiting
	timer  *time.Timer
	rbuf   []int16 // reader scratch, guarded by mu
	wbuf   []int16

	mu       sync.Mutex // guards the rings and counters; never held while calling out
	rings    [2]ring
	dropped  [2]uint64
	deadline time.Time
	notify   chan struct{} // capacity 1: "something changed"
}

var (
	_ channel.AudioHook    = (*Spy)(nil)
	_ channel.AudioOrderer = (*Spy)(nil)
	_ channel.Detacher     = (*Spy)(nil)
)

// NewSpy returns a spy in [StatusNew]; attach it with [Spy.Attach].
func NewSpy(cfg SpyConfig) (*Spy, error) {
	if cfg.Direction == DirUnknown {
		cfg.Direction = DirBoth
	}
	if !cfg.Direction.valid() {
		return nil, fmt.Errorf("hooks: spy direction %d: %w", cfg.Direction, ErrConfig)
	}
	slin, err := slinRate("spy", cfg.Rate)
	if err != nil {
		return nil, err
	}
	if cfg.Buffer == 0 {
		cfg.Buffer = DefaultSpyBuffer
	}
	if cfg.Lag == 0 {
		cfg.Lag = DefaultSpyLag
	}
	n := samplesOf(cfg.Buffer, slin.Rate())
	if n <= 0 {
		return nil, fmt.Errorf("hooks: spy buffer %v: %w", cfg.Buffer, ErrConfig)
	}
	s := &Spy{
		dir:    cfg.Direction,
		slin:   slin,
		lag:    samplesOf(cfg.Lag, slin.Rate()),
		notify: make(chan struct{}, 1),
	}
	s.init("spy")
	s.onDone = s.wake
	for i := range s.conv {
		s.conv[i].init(cfg.Paths, &s.failed)
		if s.dir.has(dirOfIndex(i)) {
			s.rings[i] = newRing(n)
		}
	}
	return s, nil
}

func dirOfIndex(i int) Direction {
	if i == 1 {
		return DirWrite
	}
	return DirRead
}

// Attach attaches the spy to the audio stream named stream of ch
// ([channel.DefaultStreams], "", for the default audio stream). It fails
// with [ErrAttached] or [ErrDone] unless the spy is new, and with the
// channel's error (channel.ErrHangup) when ch cannot take hooks.
func (s *Spy) Attach(ch *channel.Channel, stream string) error {
	return s.attach(ch, func() (channel.HookID, error) { return ch.AttachAudioHook(stream, s) })
}

// AudioOrder implements [channel.AudioOrderer]: spies run first.
func (s *Spy) AudioOrder() int { return OrderSpy }

// Detached implements [channel.Detacher]; the channel calls it once when
// the spy is removed. It wakes blocked readers.
func (s *Spy) Detached() { s.finish() }

// AudioFrame implements [channel.AudioHook]: it copies f's audio into the
// ring of direction dir and returns f unchanged.
func (s *Spy) AudioFrame(dir channel.Direction, f *frame.Frame) *frame.Frame {
	d := fromChannel(dir)
	if !s.dir.has(d) || !s.running() {
		return f
	}
	i := d.index()
	samples, ok := s.conv[i].samplesAt(f, s.slin)
	if !ok || len(samples) == 0 {
		return f
	}
	s.mu.Lock()
	s.dropped[i] += uint64(s.rings[i].push(samples))
	s.mu.Unlock()
	s.wake()
	return f
}

// wake tells a blocked reader to look again.
func (s *Spy) wake() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// ReadFrame returns the next samples samples of direction dir as a signed
// linear voice frame at the spy's rate, owned by the caller. DirBoth mixes
// what the party says and hears with saturation; when one side runs more
// than the configured lag ahead (or its ring is full) the other side's
// missing audio is replaced by silence rather than waited for.
//
// ReadFrame blocks until enough audio is there, the read deadline passes
// ([ErrDeadline]) or the spy is done. After Done it returns what is left
// (a last, shorter frame) and then io.EOF. It fails with [ErrDirection]
// for a direction the spy does not copy and [ErrSize] when samples is not
// positive or larger than the buffer.
func (s *Spy) ReadFrame(dir Direction, samples int) (*frame.Frame, error) {
	if !s.dir.has(dir) {
		return nil, fmt.Errorf("hooks: spy read %s of a %s spy: %w", dir, s.dir, ErrDirection)
	}
	if samples <= 0 || samples > s.Cap() {
		return nil, fmt.Errorf("hooks: spy read %d samples, buffer %d: %w", samples, s.Cap(), ErrSize)
	}
	s.readMu.Lock()
	defer s.readMu.Unlock()
	for {
		done := s.Status() == StatusDone // before looking: no audio arrives after Done
		s.mu.Lock()
		f := s.takeLocked(dir, samples, done)
		deadline := s.deadline
		s.mu.Unlock()
		switch {
		case f != nil:
			return f, nil
		case done:
			return nil, io.EOF
		}
		if err := s.wait(deadline); err != nil {
			return nil, err
		}
	}
}

// wait blocks until something changes, the spy is done or deadline
// passes. readMu is held.
func (s *Spy) wait(deadline time.Time) error {
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			return fmt.Errorf("hooks: spy read: %w", ErrDeadline)
		}
		if s.timer == nil {
			s.timer = time.NewTimer(d)
		} else {
			s.timer.Reset(d)
		}
		defer s.timer.Stop()
		timeout = s.timer.C
	}
	select {
	case <-s.notify:
	case <-s.done:
	case <-timeout:
		return fmt.Errorf("hooks: spy read: %w", ErrDeadline)
	}
	return nil
}

// takeLocked returns a frame of n samples of dir when enough audio is
// buffered, or (final) whatever is left; nil otherwise.
func (s *Spy) takeLocked(dir Direction, n int, final bool) *frame.Frame {
	if dir != DirBoth {
		r := &s.rings[dir.index()]
		if r.len() < n && !(final && r.len() > 0) {
			return nil
		}
		m := min(n, r.len())
		s.rbuf = grow(s.rbuf, m)
		r.read(s.rbuf)
		return s.frame(s.rbuf)
	}
	a, b := s.rings[0].len(), s.rings[1].len()
	ahead := max(a, b)
	ready := (a >= n && b >= n) || ahead >= min(n+s.lag, s.rings[0].cap()) || (final && ahead > 0)
	if !ready {
		return nil
	}
	m := min(n, ahead)
	s.rbuf, s.wbuf = grow(s.rbuf, m), grow(s.wbuf, m)
	clear(s.rbuf[s.rings[0].read(s.rbuf):])
	clear(s.wbuf[s.rings[1].read(s.wbuf):])
	MixInto(s.rbuf, s.wbuf)
	return s.frame(s.rbuf)
}

// frame wraps samples in a new pooled voice frame.
func (s *Spy) frame(samples []int16) *frame.Frame {
	f := frame.Get(2 * len(samples))
	f.Kind = frame.Voice
	f.Format = s.slin
	f.Samples = len(samples)
	encodeLE(f.Payload, samples)
	return f
}

// grow returns buf resized to n, reallocating only when too small.
func grow(buf []int16, n int) []int16 {
	if cap(buf) < n {
		return make([]int16, n)
	}
	return buf[:n]
}

// SetReadDeadline makes ReadFrame return [ErrDeadline] once t has passed,
// including a ReadFrame already blocked; the zero time disables it.
func (s *Spy) SetReadDeadline(t time.Time) {
	s.mu.Lock()
	s.deadline = t
	s.mu.Unlock()
	s.wake()
}

// Format returns the signed linear format of the frames ReadFrame returns.
func (s *Spy) Format() format.Format { return s.slin }

// Direction returns the audio the spy copies.
func (s *Spy) Direction() Direction { return s.dir }

// Cap returns the capacity of each direction's ring, in samples.
func (s *Spy) Cap() int {
	if s.dir.has(DirRead) {
		return s.rings[0].cap()
	}
	return s.rings[1].cap()
}

// Buffered returns how many samples of dir (DirRead or DirWrite) wait to
// be read; it never exceeds Cap.
func (s *Spy) Buffered(dir Direction) int {
	if dir != DirRead && dir != DirWrite {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rings[dir.index()].len()
}

// Dropped returns how many samples of dir (DirRead or DirWrite) were
// dropped because the reader fell behind.
func (s *Spy) Dropped(dir Direction) uint64 {
	if dir != DirRead && dir != DirWrite {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped[dir.index()]
}

// Failed returns how many frames the spy could not convert to signed
// linear (no translation path, or a translation error).
func (s *Spy) Failed() uint64 { return s.failed.Load() }
