package translate

import (
	"fmt"
	"log/slog"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Path translates a stream's voice frames from one format to another
// through a chain of step instances, built by [Registry.BuildPath]. A Path
// holds per-stream state (filter history, codec state) and is used by one
// goroutine at a time: the read path or the serialised write path of one
// stream of one channel.
//
// When a stream's format changes mid-call, the owner compares the new
// format with [Path.Src] (or [Path.Dst]) and builds a new path; a path
// never changes its formats.
type Path struct {
	src, dst format.Format
	route    Route
	steps    []Translator
}

var (
	_ Translator         = (*Path)(nil)
	_ channel.Translator = (*Path)(nil)
)

// Src returns the format the path reads, as given to Build.
func (p *Path) Src() format.Format { return p.src }

// Dst returns the format the path writes, as given to Build.
func (p *Path) Dst() format.Format { return p.dst }

// Route returns the steps the path goes through and their costs.
func (p *Path) Route() Route { return p.route.clone() }

// String describes the path, for example "ulaw -> slin -> slin16".
func (p *Path) String() string { return p.route.String() }

// LogValue implements [slog.LogValuer].
func (p *Path) LogValue() slog.Value { return slog.StringValue(p.String()) }

// Translate borrows in (it does not keep in or its payload) and returns a
// new frame from [frame.Get], owned by the caller, in the path's
// destination format. The output carries in's Stream, Marker and SeqNo,
// its Timestamp rescaled to the destination clock rate, and Samples set to
// the number of samples it holds. Intermediate frames are released inside.
//
// It returns (nil, nil) when the input produced no output yet (an empty
// payload, or a resampler that buffered a few samples). A video frame
// gives [ErrVideo], any other non-voice frame [ErrNotVoice], a voice frame
// of another format [ErrFormatMismatch] (a frame with a zero Format is
// taken to be in the source format), and an undecodable payload
// [ErrBadPayload]. After an error the path stays usable for the next frame.
//
// A steady-state call allocates nothing besides the pooled output frame.
func (p *Path) Translate(in *frame.Frame) (*frame.Frame, error) {
	switch {
	case in.Kind == frame.Video:
		return nil, fmt.Errorf("translate: %s: %w", p, ErrVideo)
	case in.Kind != frame.Voice:
		return nil, fmt.Errorf("translate: %s: %w: %s", p, ErrNotVoice, in.Kind)
	case !in.Format.IsZero() && !in.Format.Is(p.src):
		return nil, fmt.Errorf("translate: %s: %w: got %s", p, ErrFormatMismatch, in.Format)
	case len(in.Payload) == 0:
		return nil, nil
	}
	cur := in
	for i, s := range p.steps {
		out, err := s.Translate(cur)
		if i > 0 {
			cur.Release() // an intermediate frame this path owns
		}
		if err != nil {
			return nil, fmt.Errorf("translate: %s: step %s: %w", p, p.route.Steps[i], err)
		}
		if out == nil {
			return nil, nil
		}
		cur = out
	}
	cur.Format = p.dst
	return cur, nil
}
