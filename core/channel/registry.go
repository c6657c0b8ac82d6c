package channel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/core/topology"
)

// RegistryConfig configures a [Registry].
type RegistryConfig struct {
	// Translator builds translation paths for channels (package translate).
	// Nil disables translation: frames in a format a stream does not accept
	// are then written as they are.
	Translator PathBuilder
	// Logger is the base logger; nil means slog.Default().
	Logger *slog.Logger
}

// Event is a channel lifecycle event for observers (the control
// endpoint's event stream, call records).
type Event struct {
	Type    string // "new", "hangup"
	Channel *Channel
	Time    time.Time
}

// Registry is the core's index of drivers and live channels. It is a value
// built by cmd/pbx (or a test), never a package global. Safe for
// concurrent use.
//
// The registry owns the read pump goroutine of every channel it created
// and waits for them in [Registry.Shutdown].
type Registry struct {
	paths PathBuilder
	log   *slog.Logger
	start int64

	mu        sync.Mutex
	drivers   map[string]Driver
	channels  map[string]*Channel // by id
	observers []func(Event)
	closed    bool

	seq atomic.Uint64
	wg  sync.WaitGroup
}

// NewRegistry returns an empty registry.
func NewRegistry(cfg RegistryConfig) *Registry {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Registry{
		paths:    cfg.Translator,
		log:      log,
		start:    time.Now().Unix(),
		drivers:  map[string]Driver{},
		channels: map[string]*Channel{},
	}
}

// Translator returns the registry's path builder (may be nil).
func (r *Registry) Translator() PathBuilder { return r.paths }

// Logger returns the registry's logger.
func (r *Registry) Logger() *slog.Logger { return r.log }

// Register adds a driver; a second driver with the same name
// (case-insensitive) fails with ErrDuplicateDriver.
func (r *Registry) Register(d Driver) error {
	key := strings.ToLower(d.Name())
	if key == "" || strings.ContainsAny(key, "/ ") {
		return fmt.Errorf("channel: invalid driver name %q", d.Name())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.drivers[key]; dup {
		return fmt.Errorf("%w: %s", ErrDuplicateDriver, d.Name())
	}
	r.drivers[key] = d
	return nil
}

// Driver returns the driver registered under name (case-insensitive).
func (r *Registry) Driver(name string) (Driver, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, ok := r.drivers[strings.ToLower(name)]
	return d, ok
}

// Drivers returns the registered driver names, sorted.
func (r *Registry) Drivers() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.drivers))
	for _, d := range r.drivers {
		names = append(names, d.Name())
	}
	slices.Sort(names)
	return names
}

// Observe registers fn to be called for every channel event. fn is called
// on the goroutine where the event happened and must not block.
func (r *Registry) Observe(fn func(Event)) {
	r.mu.Lock()
	r.observers = append(r.observers, fn)
	r.mu.Unlock()
}

func (r *Registry) emit(typ string, c *Channel) {
	r.mu.Lock()
	obs := slices.Clone(r.observers)
	r.mu.Unlock()
	ev := Event{Type: typ, Channel: c, Time: time.Now()}
	for _, fn := range obs {
		fn(ev)
	}
}

// ParseDialString splits "Tech/resource" into its parts. Both must be
// non-empty.
func ParseDialString(s string) (tech, resource string, err error) {
	tech, resource, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || tech == "" || resource == "" || strings.ContainsAny(tech, " \t") {
		return "", "", fmt.Errorf("%w: %q (want Tech/resource)", ErrDialString, s)
	}
	return tech, resource, nil
}

// NewChannel wraps a driver's Tech in a live channel, named cfg.Name plus
// a unique "-%08x" suffix, and starts its read pump. It fails after
// Shutdown.
func (r *Registry) NewChannel(cfg Config) (*Channel, error) {
	if cfg.Tech == nil {
		return nil, errors.New("channel: NewChannel without a Tech")
	}
	n := r.seq.Add(1)
	id := fmt.Sprintf("%d.%d", r.start, n)
	base := cfg.Name
	if base == "" {
		base = "Unknown/unknown"
	}
	c := newChannel(r, cfg, id, fmt.Sprintf("%s-%08x", base, n))
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		_ = cfg.Tech.Hangup(CauseSystemShutdown)
		return nil, ErrDriverClosed
	}
	r.channels[id] = c
	q := c.start(&r.wg)
	r.mu.Unlock()
	c.log.Info("channel created", "id", id)
	r.emit("new", c)
	if q != nil {
		c.takeQueues(q) // after "new": Queues may hang the channel up
	}
	return c, nil
}

// Request resolves dial ("SIP/alice") to its driver and builds an outbound
// channel that will carry want (nil: the driver's default), without
// calling it. The caller sets variables and then calls [Channel.Call].
func (r *Registry) Request(ctx context.Context, dial string, want *topology.Topology) (*Channel, error) {
	techName, res, err := ParseDialString(dial)
	if err != nil {
		return nil, err
	}
	d, ok := r.Driver(techName)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoDriver, techName)
	}
	if want != nil {
		want = want.Snapshot()
	}
	t, err := d.Request(ctx, res, want)
	if err != nil {
		return nil, fmt.Errorf("channel: request %s: %w", dial, err)
	}
	return r.NewChannel(Config{Tech: t, Name: d.Name() + "/" + res})
}

// Dial is Request followed by Call. On a Call error the channel is hung up
// and the error returned.
func (r *Registry) Dial(ctx context.Context, dial string, want *topology.Topology) (*Channel, error) {
	c, err := r.Request(ctx, dial, want)
	if err != nil {
		return nil, err
	}
	if err := c.Call(ctx); err != nil {
		c.Hangup(CauseOf(err))
		return nil, err
	}
	return c, nil
}

// Serve runs h on ch on the calling goroutine, recovering a panic (logged
// with its stack; the call is hung up with CauseFailure), and hangs ch up
// with NormalClearing when h returns. Drivers call it for each inbound
// call.
func (r *Registry) Serve(ctx context.Context, h Handler, ch *Channel) {
	defer func() {
		if p := recover(); p != nil {
			ch.log.Error("panic in call handler", "panic", p, "stack", stack())
			ch.HangupWith(CauseFailure, fmt.Sprint("panic: ", p))
			return
		}
		ch.Hangup(CauseNormalClearing)
	}()
	h.ServeChannel(ctx, ch)
}

func stack() string { return string(debug.Stack()) }

func (r *Registry) hungup(c *Channel) {
	c.detachAllHooks()
	r.mu.Lock()
	delete(r.channels, c.id)
	r.mu.Unlock()
	r.emit("hangup", c)
}

// Channels returns the live channels ordered by creation.
func (r *Registry) Channels() []*Channel {
	r.mu.Lock()
	list := make([]*Channel, 0, len(r.channels))
	for _, c := range r.channels {
		list = append(list, c)
	}
	r.mu.Unlock()
	slices.SortFunc(list, func(a, b *Channel) int { return a.created.Compare(b.created) })
	return list
}

// Find returns the live channel with the given name or id.
func (r *Registry) Find(nameOrID string) (*Channel, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.channels[nameOrID]; ok {
		return c, true
	}
	for _, c := range r.channels {
		if c.name == nameOrID {
			return c, true
		}
	}
	return nil, false
}

// HangupAll hangs up every live channel with cause and returns how many.
func (r *Registry) HangupAll(cause Cause) int {
	list := r.Channels()
	for _, c := range list {
		c.Hangup(cause)
	}
	return len(list)
}

// Shutdown stops accepting new channels, hangs up every live channel with
// CauseSystemShutdown and waits for their read pumps, or for ctx.
func (r *Registry) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.HangupAll(CauseSystemShutdown)
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("channel: shutdown: %w", ctx.Err())
	}
}
