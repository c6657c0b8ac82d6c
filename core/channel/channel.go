package channel

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
)

// Queue sizes. Every queue of a channel is bounded.
const (
	readQueueLen    = 32 // frames from the driver waiting for the consumer
	controlQueueLen = 64 // frames queued by the core
)

// view is an immutable snapshot of a channel's topology with its default
// streams derived from it, swapped atomically so default streams can never
// go stale.
type view struct {
	topo     *topology.Topology
	defaults [len(format.MediaTypes) + 1]int // by media type; -1 = none
}

func newView(t *topology.Topology) *view {
	v := &view{topo: t.Snapshot()}
	for i := range v.defaults {
		v.defaults[i] = -1
	}
	for _, mt := range format.MediaTypes {
		if s := v.topo.FirstOfType(mt); s != nil {
			v.defaults[mt] = s.Position()
		}
	}
	return v
}

func (v *view) defaultOf(mt format.MediaType) int {
	if int(mt) >= len(v.defaults) {
		return -1
	}
	return v.defaults[mt]
}

// Channel is one call leg: the core's half of a driver's [Tech].
//
// Goroutines: a channel owns one read pump goroutine that calls
// Tech.ReadFrame and hands frames to a bounded queue; it ends after the
// driver returns an error (io.EOF after Hangup). The consumer — the
// dialplan application or the bridge running on the channel's handler
// goroutine — calls [Channel.Read] or [Channel.ReadStream]; reads are not
// safe for concurrent use with each other. Writes may come from any
// goroutine and are serialised by the channel's write lock.
//
// Locking: mu guards the call state, variables and negotiation state;
// writeMu serialises the write path (hooks, translation, Tech.WriteFrame)
// and is never held while taking mu. No lock is held while calling the
// driver's signalling methods, hooks are called without mu held.
type Channel struct {
	id      string
	name    string
	tech    Tech
	reg     *Registry
	log     *slog.Logger
	created time.Time
	inbound bool

	multistream bool
	changer     TopologyChanger
	indicator   Indicator
	legacy      Legacy

	ctx    context.Context
	cancel context.CancelCauseFunc

	view atomic.Pointer[view]

	mu         sync.Mutex
	state      State
	answeredAt time.Time
	vars       map[string]string
	callerNum  string
	callerName string
	dialCtx    string
	dialExten  string
	neg        negotiation

	in       chan *frame.Frame // the read pump's output (nil for a Queued driver)
	qctl     <-chan *frame.Frame
	qmedia   <-chan *frame.Frame // a Queued driver's queues (nil otherwise)
	queue    chan *frame.Frame
	pumpDone chan struct{}
	// queuedDone ends a Queued channel's registry wait group entry (at
	// hangup); nil otherwise.
	queuedDone func()
	hungup     atomic.Bool

	hooks hookLists

	// Read side: used only by the reading goroutine.
	rd struct {
		deadline time.Time
		timer    *time.Timer
		paths    map[int]*path
		formats  map[int]format.Format
	}
	badStreamLogged atomic.Bool
	dropped         atomic.Uint64

	writeMu sync.Mutex
	wpaths  map[int]*path
}

// path is a cached translation path of one stream and direction.
type path struct {
	src, dst format.Format
	tr       Translator
}

// Config describes a channel to create with [Registry.NewChannel].
type Config struct {
	// Tech is the driver half. Required.
	Tech Tech
	// Name is the channel name without the unique suffix, such as
	// "SIP/alice"; the registry appends "-00000001".
	Name string
	// Inbound marks a call the PBX received (initial state Ring).
	Inbound bool
	// CallerNum and CallerName are the caller ID: on an inbound channel
	// the calling party as the driver received it; on an outbound one the
	// calling party to present to the far end (see
	// [Channel.SetCallerID]).
	CallerNum, CallerName string
	// Vars are initial channel variables (copied).
	Vars map[string]string
	// Context and Exten are where an inbound call enters the dialplan (the
	// endpoint's context and the dialled number); empty means the handler's
	// defaults ("default" and "s").
	Context, Exten string
}

func newChannel(r *Registry, cfg Config, id, name string) *Channel {
	c := &Channel{
		id:       id,
		name:     name,
		tech:     cfg.Tech,
		reg:      r,
		created:  time.Now(),
		inbound:  cfg.Inbound,
		vars:     maps.Clone(cfg.Vars),
		queue:    make(chan *frame.Frame, controlQueueLen),
		pumpDone: make(chan struct{}),
		wpaths:   map[int]*path{},
	}
	if c.vars == nil {
		c.vars = map[string]string{}
	}
	c.callerNum, c.callerName = cfg.CallerNum, cfg.CallerName
	c.dialCtx, c.dialExten = cfg.Context, cfg.Exten
	c.log = r.log.With("channel", name)
	c.ctx, c.cancel = context.WithCancelCause(context.Background())
	c.state = Down
	if cfg.Inbound {
		c.state = Ring
	}
	c.rd.paths = map[int]*path{}
	c.rd.formats = map[int]format.Format{}
	if ms, ok := capability[Multistream](cfg.Tech); ok {
		c.multistream = true
		t := ms.Topology()
		if t == nil {
			t = topology.New()
		}
		c.view.Store(newView(t))
	} else {
		var caps format.Caps
		if l, ok := capability[Legacy](cfg.Tech); ok {
			c.legacy = l
			caps = l.NativeFormats()
		}
		c.view.Store(newView(topology.FromFormats(caps)))
	}
	c.changer, _ = capability[TopologyChanger](cfg.Tech)
	c.indicator, _ = capability[Indicator](cfg.Tech)
	return c
}

// start launches the read pump, or for a [Queued] driver enters the
// channel in the registry's wait group and returns the driver, whose
// queues NewChannel takes with [Channel.takeQueues] once it holds no
// lock; the registry waits for the pump or the hangup.
func (c *Channel) start(wg *sync.WaitGroup) Queued {
	q, ok := c.tech.(Queued)
	if !ok {
		c.in = make(chan *frame.Frame, readQueueLen)
		wg.Go(c.pump)
		return nil
	}
	// Without a pump, "the pump ended" is the hangup itself (a pump ends
	// when ReadFrame returns io.EOF after Hangup).
	wg.Add(1)
	c.queuedDone = wg.Done
	return q
}

// takeQueues takes a [Queued] driver's queues. It runs with no lock held,
// before NewChannel returns the channel: the driver may report a far end
// that hung up already by calling ev.Hangup from Queues.
func (c *Channel) takeQueues(q Queued) {
	c.qctl, c.qmedia = q.Queues(QueueEvents{
		Hangup: func(cause Cause) {
			if cause == 0 {
				cause = CauseNormalClearing
			}
			c.hangup(&HangupError{Cause: cause, Reason: "remote hangup"})
		},
	})
}

// pump is the channel's read goroutine: it moves frames from the driver to
// the bounded read queue until the driver returns an error. After hangup it
// keeps draining (releasing frames) until the driver returns io.EOF.
func (c *Channel) pump() {
	defer close(c.pumpDone)
	defer close(c.in)
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("panic in driver read", "panic", p, "stack", stack())
			c.hangup(&HangupError{Cause: CauseFailure, Reason: "panic in driver read"})
		}
	}()
	for {
		f, err := c.tech.ReadFrame()
		if err != nil {
			cause := CauseNormalClearing
			if err != io.EOF {
				cause = CauseOf(err)
				if !c.hungup.Load() {
					c.log.Debug("driver read ended", "error", err)
				}
			}
			c.hangup(&HangupError{Cause: cause, Reason: "driver read ended"})
			return
		}
		if f == nil {
			continue
		}
		if f.Kind == frame.Control && f.Control == frame.Hangup {
			// The far end hung up: end the channel now, so a consumer that
			// is not reading (waiting on Done) learns it too, with the
			// remote's cause.
			cause := Cause(f.Cause)
			if cause == 0 {
				cause = CauseNormalClearing
			}
			f.Release()
			c.hangup(&HangupError{Cause: cause, Reason: "remote hangup"})
			continue
		}
		select {
		case c.in <- f:
		case <-c.ctx.Done():
			f.Release()
		}
	}
}

// ID returns the channel's unique id (Asterisk's UNIQUEID).
func (c *Channel) ID() string { return c.id }

// Name returns the channel's name, such as "SIP/alice-00000001".
func (c *Channel) Name() string { return c.name }

// Tech returns the driver half.
func (c *Channel) Tech() Tech { return c.tech }

// Logger returns the channel's logger (with the channel attribute).
func (c *Channel) Logger() *slog.Logger { return c.log }

// Created returns when the channel was created.
func (c *Channel) Created() time.Time { return c.created }

// Inbound reports whether the PBX received this call.
func (c *Channel) Inbound() bool { return c.inbound }

// Context returns the channel's lifetime context, cancelled with a
// *HangupError when the channel hangs up.
func (c *Channel) Context() context.Context { return c.ctx }

// Done is closed when the channel has hung up.
func (c *Channel) Done() <-chan struct{} { return c.ctx.Done() }

// HangupCause returns the cause the channel hung up with, or 0 while it is
// alive.
func (c *Channel) HangupCause() Cause {
	if c.ctx.Err() == nil {
		return 0
	}
	return CauseOf(context.Cause(c.ctx))
}

// Multistream reports whether the driver owns a multistream topology.
func (c *Channel) Multistream() bool { return c.multistream }

// Topology returns the active topology, a frozen snapshot.
func (c *Channel) Topology() *topology.Topology { return c.view.Load().topo }

// DefaultStream returns the position of the default stream of media type
// mt (the first non-removed stream of that type), or -1.
func (c *Channel) DefaultStream(mt format.MediaType) int { return c.view.Load().defaultOf(mt) }

// State returns the call state.
func (c *Channel) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// AnsweredAt returns when the channel went Up, or the zero time.
func (c *Channel) AnsweredAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.answeredAt
}

func (c *Channel) setState(s State) {
	c.mu.Lock()
	if c.state != Hungup && c.state != s {
		c.state = s
		if s == Up && c.answeredAt.IsZero() {
			c.answeredAt = time.Now()
		}
	}
	c.mu.Unlock()
}

// CallerID returns the caller's number and name.
func (c *Channel) CallerID() (num, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.callerNum, c.callerName
}

// DialplanTarget returns the context and extension an inbound call entered
// with (see [Config]); empty strings when the driver did not say.
func (c *Channel) DialplanTarget() (context, exten string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dialCtx, c.dialExten
}

// SetCallerID sets the caller's number and name.
//
// The caller ID belongs to the channel. On an outbound channel, whoever
// requested it sets it between [Registry.Request] and [Channel.Call]
// (Dial copies the calling channel's); Call hands a copy to a driver that
// implements [CallerIDCaller], which presents it to the far end. Setting
// it after Call changes what the PBX reports (call records, events) but
// is not signalled.
func (c *Channel) SetCallerID(num, name string) {
	c.mu.Lock()
	c.callerNum, c.callerName = num, name
	c.mu.Unlock()
}

// Var returns a channel variable.
func (c *Channel) Var(name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vars[name]
	return v, ok
}

// SetVar sets a channel variable; an empty value deletes it.
func (c *Channel) SetVar(name, value string) {
	c.mu.Lock()
	if value == "" {
		delete(c.vars, name)
	} else {
		c.vars[name] = value
	}
	c.mu.Unlock()
}

// Vars returns a copy of the channel variables.
func (c *Channel) Vars() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.vars)
}

// Call starts an outbound call (state Dialing). A driver that implements
// [CallerIDCaller] is given the channel's caller ID.
func (c *Channel) Call(ctx context.Context) error {
	if c.hungup.Load() {
		return ErrHangup
	}
	c.setState(Dialing)
	var err error
	if cc, ok := capability[CallerIDCaller](c.tech); ok {
		num, name := c.CallerID()
		err = cc.CallAs(ctx, CallerID{Num: num, Name: name})
	} else {
		err = c.tech.Call(ctx)
	}
	if err != nil {
		return fmt.Errorf("channel: call %s: %w", c.name, err)
	}
	return nil
}

// Answer answers an inbound channel; answering an Up channel does nothing.
func (c *Channel) Answer(ctx context.Context) error { return c.AnswerTopology(ctx, nil) }

// AnswerTopology answers with topology t when the driver implements
// [TopologyAnswerer] (t nil means the driver's current topology).
func (c *Channel) AnswerTopology(ctx context.Context, t *topology.Topology) error {
	if c.hungup.Load() {
		return ErrHangup
	}
	if c.State() == Up {
		return nil
	}
	var err error
	if ta, ok := capability[TopologyAnswerer](c.tech); ok && t != nil {
		err = ta.AnswerTopology(ctx, t.Snapshot())
	} else {
		err = c.tech.Answer(ctx)
	}
	if err != nil {
		return fmt.Errorf("channel: answer %s: %w", c.name, err)
	}
	c.setState(Up)
	return nil
}

// Indicate sends a control indication (ringing, progress, busy, hold …) to
// the far end.
func (c *Channel) Indicate(ct frame.ControlType) error {
	f := frame.NewControl(ct)
	defer f.Release()
	return c.Write(f)
}

// SendDigit sends one DTMF digit of duration d: out of band through a
// [DigitSender] driver, else as DTMFBegin/DTMFEnd frames.
func (c *Channel) SendDigit(ctx context.Context, digit rune, d time.Duration) error {
	if ds, ok := capability[DigitSender](c.tech); ok {
		return ds.SendDigit(ctx, digit, d)
	}
	b := frame.NewDTMF(frame.DTMFBegin, digit, 0)
	err := c.Write(b)
	b.Release()
	if err != nil {
		return err
	}
	e := frame.NewDTMF(frame.DTMFEnd, digit, d)
	defer e.Release()
	return c.Write(e)
}

// SetNativeFormats replaces a legacy driver's native formats; the derived
// topology is rebuilt. It is an error on a multistream channel, whose
// driver owns its topology.
func (c *Channel) SetNativeFormats(caps format.Caps) error {
	if c.multistream {
		return fmt.Errorf("channel: %s: native formats of a multistream driver: %w", c.name, ErrUnsupported)
	}
	c.view.Store(newView(topology.FromFormats(caps)))
	return nil
}

// Queue adds f to the channel's control queue; the consumer reads it
// before any driver frame. Queue takes ownership of f (also on error). It
// fails with ErrQueueFull when the bounded queue is full and ErrHangup
// after hangup.
func (c *Channel) Queue(f *frame.Frame) error {
	if c.hungup.Load() {
		f.Release()
		return ErrHangup
	}
	select {
	case c.queue <- f:
		return nil
	default:
		f.Release()
		return ErrQueueFull
	}
}

// Hangup ends the channel with cause. It is idempotent: later calls return
// nil and keep the first cause. Reads then return io.EOF and writes
// ErrHangup.
func (c *Channel) Hangup(cause Cause) error {
	if cause == 0 {
		cause = CauseNormalClearing
	}
	return c.hangup(&HangupError{Cause: cause})
}

// HangupWith is Hangup with a reason text for logs and call records.
func (c *Channel) HangupWith(cause Cause, reason string) error {
	return c.hangup(&HangupError{Cause: cause, Reason: reason})
}

func (c *Channel) hangup(he *HangupError) error {
	// The cause is published first: a hangup that loses the race below
	// (the consumer reading a Queued driver's Hangup frame while the
	// driver reports it) returns only once the channel is done, so a
	// Read that then returns io.EOF finds the context cancelled with the
	// first cause.
	c.cancel(he)
	if !c.hungup.CompareAndSwap(false, true) {
		return nil
	}
	if first, ok := context.Cause(c.ctx).(*HangupError); ok {
		he = first
	}
	c.mu.Lock()
	c.state = Hungup
	c.mu.Unlock()
	err := c.tech.Hangup(he.Cause)
	if c.queuedDone != nil {
		close(c.pumpDone)
		c.queuedDone()
	}
	c.log.Info("channel hung up", "cause", he.Cause, "reason", he.Reason)
	c.reg.hungup(c)
	if err != nil {
		return fmt.Errorf("channel: hangup %s: %w", c.name, err)
	}
	return nil
}

// Wait blocks until the channel's read pump has ended (after hangup) or ctx
// is done.
func (c *Channel) Wait(ctx context.Context) error {
	select {
	case <-c.pumpDone:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// String returns the channel name.
func (c *Channel) String() string { return c.name }

// LogValue implements [slog.LogValuer].
func (c *Channel) LogValue() slog.Value { return slog.StringValue(c.name) }
