package dtmf

import "errors"

var (
	// ErrShortPayload is returned by [Unmarshal] for a payload shorter than
	// the 4 bytes of an RFC 4733 event.
	ErrShortPayload = errors.New("dtmf: payload shorter than 4 bytes")
	// ErrUnknownEvent is returned by [Unmarshal] for an event code that is
	// not a DTMF digit or flash (codes above 16).
	ErrUnknownEvent = errors.New("dtmf: unknown event code")
	// ErrUnknownDigit is returned for a rune that is not a DTMF digit
	// (0-9, *, #, A-D) or [Flash].
	ErrUnknownDigit = errors.New("dtmf: unknown digit")
	// ErrBusy is returned by [Sender.Start] while a digit is still being
	// sent.
	ErrBusy = errors.New("dtmf: sender busy")
	// ErrDuration is returned by [Sender.Start] for a non-positive duration.
	ErrDuration = errors.New("dtmf: duration must be positive")
)
