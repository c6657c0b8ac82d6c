package dtmf

import "time"

// EndRepeats is how many times a [Sender] sends the end packet of an
// event: once plus two retransmissions, as RFC 4733 §2.5.1.4 recommends.
const EndRepeats = 3

// maxDuration is the largest duration one event packet can carry.
const maxDuration = 0xffff

// Packet is one RTP packet of a telephone event, minus the parts the RTP
// session owns (sequence number, SSRC, payload type).
type Packet struct {
	// Marker is the RTP marker bit: set on the first packet of an event.
	Marker bool
	// Timestamp is the RTP timestamp: the event's start, the same for every
	// packet of the event (RFC 4733 §2.5.1.2).
	Timestamp uint32
	// Event is the payload; marshal it with [Marshal].
	Event Event
}

// Sender produces the packet sequence of one RFC 4733 event at a time. It
// is a passive state machine: the caller (the SIP driver's RTP writer)
// calls [Sender.Start], then [Sender.Next] once per packet interval, giving
// each packet the next RTP sequence number, until Next reports false.
//
// For a digit of duration d the sequence is
//
//	marker, duration 1·interval
//	        duration 2·interval
//	        ...
//	end,    duration d   (sent EndRepeats times)
//
// all with the timestamp given to Start. At 8000 Hz and 20 ms a 100 ms
// digit is 4 packets with durations 160..640, then 3 end packets with 800.
// Durations are capped at 65535 samples (8.19 s at 8000 Hz); longer
// events (RFC 4733 §2.5.2.1 segments) are not produced.
//
// The zero value is ready to use with the defaults below. A Sender is not
// safe for concurrent use: it belongs to the goroutine that writes the
// stream's RTP.
type Sender struct {
	// Rate is the telephone-event clock rate; zero means 8000.
	Rate int
	// Interval is the packet interval; zero means 20 ms.
	Interval time.Duration
	// Volume is the reported power level in -dBm0; zero means 10. (The
	// loudest level, 0 dBm0, cannot be selected.)
	Volume uint8

	active bool
	marker bool
	digit  rune
	ts     uint32
	total  int // event duration, samples
	sent   int // duration reported so far, samples
	ends   int // end packets sent
}

func (s *Sender) rate() int {
	if s.Rate <= 0 {
		return 8000
	}
	return s.Rate
}

func (s *Sender) step() int {
	iv := s.Interval
	if iv <= 0 {
		iv = 20 * time.Millisecond
	}
	return max(1, int(iv*time.Duration(s.rate())/time.Second))
}

func (s *Sender) volume() uint8 {
	if s.Volume == 0 {
		return 10
	}
	return min(s.Volume, 63)
}

// Start begins sending digit for duration d; ts is the RTP timestamp at
// which the digit starts (in telephone-event clock units, normally the
// audio stream's current timestamp). It returns [ErrBusy] while a previous
// event is unfinished, [ErrUnknownDigit] or [ErrDuration].
func (s *Sender) Start(digit rune, d time.Duration, ts uint32) error {
	if s.active {
		return ErrBusy
	}
	code, ok := Code(digit)
	if !ok {
		return ErrUnknownDigit
	}
	if d <= 0 {
		return ErrDuration
	}
	n := int(min(d, time.Hour) * time.Duration(s.rate()) / time.Second)
	*s = Sender{
		Rate: s.Rate, Interval: s.Interval, Volume: s.Volume,
		active: true,
		marker: true,
		digit:  rune(digits[code]), // canonical case
		ts:     ts,
		total:  min(max(n, 1), maxDuration),
	}
	return nil
}

// Stop ends the current event early, at the duration reported so far (at
// least one sample): the next packets are the end packets. Stop does
// nothing when no event is active or it is already ending.
func (s *Sender) Stop() {
	if s.active && s.ends == 0 {
		s.total = max(s.sent, 1)
	}
}

// Busy reports whether an event is in progress.
func (s *Sender) Busy() bool { return s.active }

// Next returns the next packet of the current event. ok is false when no
// event is active (the previous one has been sent completely).
func (s *Sender) Next() (p Packet, ok bool) {
	if !s.active {
		return Packet{}, false
	}
	p = Packet{
		Marker:    s.marker,
		Timestamp: s.ts,
		Event:     Event{Digit: s.digit, Volume: s.volume()},
	}
	s.marker = false
	if s.ends == 0 {
		s.sent = min(s.sent+s.step(), s.total)
	}
	p.Event.Duration = uint16(s.sent)
	if s.sent >= s.total {
		p.Event.End = true
		s.ends++
		if s.ends >= EndRepeats {
			s.active = false
		}
	}
	return p, true
}

// Packets is a convenience that returns the whole packet sequence for one
// digit, appended to dst. It uses a fresh sender with the same settings and
// leaves s untouched.
func (s *Sender) Packets(dst []Packet, digit rune, d time.Duration, ts uint32) ([]Packet, error) {
	t := Sender{Rate: s.Rate, Interval: s.Interval, Volume: s.Volume}
	if err := t.Start(digit, d, ts); err != nil {
		return dst, err
	}
	for {
		p, ok := t.Next()
		if !ok {
			return dst, nil
		}
		dst = append(dst, p)
	}
}
