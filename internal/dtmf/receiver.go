package dtmf

import "time"

// Receiver turns a stream of RFC 4733 telephone-event packets into digit
// [Signal]s: one Begin and one End per event, whatever the network did to
// the packets.
//
// Events are told apart by their RTP timestamp (RFC 4733 §2.5.2.1): all
// packets of one event share it, and a newer timestamp is a newer event.
//
//   - Duplicates and the redundant end packets change nothing.
//   - A lost first packet does not matter: the first packet seen of a new
//     timestamp begins the event, with or without the marker bit.
//   - If every packet but an end packet is lost, Begin and End are emitted
//     together.
//   - Reordered packets of the current event only raise its duration;
//     packets of an older event are ignored.
//   - A new event arriving while the previous one has not ended ends the
//     previous one first (its End carries the longest duration seen).
//   - A marker packet whose timestamp is far behind the current event
//     (more than 10 s) is taken as a sender that restarted its clock and
//     begins a new event.
//
// If all the end packets of an event are lost the Receiver cannot know the
// digit ended until another event arrives; the owner calls
// [Receiver.Flush] when it stops waiting (for example when audio resumes
// for longer than a few packet intervals, or at hang-up). Call
// [Receiver.Reset] when the stream's SSRC changes.
//
// The zero value is ready to use. A Receiver is not safe for concurrent
// use: it belongs to the goroutine that reads the stream's RTP.
type Receiver struct {
	// Rate is the telephone-event clock rate, used to convert durations;
	// zero means 8000.
	Rate int

	have  bool   // an event has been seen
	ended bool   // its End was emitted
	digit rune   // current event
	ts    uint32 // its RTP timestamp (of the current segment)
	dur   uint16 // longest duration seen in the current segment
	base  int64  // duration of earlier segments (§2.5.2.1 long events)
}

func (r *Receiver) rate() int64 {
	if r.Rate <= 0 {
		return 8000
	}
	return int64(r.Rate)
}

func (r *Receiver) duration() time.Duration {
	n := r.base + int64(r.dur)
	return time.Duration(n) * time.Second / time.Duration(r.rate())
}

// Push processes one telephone-event packet: ts and marker from its RTP
// header, payload its payload (not retained). It appends the resulting
// signals (zero, one, two or three) to dst and returns it. A payload that
// does not parse returns the [Unmarshal] error and changes nothing.
func (r *Receiver) Push(ts uint32, payload []byte, marker bool, dst []Signal) ([]Signal, error) {
	e, err := Unmarshal(payload)
	if err != nil {
		return dst, err
	}
	if r.have {
		diff := int32(ts - r.ts)
		switch {
		case diff == 0:
			if r.ended {
				return dst, nil // duplicate or redundant end
			}
			r.dur = max(r.dur, e.Duration)
			if e.End {
				r.ended = true
				dst = append(dst, Signal{Kind: End, Digit: r.digit, Duration: r.duration()})
			}
			return dst, nil
		case diff < 0 && !(marker && int64(diff) < -10*r.rate()):
			return dst, nil // a late packet of an older event
		case diff > 0 && !r.ended && !marker && e.Digit == r.digit &&
			r.dur == maxDuration && uint32(diff) == maxDuration:
			// The next segment of a long event (RFC 4733 §2.5.2.1).
			r.base += maxDuration
			r.ts, r.dur = ts, e.Duration
			if e.End {
				r.ended = true
				dst = append(dst, Signal{Kind: End, Digit: r.digit, Duration: r.duration()})
			}
			return dst, nil
		}
		if !r.ended {
			dst = append(dst, Signal{Kind: End, Digit: r.digit, Duration: r.duration()})
		}
	}
	r.have, r.ended = true, false
	r.digit, r.ts, r.dur, r.base = e.Digit, ts, e.Duration, 0
	dst = append(dst, Signal{Kind: Begin, Digit: e.Digit})
	if e.End {
		r.ended = true
		dst = append(dst, Signal{Kind: End, Digit: e.Digit, Duration: r.duration()})
	}
	return dst, nil
}

// Active reports whether a digit has begun and not yet ended.
func (r *Receiver) Active() bool { return r.have && !r.ended }

// Flush ends the active digit, if any, appending its End to dst. Later
// packets of that event are ignored.
func (r *Receiver) Flush(dst []Signal) []Signal {
	if r.Active() {
		r.ended = true
		dst = append(dst, Signal{Kind: End, Digit: r.digit, Duration: r.duration()})
	}
	return dst
}

// Reset forgets all state, for a new SSRC. It does not emit an End for an
// active digit; call [Receiver.Flush] first for that.
func (r *Receiver) Reset() {
	*r = Receiver{Rate: r.Rate}
}
