package testphone

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors. A call's end reason ([Call.Err]) is one of these, a
// [*StatusError], or a transport error wrapped with the operation.
var (
	// ErrClosed is returned by methods of a closed [Phone] and ends the
	// calls it still had.
	ErrClosed = errors.New("testphone: phone closed")
	// ErrCallEnded is returned by call and media methods after the call
	// ended.
	ErrCallEnded = errors.New("testphone: call ended")
	// ErrLocalHangup ends a call this phone hung up, cancelled or rejected.
	ErrLocalHangup = errors.New("testphone: hung up locally")
	// ErrRemoteHangup ends a call the far end hung up with BYE.
	ErrRemoteHangup = errors.New("testphone: far end hung up")
	// ErrCanceled ends an inbound call the caller cancelled before it was
	// answered.
	ErrCanceled = errors.New("testphone: caller cancelled")
	// ErrNoACK ends an inbound call whose 2xx was never acknowledged
	// (RFC 3261 §13.3.1.4).
	ErrNoACK = errors.New("testphone: no ACK for 2xx")
	// ErrState is returned when a method does not fit the call's state, such
	// as answering an outbound call or re-inviting before the answer.
	ErrState = errors.New("testphone: not allowed in this call state")
	// ErrBadSDP reports an SDP body that could not be parsed or that breaks
	// the offer/answer rules of RFC 3264 (for example an answer with a
	// different number of m-lines than the offer).
	ErrBadSDP = errors.New("testphone: bad SDP")
	// ErrUnsupportedCodec is returned when asked to send audio in a codec
	// this phone cannot encode (only PCMU and PCMA are encoded).
	ErrUnsupportedCodec = errors.New("testphone: codec not supported for sending")
	// ErrNoTelephoneEvent is returned by [Media.SendDTMF] when the far end
	// did not negotiate RFC 4733 telephone-event.
	ErrNoTelephoneEvent = errors.New("testphone: telephone-event not negotiated")
	// ErrInvalidDigit is returned for a DTMF digit outside 0-9 * # A-D.
	ErrInvalidDigit = errors.New("testphone: invalid DTMF digit")
	// ErrNotFound is returned by a Wait method whose condition was not met
	// before its context ended; it wraps the context's error.
	ErrNotFound = errors.New("testphone: condition not met")
)

// StatusError is a final non-2xx SIP response: the answer to a REGISTER,
// INVITE or re-INVITE that failed, or the reason an outbound call ended.
type StatusError struct {
	Code   int    // SIP status code, e.g. 486
	Reason string // reason phrase as received
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("testphone: %d %s", e.Code, e.Reason)
}

// StatusCode returns the status code carried by err (a [*StatusError]
// anywhere in its chain), or 0 if there is none.
func StatusCode(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

// reasonPhrase returns the RFC 3261 §21 reason phrase for code.
func reasonPhrase(code int) string {
	switch code {
	case 180:
		return "Ringing"
	case 181:
		return "Call Is Being Forwarded"
	case 182:
		return "Queued"
	case 183:
		return "Session Progress"
	case 404:
		return "Not Found"
	case 480:
		return "Temporarily Unavailable"
	case 481:
		return "Call/Transaction Does Not Exist"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 491:
		return "Request Pending"
	case 600:
		return "Busy Everywhere"
	case 603:
		return "Decline"
	case 606:
		return "Not Acceptable"
	}
	if s := http.StatusText(code); s != "" {
		return s
	}
	return "Unknown"
}
