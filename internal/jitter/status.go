package jitter

// Status says what [Buffer.Pop] returned. The zero value is
// [StatusUnknown].
type Status uint8

// Pop results.
const (
	StatusUnknown Status = iota
	// Normal: the payload is a received frame.
	Normal
	// Concealed: the frame is missing (lost, late, or inserted to grow the
	// delay); the payload comes from the Concealer, or is nil without one.
	Concealed
	// Silence: there is no audio to play (a silent gap between talk-spurts,
	// a long loss after the concealment faded out, or an inserted frame
	// while silent). The payload is nil; play the codec's silence.
	Silence
	// NotYet: playout has not started; the buffer is filling up to its
	// target delay. The payload is nil.
	NotYet
)

// String returns the status's lowercase name.
func (s Status) String() string {
	switch s {
	case Normal:
		return "normal"
	case Concealed:
		return "concealed"
	case Silence:
		return "silence"
	case NotYet:
		return "not-yet"
	case StatusUnknown:
		return "unknown"
	}
	return "unknown"
}
