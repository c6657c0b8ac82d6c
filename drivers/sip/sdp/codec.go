package sdp

import (
	"strconv"
	"strings"

	"github.com/pbx-dev/pbx/core/format"
)

// Codec binds an RTP payload type number to a format (with the fmtp that
// goes with it in [format.Format].FMTP).
type Codec struct {
	PT     uint8
	Format format.Format
}

// IsZero reports whether c is the zero Codec ("none negotiated").
func (c Codec) IsZero() bool { return c.Format.IsZero() }

// String returns "<pt>:<format>", or "(none)" for the zero Codec.
func (c Codec) String() string {
	if c.IsZero() {
		return "(none)"
	}
	return strconv.Itoa(int(c.PT)) + ":" + c.Format.Name
}

// encoding is an RTP encoding as an rtpmap states it: name, clock rate and
// channel count (1 when the rtpmap has none).
type encoding struct {
	name     string
	clock    int
	channels int
}

// staticPTs is the static payload type table of RFC 3551 §6. pion/sdp only
// knows 0, 8 and 9 (LIBRARIES.md §B.2), so the table is ours.
var staticPTs = map[uint8]encoding{
	0:  {"PCMU", 8000, 1},
	3:  {"GSM", 8000, 1},
	4:  {"G723", 8000, 1},
	5:  {"DVI4", 8000, 1},
	6:  {"DVI4", 16000, 1},
	7:  {"LPC", 8000, 1},
	8:  {"PCMA", 8000, 1},
	9:  {"G722", 8000, 1},
	10: {"L16", 44100, 2},
	11: {"L16", 44100, 1},
	12: {"QCELP", 8000, 1},
	13: {"CN", 8000, 1},
	14: {"MPA", 90000, 1},
	15: {"G728", 8000, 1},
	16: {"DVI4", 11025, 1},
	17: {"DVI4", 22050, 1},
	18: {"G729", 8000, 1},
	25: {"CelB", 90000, 1},
	26: {"JPEG", 90000, 1},
	28: {"nv", 90000, 1},
	31: {"H261", 90000, 1},
	32: {"MPV", 90000, 1},
	33: {"MP2T", 90000, 1},
	34: {"H263", 90000, 1},
}

// mapping ties a well-known format to its RTP encoding.
type mapping struct {
	enc    encoding
	f      format.Format
	static int // static payload type, or -1
}

// mappings lists the formats this package can put in SDP. Encoding names
// compare case-insensitively (RFC 4855 §3); the spelling here is the one
// written in generated rtpmap lines.
var mappings = []mapping{
	{encoding{"PCMU", 8000, 1}, format.ULaw, 0},
	{encoding{"PCMA", 8000, 1}, format.ALaw, 8},
	{encoding{"G722", 8000, 1}, format.G722, 9},
	{encoding{"L16", 8000, 1}, format.SLin8, -1},
	{encoding{"L16", 16000, 1}, format.SLin16, -1},
	{encoding{"L16", 48000, 1}, format.SLin48, -1},
	{encoding{"opus", 48000, 2}, format.Opus, -1},
	{encoding{"H264", 90000, 1}, format.H264, -1},
	{encoding{"VP8", 90000, 1}, format.VP8, -1},
	{encoding{"VP9", 90000, 1}, format.VP9, -1},
	{encoding{"t140", 1000, 1}, format.T140, -1},
}

const telephoneEvent = "telephone-event"

// isTelephoneEvent reports whether f is an RFC 4733 telephone-event format
// at any clock rate.
func isTelephoneEvent(f format.Format) bool { return f.Name == telephoneEvent }

// telephoneEventAt returns the telephone-event format at clock rate r.
func telephoneEventAt(r int) format.Format {
	f := format.TelephoneEvent
	f.ClockRate, f.SampleRate = r, r
	return f
}

// formatOf maps an encoding found on an m-line of media type mt to a
// well-known format, with fmtp attached. Unknown codecs give false. Opus is
// accepted with or without the "/2" RFC 7587 requires; telephone-event at
// any clock rate.
func formatOf(e encoding, mt format.MediaType, fmtp string) (format.Format, bool) {
	if strings.EqualFold(e.name, telephoneEvent) {
		if mt != format.Audio || e.channels != 1 {
			return format.Format{}, false
		}
		f := telephoneEventAt(e.clock)
		f.FMTP = fmtp
		return f, true
	}
	for _, m := range mappings {
		if !strings.EqualFold(m.enc.name, e.name) || m.enc.clock != e.clock || m.f.Type != mt {
			continue
		}
		ok := e.channels == m.enc.channels
		if m.f.Name == format.Opus.Name {
			ok = e.channels == 1 || e.channels == 2
		}
		if mt != format.Audio {
			ok = true // channels are meaningless for video and text
		}
		if !ok {
			continue
		}
		f := m.f
		f.FMTP = fmtp
		return f, true
	}
	return format.Format{}, false
}

// encodingOf returns the RTP encoding and static payload type (-1 if none)
// of a format, or false when the format cannot be expressed in SDP.
func encodingOf(f format.Format) (encoding, int, bool) {
	if isTelephoneEvent(f) && f.Type == format.Audio && f.ClockRate > 0 {
		return encoding{telephoneEvent, f.ClockRate, 1}, -1, true
	}
	for _, m := range mappings {
		if m.f.Is(f) {
			return m.enc, m.static, true
		}
	}
	return encoding{}, -1, false
}

// key identifies a codec for payload type bookkeeping.
func (e encoding) key() string {
	return strings.ToLower(e.name) + "/" + strconv.Itoa(e.clock) + "/" + strconv.Itoa(e.channels)
}

// rtpmap returns the rtpmap value for payload type pt:
// "<pt> <name>/<clock>[/<channels>]"; the channel count is written only
// for multi-channel audio.
func (e encoding) rtpmap(pt uint8) string {
	s := strconv.Itoa(int(pt)) + " " + e.name + "/" + strconv.Itoa(e.clock)
	if e.channels > 1 {
		s += "/" + strconv.Itoa(e.channels)
	}
	return s
}

// parseRtpmap parses an rtpmap value "<pt> <name>/<clock>[/<channels>]".
func parseRtpmap(v string) (uint8, encoding, bool) {
	f := strings.Fields(v)
	if len(f) != 2 {
		return 0, encoding{}, false
	}
	pt, ok := parsePT(f[0])
	if !ok {
		return 0, encoding{}, false
	}
	parts := strings.Split(f[1], "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
		return 0, encoding{}, false
	}
	clock, err := strconv.Atoi(parts[1])
	if err != nil || clock <= 0 || clock > 10_000_000 {
		return 0, encoding{}, false
	}
	ch := 1
	if len(parts) == 3 {
		ch, err = strconv.Atoi(parts[2])
		if err != nil || ch <= 0 || ch > 255 {
			return 0, encoding{}, false
		}
	}
	return pt, encoding{parts[0], clock, ch}, true
}

// parsePT parses a payload type number 0..127.
func parsePT(s string) (uint8, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if n > 127 {
		return 0, false
	}
	return uint8(n), true
}
