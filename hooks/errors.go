package hooks

import "errors"

// Sentinel errors. Operations wrap them with the hook kind and detail.
var (
	// ErrAttached is returned by Attach on a hook that is already attached
	// (running or shutting down): a hook lives on one channel once.
	ErrAttached = errors.New("hooks: already attached")
	// ErrDone is returned by Attach on a hook that has been detached: hooks
	// are not reusable, build a new one.
	ErrDone = errors.New("hooks: hook is done")
	// ErrNoChannel is returned by Attach with a nil channel.
	ErrNoChannel = errors.New("hooks: no channel")
	// ErrDirection is returned for a direction a hook does not handle, such
	// as reading the write side of a read-only spy or whispering to both
	// directions at once.
	ErrDirection = errors.New("hooks: direction not handled by this hook")
	// ErrSize is returned by [Spy.ReadFrame] for a sample count that is not
	// positive or exceeds the spy's buffer.
	ErrSize = errors.New("hooks: invalid sample count")
	// ErrDeadline is returned by [Spy.ReadFrame] once the read deadline has
	// passed.
	ErrDeadline = errors.New("hooks: read deadline exceeded")
	// ErrFull is returned by [Whisper.Write] when only part of the samples
	// fit in the whisper buffer.
	ErrFull = errors.New("hooks: whisper buffer full")
	// ErrConfig is returned by the constructors for an invalid configuration.
	ErrConfig = errors.New("hooks: invalid configuration")
)
