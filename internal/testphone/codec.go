package testphone

import (
	"strings"

	"github.com/zaf/g711"
)

// codec is one RTP payload format as it appears on one m-line: the payload
// type is only meaningful together with the m-line that declared it.
type codec struct {
	name     string // encoding name as in rtpmap, e.g. "PCMU", "H264"
	pt       uint8
	rate     int // clock rate, Hz
	channels int // 0 when the rtpmap has no channel count
	fmtp     string
}

// same reports whether c and o are the same encoding (name and clock
// rate), whatever their payload types.
func (c codec) same(o codec) bool {
	return strings.EqualFold(c.name, o.name) && c.rate == o.rate
}

// isEvent reports whether c is RFC 4733 telephone-event.
func (c codec) isEvent() bool { return strings.EqualFold(c.name, "telephone-event") }

// isComfortNoise reports whether c is RFC 3389 comfort noise.
func (c codec) isComfortNoise() bool { return strings.EqualFold(c.name, "CN") }

// encodable reports whether the phone can generate audio in c.
func (c codec) encodable() bool {
	return c.rate == 8000 && (strings.EqualFold(c.name, "PCMU") || strings.EqualFold(c.name, "PCMA"))
}

// knownCodecs are the codecs the phone can put into an offer, with the
// payload types it uses for them. Only PCMU and PCMA are encoded and
// decoded; the others exist so tests can exercise negotiation.
var knownCodecs = []struct {
	kind Kind
	codec
}{
	{KindAudio, codec{name: "PCMU", pt: 0, rate: 8000}},
	{KindAudio, codec{name: "PCMA", pt: 8, rate: 8000}},
	{KindAudio, codec{name: "G722", pt: 9, rate: 8000}},
	{KindAudio, codec{name: "G729", pt: 18, rate: 8000, fmtp: "annexb=no"}},
	{KindAudio, codec{name: "opus", pt: 111, rate: 48000, channels: 2, fmtp: "minptime=10;useinbandfec=1"}},
	{KindVideo, codec{name: "H264", pt: 96, rate: 90000, fmtp: "profile-level-id=42e01f;packetization-mode=1"}},
	{KindVideo, codec{name: "VP8", pt: 97, rate: 90000}},
}

// telephoneEvent is the RFC 4733 format the phone offers on audio
// m-lines: digits 0-9 * # A-D and flash.
var telephoneEvent = codec{name: "telephone-event", pt: 101, rate: 8000, fmtp: "0-16"}

// lookupCodec returns the known codec called name for media kind k.
func lookupCodec(k Kind, name string) (codec, bool) {
	for _, kc := range knownCodecs {
		if kc.kind == k && strings.EqualFold(kc.name, name) {
			return kc.codec, true
		}
	}
	return codec{}, false
}

// staticPayloadTypes are the RFC 3551 static assignments a peer may use
// without an rtpmap line.
var staticPayloadTypes = map[uint8]codec{
	0:  {name: "PCMU", pt: 0, rate: 8000},
	3:  {name: "GSM", pt: 3, rate: 8000},
	4:  {name: "G723", pt: 4, rate: 8000},
	8:  {name: "PCMA", pt: 8, rate: 8000},
	9:  {name: "G722", pt: 9, rate: 8000},
	13: {name: "CN", pt: 13, rate: 8000},
	18: {name: "G729", pt: 18, rate: 8000},
	34: {name: "H263", pt: 34, rate: 90000},
}

// encodeAudio appends samples encoded in c (PCMU or PCMA) to dst.
func encodeAudio(dst []byte, c codec, samples []int16) []byte {
	alaw := strings.EqualFold(c.name, "PCMA")
	for _, s := range samples {
		if alaw {
			dst = append(dst, g711.EncodeAlawFrame(s))
		} else {
			dst = append(dst, g711.EncodeUlawFrame(s))
		}
	}
	return dst
}

// decodeAudio appends the samples of a PCMU or PCMA payload to dst.
func decodeAudio(dst []int16, c codec, payload []byte) []int16 {
	alaw := strings.EqualFold(c.name, "PCMA")
	for _, b := range payload {
		if alaw {
			dst = append(dst, g711.DecodeAlawFrame(b))
		} else {
			dst = append(dst, g711.DecodeUlawFrame(b))
		}
	}
	return dst
}
