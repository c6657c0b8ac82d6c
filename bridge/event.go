package bridge

import "github.com/pbx-dev/pbx/core/channel"

// LeaveReason says why a channel left a bridge; [Bridge.Join] returns it.
// The zero value is [LeaveUnknown].
type LeaveReason uint8

// Leave reasons.
const (
	LeaveUnknown LeaveReason = iota
	// LeaveHangup: the channel hung up (its reads returned io.EOF).
	LeaveHangup
	// LeaveRemoved: [Bridge.Remove] took the channel out; it is alive and
	// its caller decides what happens next (a transfer, more dialplan).
	LeaveRemoved
	// LeaveDissolved: the bridge ended around the channel — [Bridge.Close],
	// or another member hung up in a bridge configured with
	// DissolveOnHangup (the other party of a Dial). The channel is alive.
	LeaveDissolved
	// LeaveContext: the context passed to Join was cancelled.
	LeaveContext
)

// String returns the reason's lowercase name.
func (r LeaveReason) String() string {
	switch r {
	case LeaveHangup:
		return "hangup"
	case LeaveRemoved:
		return "removed"
	case LeaveDissolved:
		return "dissolved"
	case LeaveContext:
		return "context"
	case LeaveUnknown:
		return "unknown"
	}
	return "unknown"
}

// EventType is the type of an [Event]. The zero value is [EventUnknown].
type EventType uint8

// Event types.
const (
	EventUnknown EventType = iota
	// EventJoined: Channel joined the bridge.
	EventJoined
	// EventLeft: Channel left the bridge for Reason.
	EventLeft
	// EventTechnology: the bridge now moves media with Technology.
	EventTechnology
	// EventTalking: Channel started talking (mixing bridges only).
	EventTalking
	// EventSilent: Channel stopped talking (mixing bridges only).
	EventSilent
	// EventDissolved: the bridge ended.
	EventDissolved
)

// String returns the event type's lowercase name.
func (t EventType) String() string {
	switch t {
	case EventJoined:
		return "joined"
	case EventLeft:
		return "left"
	case EventTechnology:
		return "technology"
	case EventTalking:
		return "talking"
	case EventSilent:
		return "silent"
	case EventDissolved:
		return "dissolved"
	case EventUnknown:
		return "unknown"
	}
	return "unknown"
}

// Event is something that happened in a bridge, delivered to
// [Config.OnEvent].
type Event struct {
	// Type is what happened.
	Type EventType
	// Bridge is the bridge it happened in.
	Bridge *Bridge
	// Channel is the member concerned (nil for EventTechnology and
	// EventDissolved).
	Channel *channel.Channel
	// Reason is set for EventLeft.
	Reason LeaveReason
	// Technology is the technology's name for EventTechnology.
	Technology string
}
