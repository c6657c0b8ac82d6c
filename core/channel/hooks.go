package channel

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/pbx-dev/pbx/core/frame"
)

// HookEvent tells a [FrameHook] why it is called.
type HookEvent uint8

// Frame hook events.
const (
	HookUnknown HookEvent = iota
	// HookRead: a frame read from the driver.
	HookRead
	// HookWrite: a frame about to be written to the driver.
	HookWrite
	// HookAttached: the first call, with a nil frame, inside Attach.
	HookAttached
	// HookDetached: the last call, with a nil frame, exactly once.
	HookDetached
)

// String returns the event name.
func (e HookEvent) String() string {
	switch e {
	case HookRead:
		return "read"
	case HookWrite:
		return "write"
	case HookAttached:
		return "attached"
	case HookDetached:
		return "detached"
	case HookUnknown:
		return "unknown"
	}
	return "unknown"
}

// Direction is the direction of audio through a channel.
type Direction uint8

// Directions, from the PBX's point of view.
const (
	DirUnknown Direction = iota
	// DirRead is audio from the party into the PBX (what the party says).
	DirRead
	// DirWrite is audio from the PBX to the party (what the party hears).
	DirWrite
)

// String returns "read" or "write".
func (d Direction) String() string {
	switch d {
	case DirRead:
		return "read"
	case DirWrite:
		return "write"
	case DirUnknown:
		return "unknown"
	}
	return "unknown"
}

// Stream selectors for hooks.
const (
	// DefaultStreams selects the default stream of each media type (and
	// every non-media frame).
	DefaultStreams = ""
	// AllStreams selects every stream.
	AllStreams = "*"
)

// FrameHook sees the frames of the streams it was attached to.
//
// Who calls it: the channel, on the reading goroutine for HookRead and
// inside the serialised write path for HookWrite; a hook is never called
// concurrently with itself. It may block only briefly (it delays media).
// It returns the frame to continue with: f itself (maybe edited in place)
// to pass it on, nil to consume it, or a different frame g that it owns,
// which replaces f (the core releases f if the core owned it; the chain
// restarts from the first hook with g, skipping hooks that already
// replaced a frame). It must not keep f. Non-media frames (DTMF, control)
// reach every hook with Stream -1. The return value of the Attached and
// Detached events is ignored. A hook may call [Channel.DetachHook] on
// itself from inside FrameEvent.
type FrameHook interface {
	FrameEvent(ev HookEvent, f *frame.Frame) *frame.Frame
}

// FrameHookFunc adapts a function to [FrameHook].
type FrameHookFunc func(ev HookEvent, f *frame.Frame) *frame.Frame

// FrameEvent calls fn.
func (fn FrameHookFunc) FrameEvent(ev HookEvent, f *frame.Frame) *frame.Frame { return fn(ev, f) }

// KindFilter is an optional FrameHook capability: WantsKind reports whether
// the hook cares about frames of kind k, so the core can skip it cheaply
// (and a bridge can tell whether a hook needs audio).
type KindFilter interface {
	WantsKind(k frame.Kind) bool
}

// AudioHook is a link in a stream's audio chain (spy, whisper, manipulate),
// implemented by package hooks. AudioFrame receives each voice frame of
// the stream in direction dir, with the same calling, ownership and return
// rules as [FrameHook] (no restart rule). Hooks are called in attach
// order, ordered first by [AudioOrderer] when implemented.
type AudioHook interface {
	AudioFrame(dir Direction, f *frame.Frame) *frame.Frame
}

// AudioOrderer orders audio hooks on a stream: lower first (package hooks
// runs spies, then whispers, then manipulators).
type AudioOrderer interface{ AudioOrder() int }

// Detacher is an optional hook capability: Detached is called exactly once,
// as the last call the hook receives, after it is detached or the channel
// hangs up.
type Detacher interface{ Detached() }

// HookID identifies an attached hook on its channel; ids start at 1.
type HookID uint64

type hookEntry struct {
	id     HookID
	stream string
	fh     FrameHook
	ah     AudioHook
	filter KindFilter
	order  int

	mu     sync.Mutex // serialises calls into the hook
	done   bool       // Detached delivered; guarded by mu
	detach atomic.Bool
}

type hookLists struct {
	mu     sync.Mutex // serialises list rebuilds; never held while calling hooks
	closed bool       // set at hangup, guarded by mu: nothing is added after
	frame  atomic.Pointer[[]*hookEntry]
	audio  atomic.Pointer[[]*hookEntry]
	nextID atomic.Uint64
}

// AttachFrameHook attaches h to the streams selected by stream: a stream
// name, [DefaultStreams] or [AllStreams]. h receives HookAttached before
// AttachFrameHook returns. Safe from any goroutine.
func (c *Channel) AttachFrameHook(stream string, h FrameHook) (HookID, error) {
	if c.hungup.Load() {
		return 0, ErrHangup
	}
	e := &hookEntry{id: HookID(c.hooks.nextID.Add(1)), stream: stream, fh: h}
	e.filter, _ = h.(KindFilter)
	e.mu.Lock()
	h.FrameEvent(HookAttached, nil)
	e.mu.Unlock()
	if !c.hooks.add(&c.hooks.frame, e, false) {
		// The channel hung up meanwhile: Attached was delivered, so
		// Detached follows.
		e.detach.Store(true)
		e.tryFinish()
		return 0, ErrHangup
	}
	return e.id, nil
}

// AttachAudioHook attaches h to the audio stream named stream
// ([DefaultStreams]: the default audio stream, following it if the default
// changes). Attaching any audio hook means the channel needs audio in the
// core: see [Channel.NeedsAudio].
func (c *Channel) AttachAudioHook(stream string, h AudioHook) (HookID, error) {
	if c.hungup.Load() {
		return 0, ErrHangup
	}
	if stream == AllStreams {
		return 0, fmt.Errorf("channel: audio hook on all streams: %w", ErrUnsupported)
	}
	e := &hookEntry{id: HookID(c.hooks.nextID.Add(1)), stream: stream, ah: h}
	if o, ok := h.(AudioOrderer); ok {
		e.order = o.AudioOrder()
	}
	if !c.hooks.add(&c.hooks.audio, e, true) {
		return 0, ErrHangup
	}
	return e.id, nil
}

// add appends e to list; it returns false once the channel has hung up
// (detachAllHooks ran), so no hook is left attached without ever being
// detached.
func (l *hookLists) add(list *atomic.Pointer[[]*hookEntry], e *hookEntry, sorted bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	var next []*hookEntry
	if cur := list.Load(); cur != nil {
		next = append(next, *cur...)
	}
	next = append(next, e)
	if sorted {
		slices.SortStableFunc(next, func(a, b *hookEntry) int { return a.order - b.order })
	}
	list.Store(&next)
	return true
}

func (l *hookLists) remove(id HookID) *hookEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, list := range []*atomic.Pointer[[]*hookEntry]{&l.frame, &l.audio} {
		cur := list.Load()
		if cur == nil {
			continue
		}
		for i, e := range *cur {
			if e.id == id {
				next := slices.Delete(slices.Clone(*cur), i, i+1)
				list.Store(&next)
				return e
			}
		}
	}
	return nil
}

// DetachHook detaches a frame or audio hook. It takes effect before the
// next frame and may be called from any goroutine, including from inside
// the hook. The hook's Detached notification follows exactly once.
func (c *Channel) DetachHook(id HookID) error {
	e := c.hooks.remove(id)
	if e == nil {
		return fmt.Errorf("%w: %d", ErrNoHook, id)
	}
	e.detach.Store(true)
	e.tryFinish()
	return nil
}

// detachAllHooks runs at hangup.
func (c *Channel) detachAllHooks() {
	for _, list := range []*atomic.Pointer[[]*hookEntry]{&c.hooks.frame, &c.hooks.audio} {
		c.hooks.mu.Lock()
		c.hooks.closed = true
		cur := list.Swap(nil)
		c.hooks.mu.Unlock()
		if cur == nil {
			continue
		}
		for _, e := range *cur {
			e.detach.Store(true)
			e.tryFinish()
		}
	}
}

// finish delivers the Detached notification once; e.mu must be held.
func (e *hookEntry) finishLocked() {
	if !e.detach.Load() || e.done {
		return
	}
	e.done = true
	if e.fh != nil {
		e.fh.FrameEvent(HookDetached, nil)
	}
	if d, ok := e.ah.(Detacher); ok {
		d.Detached()
	}
	if d, ok := e.fh.(Detacher); ok {
		d.Detached()
	}
}

// tryFinish delivers Detached unless a call into the hook is in progress,
// in which case that call delivers it when it returns.
func (e *hookEntry) tryFinish() {
	if e.mu.TryLock() {
		e.finishLocked()
		e.mu.Unlock()
	}
}

// call runs one hook invocation; ok is false when the hook is already
// detached and was skipped.
func (e *hookEntry) call(fn func() *frame.Frame) (g *frame.Frame, ok bool) {
	e.mu.Lock()
	if e.done || e.detach.Load() {
		e.finishLocked()
		e.mu.Unlock()
		return nil, false
	}
	g = fn()
	e.finishLocked()
	e.mu.Unlock()
	if e.detach.Load() {
		e.tryFinish()
	}
	return g, true
}

func (e *hookEntry) matches(v *view, pos int) bool {
	switch {
	case e.stream == AllStreams || pos < 0:
		return true
	case e.stream == DefaultStreams:
		s, ok := v.topo.Stream(pos)
		return ok && v.defaultOf(s.Type()) == pos
	default:
		s, ok := v.topo.Stream(pos)
		return ok && s.Name() == e.stream
	}
}

// runFrameHooks passes f through the frame hooks of stream pos (-1 for
// non-media frames). owned says whether the core owns f. It returns the
// frame to continue with (f, or a replacement the core owns) or nil.
func (c *Channel) runFrameHooks(ev HookEvent, pos int, f *frame.Frame, owned bool) *frame.Frame {
	list := c.hooks.frame.Load()
	if list == nil || len(*list) == 0 {
		return f
	}
	v := c.view.Load()
	cur := f
	var replaced uint64 // bit i: hook i replaced a frame (first 64 hooks)
restart:
	for i, e := range *list {
		if i < 64 && replaced&(1<<i) != 0 {
			continue
		}
		if !e.matches(v, pos) || (e.filter != nil && !e.filter.WantsKind(cur.Kind)) {
			continue
		}
		in := cur
		g, ok := e.call(func() *frame.Frame { return e.fh.FrameEvent(ev, in) })
		if !ok || g == cur {
			continue
		}
		if owned || cur != f {
			cur.Release()
		}
		if g == nil {
			return nil
		}
		cur = g
		if i < 64 {
			replaced |= 1 << i
		}
		goto restart
	}
	return cur
}

// runAudioHooks passes voice frame f through the audio hooks of stream pos.
func (c *Channel) runAudioHooks(dir Direction, pos int, f *frame.Frame, owned bool) *frame.Frame {
	list := c.hooks.audio.Load()
	if list == nil || len(*list) == 0 {
		return f
	}
	v := c.view.Load()
	cur := f
	for _, e := range *list {
		if e.stream == DefaultStreams {
			if v.defaultOf(cur.MediaType()) != pos {
				continue
			}
		} else if s, ok := v.topo.Stream(pos); !ok || s.Name() != e.stream {
			continue
		}
		in := cur
		g, ok := e.call(func() *frame.Frame { return e.ah.AudioFrame(dir, in) })
		if !ok || g == cur {
			continue
		}
		if owned || cur != f {
			cur.Release()
		}
		if g == nil {
			return nil
		}
		cur = g
	}
	return cur
}

// NeedsAudio reports whether a hook needs the channel's audio to pass
// through the core (any audio hook, or a frame hook that wants voice), in
// which case a native bridge must fall back to the simple technology.
func (c *Channel) NeedsAudio() bool {
	if l := c.hooks.audio.Load(); l != nil && len(*l) > 0 {
		return true
	}
	if l := c.hooks.frame.Load(); l != nil {
		for _, e := range *l {
			if e.filter == nil || e.filter.WantsKind(frame.Voice) {
				return true
			}
		}
	}
	return false
}
