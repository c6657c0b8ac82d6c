package channel

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Cause is a hangup cause in ITU-T Q.850 numbering. The zero value means
// "not set".
type Cause int

// Hangup causes (Q.850).
const (
	CauseUnallocated             Cause = 1
	CauseNoRouteDestination      Cause = 3
	CauseChannelUnacceptable     Cause = 6
	CauseNormalClearing          Cause = 16
	CauseUserBusy                Cause = 17
	CauseNoUserResponse          Cause = 18
	CauseNoAnswer                Cause = 19
	CauseSubscriberAbsent        Cause = 20
	CauseCallRejected            Cause = 21
	CauseNumberChanged           Cause = 22
	CauseAnsweredElsewhere       Cause = 26
	CauseDestinationOutOfOrder   Cause = 27
	CauseInvalidNumberFormat     Cause = 28
	CauseFacilityRejected        Cause = 29
	CauseNormalUnspecified       Cause = 31
	CauseNormalCircuitCongestion Cause = 34
	CauseNetworkOutOfOrder       Cause = 38
	CauseTemporaryFailure        Cause = 41
	CauseSwitchCongestion        Cause = 42
	CauseChannelNotAvailable     Cause = 44
	CauseBearerNotAvailable      Cause = 58
	CauseBearerNotImplemented    Cause = 65
	CauseIncompatibleDestination Cause = 88
	CauseInvalidMessage          Cause = 95
	CauseRecoveryOnTimerExpiry   Cause = 102
	CauseInterworking            Cause = 127

	// CauseFailure is used for internal failures (a panic in a call's
	// goroutine, a driver error), as Asterisk's AST_CAUSE_FAILURE.
	CauseFailure = CauseNetworkOutOfOrder
	// CauseSystemShutdown is used when the PBX shuts down: temporary, so
	// the far end may retry (SIP 503).
	CauseSystemShutdown = CauseTemporaryFailure
)

var causeNames = map[Cause]string{
	CauseUnallocated:             "UNALLOCATED",
	CauseNoRouteDestination:      "NO_ROUTE_DESTINATION",
	CauseChannelUnacceptable:     "CHANNEL_UNACCEPTABLE",
	CauseNormalClearing:          "NORMAL_CLEARING",
	CauseUserBusy:                "USER_BUSY",
	CauseNoUserResponse:          "NO_USER_RESPONSE",
	CauseNoAnswer:                "NO_ANSWER",
	CauseSubscriberAbsent:        "SUBSCRIBER_ABSENT",
	CauseCallRejected:            "CALL_REJECTED",
	CauseNumberChanged:           "NUMBER_CHANGED",
	CauseAnsweredElsewhere:       "ANSWERED_ELSEWHERE",
	CauseDestinationOutOfOrder:   "DESTINATION_OUT_OF_ORDER",
	CauseInvalidNumberFormat:     "INVALID_NUMBER_FORMAT",
	CauseFacilityRejected:        "FACILITY_REJECTED",
	CauseNormalUnspecified:       "NORMAL_UNSPECIFIED",
	CauseNormalCircuitCongestion: "NORMAL_CIRCUIT_CONGESTION",
	CauseNetworkOutOfOrder:       "NETWORK_OUT_OF_ORDER",
	CauseTemporaryFailure:        "NORMAL_TEMPORARY_FAILURE",
	CauseSwitchCongestion:        "SWITCH_CONGESTION",
	CauseChannelNotAvailable:     "REQUESTED_CHAN_UNAVAIL",
	CauseBearerNotAvailable:      "BEARERCAPABILITY_NOTAVAIL",
	CauseBearerNotImplemented:    "BEARERCAPABILITY_NOTIMPL",
	CauseIncompatibleDestination: "INCOMPATIBLE_DESTINATION",
	CauseInvalidMessage:          "INVALID_MSG_UNSPECIFIED",
	CauseRecoveryOnTimerExpiry:   "RECOVERY_ON_TIMER_EXPIRE",
	CauseInterworking:            "INTERWORKING",
}

// String returns the Asterisk-style name ("NORMAL_CLEARING") or the number.
func (c Cause) String() string {
	if n, ok := causeNames[c]; ok {
		return n
	}
	if c == 0 {
		return "UNSET"
	}
	return strconv.Itoa(int(c))
}

// LogValue implements [slog.LogValuer].
func (c Cause) LogValue() slog.Value { return slog.StringValue(c.String()) }

// ParseCause parses a cause number or name (case-insensitive, with or
// without an "AST_CAUSE_" prefix), as Hangup(cause) accepts.
func ParseCause(s string) (Cause, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 127 {
			return 0, fmt.Errorf("channel: cause %d out of range 1-127", n)
		}
		return Cause(n), nil
	}
	u := strings.TrimPrefix(strings.ToUpper(s), "AST_CAUSE_")
	for c, n := range causeNames {
		if n == u {
			return c, nil
		}
	}
	switch u {
	case "BUSY":
		return CauseUserBusy, nil
	case "CONGESTION":
		return CauseNormalCircuitCongestion, nil
	case "NORMAL":
		return CauseNormalClearing, nil
	case "FAILURE":
		return CauseFailure, nil
	case "NOANSWER":
		return CauseNoAnswer, nil
	}
	return 0, fmt.Errorf("channel: unknown cause %q", s)
}

// HangupError is the cause a channel's lifetime context is cancelled with.
type HangupError struct {
	Cause Cause
	// Reason is free text for logs, such as "remote BYE" or "shutdown".
	Reason string
}

func (e *HangupError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("channel: hung up: %s (%d, %s)", e.Cause, int(e.Cause), e.Reason)
	}
	return fmt.Sprintf("channel: hung up: %s (%d)", e.Cause, int(e.Cause))
}

// Is makes errors.Is(err, ErrHangup) true for every HangupError.
func (e *HangupError) Is(target error) bool { return target == ErrHangup }

// HangupCause implements [CauseCarrier].
func (e *HangupError) HangupCause() Cause { return e.Cause }

// CauseCarrier is implemented by errors that classify themselves with a
// hangup cause (a SIP error with its status, a dial failure).
type CauseCarrier interface{ HangupCause() Cause }

// CauseOf returns the hangup cause carried by err (through errors.As), or
// [CauseNormalClearing] for nil and [CauseFailure] for other errors.
func CauseOf(err error) Cause {
	if err == nil {
		return CauseNormalClearing
	}
	var cc CauseCarrier
	if errors.As(err, &cc) {
		return cc.HangupCause()
	}
	return CauseFailure
}
