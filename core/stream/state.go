package stream

import "fmt"

// State is a stream's direction state, from the PBX's side of the leg. The
// zero value is [StateUnknown], which no valid stream has.
type State uint8

// Stream states.
const (
	StateUnknown State = iota
	// Removed marks a declined stream that keeps its slot (an SDP m-line
	// with port 0).
	Removed
	// SendRecv: media flows both ways.
	SendRecv
	// SendOnly: the PBX only sends.
	SendOnly
	// RecvOnly: the PBX only receives.
	RecvOnly
	// Inactive: no media either way. A new stream starts inactive.
	Inactive
)

// String returns "removed", "sendrecv", "sendonly", "recvonly", "inactive",
// or "unknown".
func (s State) String() string {
	switch s {
	case Removed:
		return "removed"
	case SendRecv:
		return "sendrecv"
	case SendOnly:
		return "sendonly"
	case RecvOnly:
		return "recvonly"
	case Inactive:
		return "inactive"
	case StateUnknown:
		return "unknown"
	}
	return "unknown"
}

// ParseState parses one of the five state names (exact, lowercase). Any
// other string is an error wrapping [ErrUnknownState]; unlike Asterisk it
// never silently means "removed".
func ParseState(s string) (State, error) {
	switch s {
	case "removed":
		return Removed, nil
	case "sendrecv":
		return SendRecv, nil
	case "sendonly":
		return SendOnly, nil
	case "recvonly":
		return RecvOnly, nil
	case "inactive":
		return Inactive, nil
	}
	return StateUnknown, fmt.Errorf("%w: %q", ErrUnknownState, s)
}

// Mirror returns the state seen from the other leg of a bridge: sendonly
// and recvonly swap, everything else stays.
func (s State) Mirror() State {
	switch s {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	default:
		return s
	}
}

// Sends reports whether the PBX sends media in state s.
func (s State) Sends() bool { return s == SendRecv || s == SendOnly }

// Receives reports whether the PBX receives media in state s.
func (s State) Receives() bool { return s == SendRecv || s == RecvOnly }
