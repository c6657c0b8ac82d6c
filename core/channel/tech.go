package channel

import (
	"context"
	"time"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
)

// Driver is a channel technology ("SIP", "Local", "Console"). Drivers are
// registered on a [Registry] value by cmd/pbx or a plugin, never from init.
type Driver interface {
	// Name is the dial-string prefix, such as "SIP" in "SIP/alice".
	// Matching is case-insensitive.
	Name() string
	// Request builds the driver half of an outbound channel to dest (the
	// dial string after "Name/") that should carry the streams of want (may
	// be nil: the driver's defaults). It sends no signalling; the core calls
	// [Tech.Call] next. Called on the dialling goroutine; may block on
	// lookups bounded by ctx; must not retain want (it is frozen and may be
	// shared, so it can be read later).
	Request(ctx context.Context, dest string, want *topology.Topology) (Tech, error)
}

// Tech is the driver half of a channel. The core calls ReadFrame only from
// the channel's read pump goroutine and WriteFrame only from the channel's
// serialised write path, so neither is ever called concurrently with
// itself; they may run concurrently with each other and with the signalling
// methods.
type Tech interface {
	// Call starts ringing the far end of an outbound channel and returns
	// once the attempt is under way (progress and answer arrive as control
	// frames from ReadFrame). Called once, on the dialling goroutine.
	Call(ctx context.Context) error
	// Answer accepts an inbound call. Called at most once per call by the
	// core (see [TopologyAnswerer] for answering with a topology).
	Answer(ctx context.Context) error
	// Hangup ends the call with cause. It is idempotent, never blocks for
	// long, and unblocks a pending ReadFrame, which then returns io.EOF.
	Hangup(cause Cause) error
	// ReadFrame blocks until the driver has a frame and returns it; the
	// caller owns it. Media frames carry their stream position (a
	// multistream driver) or [frame.DefaultStream] (a legacy driver). When
	// the far end hangs up the driver returns a Hangup control frame with
	// the cause, then io.EOF. After Hangup it returns io.EOF.
	ReadFrame() (*frame.Frame, error)
	// WriteFrame sends f, which it borrows: it must not retain f or its
	// payload after returning. f.Stream is the target stream position
	// (multistream drivers) and f's format matches that stream's formats.
	// After Hangup it returns ErrHangup.
	WriteFrame(f *frame.Frame) error
}

// Multistream is implemented by a Tech that owns its topology (one stream
// per SDP m-line, say). Its initial topology is read once when the channel
// is created; later changes arrive as TopologyChanged control frames from
// ReadFrame, each carrying the topology now in force.
type Multistream interface {
	Topology() *topology.Topology
}

// Legacy is implemented by a Tech that cannot do multistream and declares
// only native formats. The core derives its topology (one sendrecv stream
// per media type) and rebuilds it when [Channel.SetNativeFormats] is
// called. A Tech implementing neither Multistream nor Legacy gets an empty
// topology.
type Legacy interface {
	NativeFormats() format.Caps
}

// TopologyChanger is the capability to renegotiate streams. RequestTopology
// is asynchronous: it starts the renegotiation (a SIP re-INVITE) and
// returns; when it completes — successfully or not — the driver returns a
// TopologyChanged control frame from ReadFrame carrying the topology then
// in force (the old one after a failure). t is frozen; the driver may keep
// it. Called from any goroutine but never concurrently with itself.
type TopologyChanger interface {
	RequestTopology(t *topology.Topology) error
}

// CallerID identifies the calling party of a call: Asterisk's
// CALLERID(num) and CALLERID(name). An empty field is unknown.
type CallerID struct {
	// Num is the number or user, such as "1001" or "+15551234567".
	Num string
	// Name is the display name, such as "Alice".
	Name string
}

// CallerIDCaller is implemented by a Tech that tells the far end of an
// outbound call who is calling (the SIP driver puts it in the INVITE's
// From header). [Channel.Call] calls CallAs instead of [Tech.Call], with
// the channel's caller ID at that moment ([Channel.SetCallerID]; the zero
// CallerID when none is set); CallAs has Call's contract otherwise: called
// once, on the dialling goroutine, and it returns once the attempt is
// under way. id is a value the driver may keep; a caller ID set on the
// channel after Call is not signalled to the far end. The driver must
// accept any strings (it escapes them for its protocol) and fall back to
// its own identity for empty fields. Like every capability it is found
// through [Unwrapper]s, so a wrapper that intercepts Call must implement
// CallAs too.
type CallerIDCaller interface {
	CallAs(ctx context.Context, id CallerID) error
}

// TopologyAnswerer answers an inbound call with a given topology.
type TopologyAnswerer interface {
	AnswerTopology(ctx context.Context, t *topology.Topology) error
}

// Indicator receives control frames written to the channel (ringing,
// progress, busy, hold, video update, topology changed …). f is borrowed.
// A Tech without Indicator drops them.
type Indicator interface {
	Indicate(f *frame.Frame) error
}

// DigitSender sends a DTMF digit out of band (RFC 4733, SIP INFO). Without
// it, the core writes DTMFBegin/DTMFEnd frames through WriteFrame.
type DigitSender interface {
	SendDigit(ctx context.Context, digit rune, d time.Duration) error
}

// Unwrapper is implemented by Tech wrappers so capabilities are still found
// through them.
type Unwrapper interface{ Unwrap() Tech }

// Handler runs a channel's call logic, such as the dialplan. The driver
// calls ServeChannel on a goroutine of its own (the one that received the
// call); when it returns, the driver hangs the channel up. A panic inside
// is recovered by [Serve], logged, and hangs up that call only.
type Handler interface {
	ServeChannel(ctx context.Context, ch *Channel)
}

// HandlerFunc adapts a function to [Handler].
type HandlerFunc func(ctx context.Context, ch *Channel)

// ServeChannel calls f(ctx, ch).
func (f HandlerFunc) ServeChannel(ctx context.Context, ch *Channel) { f(ctx, ch) }

// Inbound is an optional Driver capability: accept calls and hand each
// to h. Serve returns ErrDriverClosed after the driver shut down.
type Inbound interface {
	Serve(ctx context.Context, h Handler) error
}

// capability finds an optional interface on t or any Tech it wraps.
func capability[T any](t Tech) (T, bool) {
	for t != nil {
		if c, ok := t.(T); ok {
			return c, true
		}
		u, ok := t.(Unwrapper)
		if !ok {
			break
		}
		t = u.Unwrap()
	}
	var zero T
	return zero, false
}

// Queued is an optional [Tech] capability for a driver whose received
// frames already wait in bounded Go channels (a SIP call's RTP frames,
// queued by shared media workers). The core then reads those channels
// itself, on the consumer's goroutine, instead of running a read
// goroutine per channel that calls ReadFrame: one goroutine and one
// hand-off per frame less. The core finds it by a direct type assertion
// on [Config.Tech], not through Unwrap, so a wrapper that changes what
// ReadFrame returns keeps the read goroutine.
type Queued interface {
	// Queues is called once, by NewChannel, before NewChannel returns the
	// channel (and with no lock held). It returns the driver's queue of
	// control frames (read first) and of media frames, with the semantics
	// of ReadFrame's results: the consumer owns what it receives. The
	// driver calls ev.Hangup once when the far end ends the call (from any
	// goroutine, holding no lock; from Queues itself when the far end
	// ended the call before Queues was called): the core hangs the
	// channel up with that cause, which calls the Tech's Hangup. The core
	// may have hung the channel up before calling Queues (a registry
	// shutting down). After Hangup the core reads nothing more; the driver
	// releases what is left in its queues. ReadFrame is not called.
	Queues(ev QueueEvents) (ctl, media <-chan *frame.Frame)
}

// QueueEvents are the core's callbacks for a [Queued] driver, safe to
// call from any goroutine; they never block for long.
type QueueEvents struct {
	// Hangup reports the far end's hangup with its cause.
	Hangup func(cause Cause)
}
