package format

import "errors"

// ErrUnknownMediaType is returned by [ParseMediaType] for an unknown name.
var ErrUnknownMediaType = errors.New("format: unknown media type")
