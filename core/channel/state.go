package channel

// State is a channel's call state. The zero value is [StateUnknown].
type State uint8

// Channel states.
const (
	StateUnknown State = iota
	// Down: created, nothing happened yet.
	Down
	// Dialing: an outbound channel whose Call is in progress.
	Dialing
	// Ring: an inbound call waiting for an answer from the PBX.
	Ring
	// Ringing: the far end of an outbound call is ringing.
	Ringing
	// Up: answered.
	Up
	// Busy: the far end reported busy.
	Busy
	// Hungup: the channel has ended.
	Hungup
)

// String returns the state's name as the CLI shows it.
func (s State) String() string {
	switch s {
	case Down:
		return "Down"
	case Dialing:
		return "Dialing"
	case Ring:
		return "Ring"
	case Ringing:
		return "Ringing"
	case Up:
		return "Up"
	case Busy:
		return "Busy"
	case Hungup:
		return "Hungup"
	case StateUnknown:
		return "Unknown"
	}
	return "Unknown"
}
