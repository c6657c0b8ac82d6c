package frame

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/topology"
)

// DefaultStream is the stream position of a frame that targets the default
// stream of its media type.
const DefaultStream = -1

// Frame is one unit of media or signalling. See the package documentation
// for ownership rules.
type Frame struct {
	// Kind is the frame kind.
	Kind Kind
	// Control is the subclass of a Control frame.
	Control ControlType
	// Stream is the stream position in the channel's topology, or
	// [DefaultStream].
	Stream int
	// Format is the codec of a media frame.
	Format format.Format
	// Payload holds the encoded media, text, or a control frame's data.
	Payload []byte
	// Samples is the number of samples (per channel) in a voice frame.
	Samples int
	// Timestamp is the RTP-clock timestamp of the first sample, when known.
	Timestamp uint32
	// SeqNo is the sequence number the frame arrived with, when known.
	SeqNo uint16
	// Marker is the RTP marker bit: start of a talk-spurt (audio) or last
	// packet of a picture (video).
	Marker bool
	// Digit is the DTMF digit of a DTMFBegin/DTMFEnd frame.
	Digit rune
	// Duration is the length of a DTMFEnd frame's digit.
	Duration time.Duration
	// Cause is the Q.850 cause carried by a Hangup control frame.
	Cause int
	// Topology is carried by the three topology control frames; it is a
	// frozen snapshot and may be shared.
	Topology *topology.Topology
	// Source tags a TopologyRequestChange with who asked (for example a
	// bridge), so a bridge does not mirror its own change back.
	Source any

	buf    []byte // pooled buffer; Payload aliases buf[off:]
	off    int
	class  int8 // pool size class, -1 when not pooled
	inPool bool
}

// Headroom is the number of bytes kept free in front of every pooled
// payload, enough for an RTP header with no CSRCs.
const Headroom = 12

// NewControl returns a pooled control frame of subclass c for the default
// stream.
func NewControl(c ControlType) *Frame {
	f := Get(0)
	f.Kind = Control
	f.Control = c
	return f
}

// NewTopology returns a pooled topology control frame carrying a frozen
// snapshot of t: t itself when it is frozen, else a frozen clone (t stays
// editable by the caller).
func NewTopology(c ControlType, t *topology.Topology, source any) *Frame {
	f := NewControl(c)
	if t != nil {
		f.Topology = t.Snapshot()
	}
	f.Source = source
	return f
}

// NewDTMF returns a DTMF frame of kind k (DTMFBegin or DTMFEnd).
func NewDTMF(k Kind, digit rune, d time.Duration) *Frame {
	f := Get(0)
	f.Kind = k
	f.Digit = digit
	f.Duration = d
	return f
}

// NewNull returns a null frame: "nothing to deliver", never a hangup.
func NewNull() *Frame {
	f := Get(0)
	f.Kind = Null
	return f
}

// Prepend grows the payload by n bytes at the front, using the headroom,
// and returns the new payload. It copies when the headroom is too small.
// The n new bytes are not cleared: the caller writes them (an RTP header).
func (f *Frame) Prepend(n int) []byte {
	if f.inBuf() && f.off >= n {
		f.off -= n
		f.Payload = f.buf[f.off : f.off+n+len(f.Payload)]
		return f.Payload
	}
	p := make([]byte, n+len(f.Payload))
	copy(p[n:], f.Payload)
	f.Payload = p
	return p
}

// inBuf reports whether f.Payload starts at f.buf[f.off]. An empty payload
// counts: it holds nothing, so it may move into the buffer.
func (f *Frame) inBuf() bool {
	if f.buf == nil || f.off > len(f.buf) {
		return false
	}
	if len(f.Payload) == 0 {
		return true
	}
	a := f.buf[f.off:]
	return len(a) > 0 && &a[0] == &f.Payload[0]
}

// SetPayloadLen resizes the payload to n bytes within the pooled buffer,
// reallocating only when it does not fit. Existing content is kept up to n;
// bytes beyond the old length are zero.
func (f *Frame) SetPayloadLen(n int) []byte {
	old := len(f.Payload)
	switch {
	case f.inBuf() && f.off+n <= len(f.buf):
		f.Payload = f.buf[f.off : f.off+n]
	case n <= cap(f.Payload):
		f.Payload = f.Payload[:n]
	default:
		p := make([]byte, n)
		copy(p, f.Payload)
		f.Payload = p
		return p
	}
	if n > old {
		clear(f.Payload[old:])
	}
	return f.Payload
}

// Clone returns a deep copy owned by the caller, from the pool.
func (f *Frame) Clone() *Frame {
	c := get(len(f.Payload))
	buf, off, class := c.buf, c.off, c.class
	*c = *f
	c.buf, c.off, c.class, c.inPool = buf, off, class, false
	c.Payload = c.buf[c.off : c.off+len(f.Payload)]
	copy(c.Payload, f.Payload)
	return c
}

// IsMedia reports whether f is a voice, video, text or image frame.
func (f *Frame) IsMedia() bool { return f.Kind.IsMedia() }

// MediaType returns the media type of a media frame, from its kind; other
// frames report [format.Unknown].
func (f *Frame) MediaType() format.MediaType {
	switch f.Kind {
	case Voice:
		return format.Audio
	case Video:
		return format.Video
	case Text:
		return format.Text
	case Image:
		return format.Image
	default:
		return format.Unknown
	}
}

// String describes f for logs.
func (f *Frame) String() string {
	switch f.Kind {
	case Control:
		if f.Topology != nil {
			return fmt.Sprintf("control %s %s", f.Control, f.Topology)
		}
		return "control " + f.Control.String()
	case DTMFBegin, DTMFEnd:
		return fmt.Sprintf("%s %c", f.Kind, f.Digit)
	case Voice, Video, Text, Image:
		return fmt.Sprintf("%s stream %d %s %d bytes", f.Kind, f.Stream, f.Format, len(f.Payload))
	default:
		return f.Kind.String()
	}
}

// LogValue implements [slog.LogValuer].
func (f *Frame) LogValue() slog.Value { return slog.StringValue(f.String()) }
