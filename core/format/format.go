package format

import (
	"fmt"
	"log/slog"
	"strings"
)

// MediaType is the kind of media a format or a stream carries. The zero
// value is [Unknown].
type MediaType uint8

// Media types, in the order topologies built from formats list them.
const (
	Unknown MediaType = iota
	Audio
	Video
	Image
	Text
)

// MediaTypes lists the known media types in canonical order (audio, video,
// image, text).
var MediaTypes = [...]MediaType{Audio, Video, Image, Text}

// String returns the lowercase name of t ("audio", "video", "image", "text")
// or "unknown".
func (t MediaType) String() string {
	switch t {
	case Audio:
		return "audio"
	case Video:
		return "video"
	case Image:
		return "image"
	case Text:
		return "text"
	case Unknown:
		return "unknown"
	}
	return "unknown"
}

// ParseMediaType parses a media type name, case-insensitively.
func ParseMediaType(s string) (MediaType, error) {
	switch strings.ToLower(s) {
	case "audio":
		return Audio, nil
	case "video":
		return Video, nil
	case "image":
		return Image, nil
	case "text":
		return Text, nil
	}
	return Unknown, fmt.Errorf("%w: %q", ErrUnknownMediaType, s)
}

// Format is one codec with its parameters. Formats are values; the zero
// Format is "no format" and reports [Format.IsZero].
type Format struct {
	// Name is the codec's lowercase name, such as "ulaw" or "slin16".
	Name string
	// Type is the media type the codec carries.
	Type MediaType
	// ClockRate is the RTP clock rate in Hz (for audio also the sample rate,
	// except G.722 whose RTP clock is 8000 while it samples at 16000).
	ClockRate int
	// SampleRate is the rate of the decoded signal in Hz (audio only). For
	// most codecs it equals ClockRate.
	SampleRate int
	// Channels is the audio channel count (1 for mono); 0 for non-audio.
	Channels int
	// FMTP holds format parameters as they appear in SDP, or "".
	FMTP string
	// Lossless marks signed linear formats, for translation costs.
	Lossless bool
}

// Well-known formats.
var (
	ULaw           = Format{Name: "ulaw", Type: Audio, ClockRate: 8000, SampleRate: 8000, Channels: 1}
	ALaw           = Format{Name: "alaw", Type: Audio, ClockRate: 8000, SampleRate: 8000, Channels: 1}
	SLin8          = Format{Name: "slin", Type: Audio, ClockRate: 8000, SampleRate: 8000, Channels: 1, Lossless: true}
	SLin16         = Format{Name: "slin16", Type: Audio, ClockRate: 16000, SampleRate: 16000, Channels: 1, Lossless: true}
	SLin48         = Format{Name: "slin48", Type: Audio, ClockRate: 48000, SampleRate: 48000, Channels: 1, Lossless: true}
	G722           = Format{Name: "g722", Type: Audio, ClockRate: 8000, SampleRate: 16000, Channels: 1}
	Opus           = Format{Name: "opus", Type: Audio, ClockRate: 48000, SampleRate: 48000, Channels: 2}
	TelephoneEvent = Format{Name: "telephone-event", Type: Audio, ClockRate: 8000, SampleRate: 8000, Channels: 1, FMTP: "0-16"}
	H264           = Format{Name: "h264", Type: Video, ClockRate: 90000}
	VP8            = Format{Name: "vp8", Type: Video, ClockRate: 90000}
	VP9            = Format{Name: "vp9", Type: Video, ClockRate: 90000}
	T140           = Format{Name: "t140", Type: Text, ClockRate: 1000}
)

// known lists the well-known formats, looked up by [ByName].
var known = []Format{ULaw, ALaw, SLin8, SLin16, SLin48, G722, Opus, TelephoneEvent, H264, VP8, VP9, T140}

// Known returns the well-known formats in a stable order.
func Known() []Format { return append([]Format(nil), known...) }

// ByName returns the well-known format with the given name (case-insensitive).
// "slin8" is accepted as an alias of "slin".
func ByName(name string) (Format, bool) {
	n := strings.ToLower(name)
	if n == "slin8" {
		n = "slin"
	}
	for _, f := range known {
		if f.Name == n {
			return f, true
		}
	}
	return Format{}, false
}

// IsZero reports whether f is the zero Format.
func (f Format) IsZero() bool { return f.Name == "" }

// Is reports whether f and o are the same codec: same name, media type,
// clock rate and channel count. FMTP is ignored.
func (f Format) Is(o Format) bool {
	return f.Name == o.Name && f.Type == o.Type && f.ClockRate == o.ClockRate && f.Channels == o.Channels
}

// Rate returns the sample rate of the decoded signal (ClockRate when
// SampleRate is not set).
func (f Format) Rate() int {
	if f.SampleRate != 0 {
		return f.SampleRate
	}
	return f.ClockRate
}

// IsSLin reports whether f is signed linear audio.
func (f Format) IsSLin() bool { return f.Type == Audio && f.Lossless }

// String returns the format's name, or "(none)" for the zero Format.
func (f Format) String() string {
	if f.IsZero() {
		return "(none)"
	}
	return f.Name
}

// LogValue implements [slog.LogValuer].
func (f Format) LogValue() slog.Value { return slog.StringValue(f.String()) }

// SLin returns the signed linear format at rate Hz, or false if the rate has
// no well-known signed linear format.
func SLin(rate int) (Format, bool) {
	switch rate {
	case 8000:
		return SLin8, true
	case 16000:
		return SLin16, true
	case 48000:
		return SLin48, true
	}
	return Format{}, false
}
