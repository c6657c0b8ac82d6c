package stream

import "errors"

var (
	// ErrUnknownState is returned by [ParseState] for an unknown name.
	ErrUnknownState = errors.New("stream: unknown state")
	// ErrAttached is returned when a stream that already belongs to a
	// topology is added to another one.
	ErrAttached = errors.New("stream: already in a topology")
)
