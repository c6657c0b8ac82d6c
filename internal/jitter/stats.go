package jitter

import "time"

// Stats are a buffer's counters, read with [Buffer.Stats]. Counters only
// grow, also across [Buffer.Reset].
type Stats struct {
	// TargetDelay is the playout delay the buffer steers towards: the
	// 98th percentile of recent packet delay variation, clamped to
	// [Config.MinDelay, Config.MaxDelay].
	TargetDelay time.Duration
	// Delay is the playout delay at the last Pop, measured from the
	// arrival of the fastest packets; it stays within about one frame above
	// TargetDelay.
	Delay time.Duration
	// Depth is the audio buffered ahead of the playout point, from the
	// next frame to play to the newest frame received.
	Depth time.Duration
	// Jitter is the RFC 3550 §6.4.1 interarrival jitter estimate, for
	// RTCP receiver reports.
	Jitter time.Duration

	// Received counts packets accepted (not duplicates, not invalid),
	// including late ones.
	Received uint64
	// Played counts frames played from received packets.
	Played uint64
	// Concealed counts frames returned with status Concealed.
	Concealed uint64
	// Silent counts frames returned with status Silence.
	Silent uint64
	// Lost counts packets that never arrived, from sequence-number gaps
	// (RFC 3550 "cumulative number of packets lost"; late packets arrived
	// and are not lost).
	Lost uint64
	// Late counts packets discarded because their frame had already been
	// played or concealed.
	Late uint64
	// Discarded counts duplicate packets.
	Discarded uint64
	// Adjustments counts frames dropped or inserted to move the delay
	// towards the target (jitter growing or shrinking, clock drift).
	Adjustments uint64
	// Resyncs counts timeline restarts after a timestamp or sequence jump.
	Resyncs uint64
	// Invalid counts packets rejected as oversized or as far outside the
	// stream's timeline.
	Invalid uint64
}
