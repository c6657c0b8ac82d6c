package channel

import (
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Translator converts voice frames from one format to another. A translator
// holds per-stream state (filters, encoder state) and is used by one
// goroutine at a time: the read path or the serialised write path of one
// stream.
type Translator interface {
	// Translate borrows in (it must not keep in or its payload) and returns a
	// new frame owned by the caller, in the translator's destination format,
	// carrying in's Stream, Timestamp and Marker (Timestamp rescaled to the
	// destination clock) and with Samples set. It returns (nil, nil) when it
	// buffered the input without producing output yet. A non-voice frame is
	// an error.
	Translate(in *frame.Frame) (*frame.Frame, error)
}

// PathBuilder builds translation paths; package translate implements it.
// Build is safe for concurrent use.
type PathBuilder interface {
	// Build returns a fresh translator from src to dst (possibly several
	// steps), or an error wrapping an ErrNoTranslationPath-style sentinel of
	// the implementing package. Video is never transcoded.
	Build(src, dst format.Format) (Translator, error)
}
