package dtmf

import (
	"encoding/binary"
	"fmt"
)

// Flash is the rune this package uses for the hook-flash event (RFC 4733
// event code 16). It follows the "!" of SIP INFO application/dtmf-relay.
const Flash = '!'

// Event is one RFC 4733 telephone-event payload (RFC 4733 §2.3):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type Event struct {
	// Digit is the DTMF digit: '0'-'9', '*', '#', 'A'-'D' or [Flash].
	Digit rune
	// End is the E bit: this packet reports the end of the event.
	End bool
	// Volume is the power level of the tone in -dBm0 (0 to 63; larger is
	// quieter). Marshal clamps larger values to 63.
	Volume uint8
	// Duration is the time since the event began, in RTP timestamp units
	// (samples at the telephone-event clock rate).
	Duration uint16
}

// Size is the length of a marshalled [Event].
const Size = 4

// digits maps event codes 0-16 to runes (RFC 4733 §3.2, Table 1).
const digits = "0123456789*#ABCD!"

// Code returns the RFC 4733 event code of digit. Lowercase a-d are
// accepted as A-D. ok is false for any other rune.
func Code(digit rune) (code uint8, ok bool) {
	switch {
	case digit >= '0' && digit <= '9':
		return uint8(digit - '0'), true
	case digit == '*':
		return 10, true
	case digit == '#':
		return 11, true
	case digit >= 'A' && digit <= 'D':
		return uint8(digit-'A') + 12, true
	case digit >= 'a' && digit <= 'd':
		return uint8(digit-'a') + 12, true
	case digit == Flash:
		return 16, true
	}
	return 0, false
}

// Digit returns the rune of an RFC 4733 event code. ok is false for codes
// above 16 (the non-DTMF tones of RFC 4734 are not supported).
func Digit(code uint8) (digit rune, ok bool) {
	if int(code) >= len(digits) {
		return 0, false
	}
	return rune(digits[code]), true
}

// Valid reports whether digit can be sent as a telephone event.
func Valid(digit rune) bool {
	_, ok := Code(digit)
	return ok
}

// Marshal appends the 4-byte payload of e to dst and returns the extended
// slice. The R bit is always zero. If e.Digit is not valid (see [Valid])
// Marshal returns dst unchanged, so callers that cannot guarantee a valid
// digit compare lengths or check [Valid] first.
func Marshal(dst []byte, e Event) []byte {
	code, ok := Code(e.Digit)
	if !ok {
		return dst
	}
	b := min(e.Volume, 63)
	if e.End {
		b |= 0x80
	}
	dst = append(dst, code, b)
	return binary.BigEndian.AppendUint16(dst, e.Duration)
}

// Unmarshal parses an RFC 4733 event payload. Bytes after the first four
// are ignored, and so is the reserved R bit. It returns [ErrShortPayload]
// for fewer than 4 bytes and an error wrapping [ErrUnknownEvent] for event
// codes above 16.
func Unmarshal(p []byte) (Event, error) {
	if len(p) < Size {
		return Event{}, ErrShortPayload
	}
	d, ok := Digit(p[0])
	if !ok {
		return Event{}, fmt.Errorf("%w %d", ErrUnknownEvent, p[0])
	}
	return Event{
		Digit:    d,
		End:      p[1]&0x80 != 0,
		Volume:   p[1] & 0x3f,
		Duration: binary.BigEndian.Uint16(p[2:]),
	}, nil
}
