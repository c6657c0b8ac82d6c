package console

import (
	"fmt"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
)

// EventType is the kind of a console [Event]. The zero value is
// [EventUnknown].
type EventType uint8

// Event types.
const (
	EventUnknown EventType = iota
	// EventRing: a call to Console/dsp is ringing; answer it with
	// [Driver.Answer] (or AutoAnswer).
	EventRing
	// EventDial: the console placed a call with [Driver.Dial].
	EventDial
	// EventAnswer: the console answered an incoming call, or the dialplan
	// answered the console's outgoing call.
	EventAnswer
	// EventIndication: the far end indicated ringing, progress, busy,
	// congestion, hold or unhold (Event.Indication).
	EventIndication
	// EventDTMF: the far end sent a DTMF digit to the console (Event.Digit).
	EventDTMF
	// EventHangup: the console's call ended (Event.Cause).
	EventHangup
)

// String returns the lowercase name of t.
func (t EventType) String() string {
	switch t {
	case EventRing:
		return "ring"
	case EventDial:
		return "dial"
	case EventAnswer:
		return "answer"
	case EventIndication:
		return "indication"
	case EventDTMF:
		return "dtmf"
	case EventHangup:
		return "hangup"
	case EventUnknown:
		return "unknown"
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler (JSON shows the name).
func (t EventType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Event is something the person at the console should know about. The
// control endpoint forwards them on its event stream.
type Event struct {
	Type EventType `json:"type"`
	// Channel is the console channel's name, when known.
	Channel string `json:"channel,omitempty"`
	// Caller is the caller ID of a ringing call ("name <num>").
	Caller string `json:"caller,omitempty"`
	// Exten is the extension a console call was placed to (EventDial).
	Exten string `json:"exten,omitempty"`
	// Indication is the control indication ("ringing", "busy" …).
	Indication string `json:"indication,omitempty"`
	// Digit is the DTMF digit of an EventDTMF, as a one-character string.
	Digit string `json:"digit,omitempty"`
	// Cause is the hangup cause of an EventHangup.
	Cause channel.Cause `json:"cause,omitempty"`
	// Time is when the event happened.
	Time time.Time `json:"time"`
}

// String describes e for logs and the CLI.
func (e Event) String() string {
	switch e.Type {
	case EventRing:
		return fmt.Sprintf("ring %s from %s", e.Channel, e.Caller)
	case EventDial:
		return fmt.Sprintf("dial %s on %s", e.Exten, e.Channel)
	case EventIndication:
		return fmt.Sprintf("indication %s on %s", e.Indication, e.Channel)
	case EventDTMF:
		return fmt.Sprintf("dtmf %s on %s", e.Digit, e.Channel)
	case EventHangup:
		return fmt.Sprintf("hangup %s (%s)", e.Channel, e.Cause)
	default:
		return fmt.Sprintf("%s %s", e.Type, e.Channel)
	}
}
