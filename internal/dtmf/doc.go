// Package dtmf carries DTMF digits: RFC 4733 telephone-event payloads, the
// sender and receiver state machines around them, and an in-band tone
// detector for phones that send digits as audio.
//
// # Out of band (RFC 4733)
//
// An event is a 4-byte payload ([Event], [Marshal], [Unmarshal]) repeated
// in several RTP packets that share one timestamp, the first with the
// marker bit and the last (the end packet) sent three times:
//
//	time  0ms   20ms  40ms  60ms  80ms  100ms 120ms
//	      M     .     .     .     E     E     E      marker / end bit
//	dur   160   320   480   640   800   800   800    samples at 8 kHz
//	ts    T     T     T     T     T     T     T
//
// The SIP driver sends a digit with a [Sender]: Start, then Next once per
// packet interval until it reports false, stamping each packet with the
// next RTP sequence number and marshalling the payload into its pooled
// buffer. It receives digits with a [Receiver]: every telephone-event
// packet goes to Push, which returns [Signal]s (Begin, End) exactly once per
// event despite duplicates, reordering, redundant end packets and lost
// first packets. The driver turns them into frame.DTMFBegin and
// frame.DTMFEnd frames.
//
// # In band
//
// An [InbandDetector] runs Goertzel filters for the eight DTMF
// frequencies over signed-linear audio and reports the same Signals. The
// DTMF-detect frame hook uses it on channels that negotiated no
// telephone-event.
//
// # Ownership and concurrency
//
// Every function copies what it needs from its arguments and retains
// nothing; results are appended to caller-supplied slices, so steady-state
// use allocates nothing. [Sender], [Receiver] and [InbandDetector] are
// single-goroutine types with no locks: each belongs to the goroutine that
// writes (Sender) or reads (Receiver, InbandDetector) the stream, which is
// the channel's media goroutine or the driver's RTP writer.
package dtmf
