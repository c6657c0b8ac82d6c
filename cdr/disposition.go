package cdr

import (
	"fmt"

	"github.com/pbx-dev/pbx/core/channel"
)

// Disposition is what became of a call, in Asterisk's CDR vocabulary
// (cdr.c's disposition strings). The zero value is [DispositionUnknown].
type Disposition int

// Dispositions. Asterisk's CONGESTION disposition exists only with
// cdr.conf's congestion=yes; like Asterisk's default, congestion is FAILED.
const (
	DispositionUnknown Disposition = iota
	// NoAnswer: nobody answered (the callee did not pick up, or the caller
	// gave up first).
	NoAnswer
	// Failed: the call could not be placed (unavailable, congestion, a
	// network or protocol failure).
	Failed
	// Busy: the callee was busy.
	Busy
	// Answered: the call was answered (by the callee, or by the PBX for a
	// dialplan application such as the echo test).
	Answered
)

var dispositionNames = [...]string{
	DispositionUnknown: "UNKNOWN",
	NoAnswer:           "NO ANSWER",
	Failed:             "FAILED",
	Busy:               "BUSY",
	Answered:           "ANSWERED",
}

// String returns the Asterisk name: "ANSWERED", "NO ANSWER", "BUSY",
// "FAILED" (or "UNKNOWN").
func (d Disposition) String() string {
	if d < 0 || int(d) >= len(dispositionNames) {
		return fmt.Sprintf("Disposition(%d)", int(d))
	}
	return dispositionNames[d]
}

// MarshalText implements [encoding.TextMarshaler] (the Asterisk name).
func (d Disposition) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler].
func (d *Disposition) UnmarshalText(b []byte) error {
	v, err := ParseDisposition(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDisposition parses an Asterisk disposition name as [Disposition.String]
// prints it.
func ParseDisposition(s string) (Disposition, error) {
	for i, n := range dispositionNames {
		if n == s {
			return Disposition(i), nil
		}
	}
	return DispositionUnknown, fmt.Errorf("%w: %q", ErrBadDisposition, s)
}

// DispositionOfDialStatus maps a Dial application's DIALSTATUS to a
// disposition, as Asterisk's dial_status_to_disposition does: ANSWER is
// ANSWERED, BUSY is BUSY, NOANSWER and CANCEL are NO ANSWER, and every
// other status (CHANUNAVAIL, CONGESTION, INVALIDARGS …) is FAILED. The
// empty status is DispositionUnknown.
func DispositionOfDialStatus(status string) Disposition {
	switch status {
	case "":
		return DispositionUnknown
	case "ANSWER":
		return Answered
	case "BUSY":
		return Busy
	case "NOANSWER", "CANCEL":
		return NoAnswer
	default:
		return Failed
	}
}

// DispositionOfCause maps the hangup cause of a call nobody answered to a
// disposition, following Asterisk's cdr_object_set_disposition: USER_BUSY
// is BUSY; NORMAL_CLEARING, NO_ANSWER and NO_USER_RESPONSE (and the other
// Q.850 "normal event" causes below 32) are NO ANSWER, except
// UNALLOCATED, NO_ROUTE_DESTINATION and SUBSCRIBER_ABSENT (Asterisk's
// "unregistered"), which are FAILED. Causes of 32 and above — resource
// unavailable, service, protocol and interworking classes, congestion
// among them — are FAILED: Asterisk leaves most of them as NO ANSWER,
// which hides failures from whoever reads the records. Cause 0 (not set)
// is FAILED.
func DispositionOfCause(c channel.Cause) Disposition {
	switch {
	case c == channel.CauseUserBusy:
		return Busy
	case c == channel.CauseUnallocated, c == channel.CauseNoRouteDestination, c == channel.CauseSubscriberAbsent:
		return Failed
	case c > 0 && c < 32:
		return NoAnswer
	default:
		return Failed
	}
}

// disposition decides a call's disposition, in this order: a Dial that
// was answered (DIALEDPEERNAME set) makes it ANSWERED even when a later
// Dial failed; else the last DIALSTATUS decides; else a call the PBX
// answered (an echo test, a voicemail prompt) is ANSWERED; else the
// hangup cause decides.
func disposition(peerName, dialStatus string, answered bool, cause channel.Cause) Disposition {
	if peerName != "" {
		return Answered
	}
	if d := DispositionOfDialStatus(dialStatus); d != DispositionUnknown {
		return d
	}
	if answered {
		return Answered
	}
	return DispositionOfCause(cause)
}
