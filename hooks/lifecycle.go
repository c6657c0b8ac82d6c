package hooks

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pbx-dev/pbx/core/channel"
)

// lifecycle is the attach/detach state machine every hook of this package
// embeds. Its exported methods are promoted to the hook types.
//
// Locking: mu guards the fields below it and is never held while calling
// into the channel (the channel may call Detached synchronously from
// DetachHook, which takes mu). status mirrors the state for the media path,
// which reads it without locking.
type lifecycle struct {
	kind   string // "spy", "whisper" ... for errors
	status atomic.Uint32
	done   chan struct{}
	onDone func() // runs once when the hook reaches Done, no lock held

	mu        sync.Mutex
	attaching bool // Attach is between its two critical sections
	ch        *channel.Channel
	id        channel.HookID
}

func (l *lifecycle) init(kind string) {
	l.kind = kind
	l.done = make(chan struct{})
	l.status.Store(uint32(StatusNew))
}

// Status returns the hook's lifecycle state. Safe from any goroutine.
func (l *lifecycle) Status() Status { return Status(l.status.Load()) }

// Done returns a channel closed when the hook reaches [StatusDone]: after
// Detach took effect, or after the channel hung up.
func (l *lifecycle) Done() <-chan struct{} { return l.done }

// running reports whether the media path should process frames.
func (l *lifecycle) running() bool { return Status(l.status.Load()) == StatusRunning }

// attach moves New to Running around fn, which attaches the hook to ch and
// returns its id. A failed attach goes back to New.
func (l *lifecycle) attach(ch *channel.Channel, fn func() (channel.HookID, error)) error {
	if ch == nil {
		return fmt.Errorf("hooks: attach %s: %w", l.kind, ErrNoChannel)
	}
	l.mu.Lock()
	switch Status(l.status.Load()) {
	case StatusNew:
	case StatusDone:
		l.mu.Unlock()
		return fmt.Errorf("hooks: attach %s to %s: %w", l.kind, ch, ErrDone)
	default:
		l.mu.Unlock()
		return fmt.Errorf("hooks: attach %s to %s: %w", l.kind, ch, ErrAttached)
	}
	l.status.Store(uint32(StatusRunning))
	l.attaching = true
	l.ch = ch
	l.mu.Unlock()

	id, err := fn()

	l.mu.Lock()
	l.attaching = false
	if err != nil {
		if Status(l.status.Load()) == StatusRunning {
			l.status.Store(uint32(StatusNew))
			l.ch = nil
			l.mu.Unlock()
		} else {
			// Detach was called meanwhile: there is nothing to detach.
			l.mu.Unlock()
			l.finish()
		}
		return fmt.Errorf("hooks: attach %s to %s: %w", l.kind, ch, err)
	}
	l.id = id
	pending := Status(l.status.Load()) == StatusShuttingDown
	l.mu.Unlock()
	if pending {
		// Detach came in while we were attaching: carry it out now.
		l.detachFrom(ch, id)
	}
	return nil
}

// Detach removes the hook from its channel. It takes effect before the
// next frame: a call into the hook already in progress (on another
// goroutine) finishes, after which the hook reaches [StatusDone]. Detach
// never waits for that; wait on Done. It may be called from
// any goroutine, from inside the hook's own callbacks, and any number of
// times. A hook that was never attached goes straight to Done. It returns
// nil except when the channel fails to detach an attached hook.
func (l *lifecycle) Detach() error {
	l.mu.Lock()
	switch Status(l.status.Load()) {
	case StatusNew:
		l.mu.Unlock()
		l.finish()
		return nil
	case StatusRunning:
		l.status.Store(uint32(StatusShuttingDown))
		if l.attaching {
			l.mu.Unlock() // attach detaches once it has the id
			return nil
		}
		ch, id := l.ch, l.id
		l.mu.Unlock()
		return l.detachFrom(ch, id)
	default:
		l.mu.Unlock()
		return nil
	}
}

func (l *lifecycle) detachFrom(ch *channel.Channel, id channel.HookID) error {
	err := ch.DetachHook(id)
	if err != nil && errors.Is(err, channel.ErrNoHook) {
		// Already removed by the channel (hangup): Detached is delivered
		// there, exactly once.
		return nil
	}
	if err != nil {
		return fmt.Errorf("hooks: detach %s from %s: %w", l.kind, ch, err)
	}
	return nil
}

// finish moves the hook to Done once: it closes Done and runs onDone.
func (l *lifecycle) finish() {
	l.mu.Lock()
	if Status(l.status.Load()) == StatusDone {
		l.mu.Unlock()
		return
	}
	l.status.Store(uint32(StatusDone))
	close(l.done)
	fn := l.onDone
	l.mu.Unlock()
	if fn != nil {
		fn()
	}
}
