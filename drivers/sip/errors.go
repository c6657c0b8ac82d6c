package sip

import (
	"errors"
	"fmt"

	"github.com/pbx-dev/pbx/core/channel"
)

var (
	// ErrConfig reports an invalid [Config] passed to [New].
	ErrConfig = errors.New("sip: invalid config")
	// ErrBadDest reports a dial destination that is neither a user name,
	// user@host[:port] nor a sip: URI.
	ErrBadDest = errors.New("sip: malformed destination")
	// ErrNotRegistered reports a dial to an endpoint with no live
	// registration. It carries [channel.CauseSubscriberAbsent].
	ErrNotRegistered = errors.New("sip: not registered")
	// ErrNoDTMF reports SendDigit on a call that negotiated no RFC 4733
	// telephone-event.
	ErrNoDTMF = errors.New("sip: no telephone-event negotiated")
	// ErrRejected reports Answer on an inbound call that already received
	// a final error response (busy, congestion …).
	ErrRejected = errors.New("sip: call already rejected")
	// ErrWrongDirection reports Call on an inbound call or Answer on an
	// outbound one.
	ErrWrongDirection = errors.New("sip: operation does not fit the call direction")
	// ErrPortsExhausted reports that the RTP port range has no free pair.
	ErrPortsExhausted = errors.New("sip: RTP port range exhausted")
)

// StatusError is a SIP final response that ended a call attempt, such as
// the 486 of a busy callee. It classifies itself with the Q.850 cause
// RFC 3398 maps the status to.
type StatusError struct {
	Status int
	Reason string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("sip: %d %s", e.Status, e.Reason)
}

// HangupCause implements [channel.CauseCarrier].
func (e *StatusError) HangupCause() channel.Cause { return StatusToCause(e.Status) }

// causeError is an error that carries a hangup cause.
type causeError struct {
	cause channel.Cause
	err   error
}

func (e *causeError) Error() string              { return e.err.Error() }
func (e *causeError) Unwrap() error              { return e.err }
func (e *causeError) HangupCause() channel.Cause { return e.cause }

// withCause wraps err so that [channel.CauseOf] reports cause.
func withCause(cause channel.Cause, err error) error { return &causeError{cause: cause, err: err} }
