package dtmf

import (
	"fmt"
	"time"
)

// Kind says which edge of a digit a [Signal] reports. The zero value is
// [KindUnknown].
type Kind uint8

// Signal kinds.
const (
	KindUnknown Kind = iota
	// Begin reports that a digit started. It maps to a frame.DTMFBegin.
	Begin
	// End reports that a digit stopped. It maps to a frame.DTMFEnd.
	End
)

// String returns the kind's lowercase name.
func (k Kind) String() string {
	switch k {
	case Begin:
		return "begin"
	case End:
		return "end"
	case KindUnknown:
		return "unknown"
	}
	return "unknown"
}

// Signal is a digit edge found by a [Receiver] or an [InbandDetector].
// Every End is preceded by exactly one Begin of the same digit.
type Signal struct {
	Kind  Kind
	Digit rune
	// Duration is the digit's length; set on End only.
	Duration time.Duration
}

// String returns a short description such as "begin 5" or "end 5 100ms".
func (s Signal) String() string {
	if s.Kind == End {
		return fmt.Sprintf("%s %c %v", s.Kind, s.Digit, s.Duration)
	}
	return fmt.Sprintf("%s %c", s.Kind, s.Digit)
}
