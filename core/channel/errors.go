package channel

import "errors"

var (
	// ErrHangup is returned by writes and signalling calls on a channel that
	// has hung up. The cause is in context.Cause(ch.Context()).
	ErrHangup = errors.New("channel: hung up")
	// ErrNoDriver is returned by [Registry.Dial] for an unknown technology.
	ErrNoDriver = errors.New("channel: no such driver")
	// ErrDuplicateDriver is returned when a driver name is registered twice.
	ErrDuplicateDriver = errors.New("channel: driver already registered")
	// ErrDialString is returned for a malformed dial string.
	ErrDialString = errors.New("channel: malformed dial string")
	// ErrStreamOutOfRange is returned by [Channel.WriteStream] for a stream
	// index outside the topology.
	ErrStreamOutOfRange = errors.New("channel: stream index out of range")
	// ErrMediaMismatch is returned when a frame's media type does not match
	// the stream it is written to.
	ErrMediaMismatch = errors.New("channel: frame media type does not match stream")
	// ErrNoStream reports a media frame dropped because the channel has no
	// default stream of its media type.
	ErrNoStream = errors.New("channel: no default stream for frame")
	// ErrNotMultistream is returned when a topology change is requested on a
	// channel whose driver cannot do multistream.
	ErrNotMultistream = errors.New("channel: driver is not multistream")
	// ErrUnsupported is returned when a driver lacks an optional capability.
	ErrUnsupported = errors.New("channel: not supported by driver")
	// ErrDeadline is returned by reads after the read deadline passed.
	ErrDeadline = errors.New("channel: read deadline exceeded")
	// ErrQueueFull is returned when a channel's bounded queue is full.
	ErrQueueFull = errors.New("channel: queue full")
	// ErrDriverClosed is returned by Serve loops after shutdown.
	ErrDriverClosed = errors.New("channel: driver closed")
	// ErrNoHook is returned when detaching an unknown hook.
	ErrNoHook = errors.New("channel: no such hook")
)
