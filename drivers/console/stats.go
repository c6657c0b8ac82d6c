package console

import "sync/atomic"

// Stats are the console's audio counters since [New], in samples (one
// sample is 1/rate of a second). They are updated with atomics by the
// audio thread and the channel's goroutines and read without a lock.
type Stats struct {
	// Calls counts calls, in both directions.
	Calls uint64 `json:"calls"`
	// Captured counts samples the device captured during answered calls.
	Captured uint64 `json:"captured"`
	// Played counts far-end samples the device played.
	Played uint64 `json:"played"`
	// Underruns counts samples of silence played during answered calls
	// because no far-end audio was waiting.
	Underruns uint64 `json:"underruns"`
	// CaptureOverruns counts captured samples dropped, oldest first,
	// because the PBX side fell behind the device.
	CaptureOverruns uint64 `json:"capture_overruns"`
	// PlaybackOverruns counts far-end samples dropped, oldest first,
	// because the device fell behind the PBX side.
	PlaybackOverruns uint64 `json:"playback_overruns"`
	// FormatDrops counts voice frames dropped because they were not
	// signed linear at the console's rate (no translator on the path).
	FormatDrops uint64 `json:"format_drops"`
}

// counters is the live form of Stats.
type counters struct {
	calls, captured, played, underruns             atomic.Uint64
	captureOverruns, playbackOverruns, formatDrops atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		Calls:            c.calls.Load(),
		Captured:         c.captured.Load(),
		Played:           c.played.Load(),
		Underruns:        c.underruns.Load(),
		CaptureOverruns:  c.captureOverruns.Load(),
		PlaybackOverruns: c.playbackOverruns.Load(),
		FormatDrops:      c.formatDrops.Load(),
	}
}
