package jitter

import "errors"

// ErrInvalidConfig is returned by [New] for a configuration it cannot
// honour; the message says which field.
var ErrInvalidConfig = errors.New("jitter: invalid config")
