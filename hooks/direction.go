package hooks

import "github.com/pbx-dev/pbx/core/channel"

// Direction selects the audio a hook handles, from the PBX's point of view.
// The zero value is [DirUnknown].
type Direction uint8

// Directions.
const (
	DirUnknown Direction = iota
	// DirRead is the audio read from the party: what the party says.
	DirRead
	// DirWrite is the audio written to the party: what the party hears.
	DirWrite
	// DirBoth is both: for a spy, what is said and heard (mixed when read
	// as one signal).
	DirBoth
)

// String returns "read", "write", "both" or "unknown".
func (d Direction) String() string {
	switch d {
	case DirRead:
		return "read"
	case DirWrite:
		return "write"
	case DirBoth:
		return "both"
	case DirUnknown:
		return "unknown"
	}
	return "unknown"
}

// has reports whether d includes o (DirRead or DirWrite).
func (d Direction) has(o Direction) bool {
	return d == o || (d == DirBoth && (o == DirRead || o == DirWrite))
}

// valid reports whether d is DirRead, DirWrite or DirBoth.
func (d Direction) valid() bool { return d == DirRead || d == DirWrite || d == DirBoth }

// index maps DirRead to 0 and DirWrite to 1, for per-direction state.
func (d Direction) index() int {
	if d == DirWrite {
		return 1
	}
	return 0
}

// fromChannel converts the channel core's direction.
func fromChannel(d channel.Direction) Direction {
	switch d {
	case channel.DirRead:
		return DirRead
	case channel.DirWrite:
		return DirWrite
	case channel.DirUnknown:
		return DirUnknown
	}
	return DirUnknown
}

// Status is the lifecycle state of a hook:
//
//	New ──Attach──▶ Running ──Detach / hangup──▶ ShuttingDown ──next frame or at once──▶ Done
//	 └────────────────────────Detach──────────────────────────────────────────────────────▶ Done
//
// The zero value is [StatusUnknown].
type Status uint32

// Hook states.
const (
	StatusUnknown Status = iota
	// StatusNew: built, not attached yet.
	StatusNew
	// StatusRunning: attached to a channel and fed frames.
	StatusRunning
	// StatusShuttingDown: detach requested; a frame in progress finishes.
	StatusShuttingDown
	// StatusDone: removed from the channel; terminal.
	StatusDone
)

// String returns the state's lowercase name.
func (s Status) String() string {
	switch s {
	case StatusNew:
		return "new"
	case StatusRunning:
		return "running"
	case StatusShuttingDown:
		return "shutting-down"
	case StatusDone:
		return "done"
	case StatusUnknown:
		return "unknown"
	}
	return "unknown"
}
