package topology

import "errors"

var (
	// ErrOutOfRange is returned for a stream index outside the topology.
	ErrOutOfRange = errors.New("topology: stream index out of range")
	// ErrFrozen is returned when a frozen topology would be modified.
	ErrFrozen = errors.New("topology: frozen snapshot")
	// ErrSyntax is returned by [Parse] for malformed input.
	ErrSyntax = errors.New("topology: syntax error")
)
