package testphone

import (
	"crypto/tls"
	"log/slog"
)

// Config configures a [Phone]. Every field but User has a usable zero value.
type Config struct {
	// User is the user part of the phone's address of record
	// (sip:User@Domain) and of its Contact.
	User string
	// Password answers digest challenges (401/407) to REGISTER and INVITE.
	// Empty means challenges are returned as errors.
	Password string
	// AuthUser is the digest username; empty means User.
	AuthUser string
	// DisplayName goes into the From header of requests the phone sends.
	DisplayName string
	// Domain is the host part of the address of record and of short dial
	// targets ("600" becomes sip:600@Domain). Empty means the host of
	// Server, or LocalIP when Server is empty too.
	Domain string
	// Server is the host:port of the PBX. REGISTER and INVITEs to short
	// targets are sent there (it acts as outbound proxy); INVITEs to full
	// SIP URIs go to the URI's host. Empty is fine for phone-to-phone calls.
	Server string
	// Transport is "udp" (the default), "tcp", "tls", "ws" or "wss". Over
	// tls, ws and wss the phone is a client only, like a browser phone
	// (RFC 7118): it listens for nothing, connects to Server, puts an
	// unroutable host ("….invalid") in its Contact, and receives calls
	// over the connection it registered on. It cannot dial other phones
	// directly.
	Transport string
	// TLSConfig is the client configuration of tls and wss connections
	// (typically RootCAs trusting the PBX's certificate); nil means the
	// system roots.
	TLSConfig *tls.Config
	// LocalIP is the address the phone listens on for SIP and RTP, and puts
	// into Contact and SDP. Empty means 127.0.0.1. Ports are always
	// ephemeral.
	LocalIP string
	// Logger receives the phone's and sipgo's logs. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// DialOptions tune an outbound call made with [Phone.Dial] or
// [Phone.Invite].
type DialOptions struct {
	// Streams are the m-lines of the SDP offer, in order. Empty means one
	// audio stream offering PCMU, PCMA and telephone-event.
	Streams []StreamSpec
	// Headers are extra headers added to the INVITE (for example
	// P-Asserted-Identity or a test marker).
	Headers []Header
	// NoSDP sends an INVITE without an offer (RFC 3261 §13.2.1 delayed
	// offer): the 2xx must carry the offer and the phone answers in the ACK,
	// using Streams as its preferences for the answered m-lines.
	NoSDP bool
}

// Header is one SIP header field.
type Header struct {
	Name, Value string
}

// StreamSpec describes one m-line the phone offers, or how it prefers to
// answer one. The zero value is an audio stream offering PCMU, PCMA and
// telephone-event, sendrecv.
type StreamSpec struct {
	// Kind is the media type; zero means audio.
	Kind Kind
	// Codecs lists codec names in preference order ("PCMU", "PCMA", "G722",
	// "G729", "opus" for audio; "H264", "VP8" for video). Empty means
	// PCMU, PCMA for audio and H264 for video. Only PCMU and PCMA can carry
	// tones; the others exist to exercise negotiation.
	Codecs []string
	// Direction is the direction to offer, or the most the phone accepts
	// when answering. Zero means sendrecv.
	Direction Direction
	// NoDTMF leaves telephone-event out of an audio stream.
	NoDTMF bool
	// Disabled offers the m-line with port 0 (a removed stream, RFC 3264
	// §8.2), or rejects the offered m-line when answering.
	Disabled bool
}

// Audio returns a sendrecv audio StreamSpec offering codecs (default PCMU,
// PCMA) and telephone-event.
func Audio(codecs ...string) StreamSpec {
	return StreamSpec{Kind: KindAudio, Codecs: codecs}
}

// Video returns a sendrecv video StreamSpec offering codecs (default
// H264).
func Video(codecs ...string) StreamSpec {
	return StreamSpec{Kind: KindVideo, Codecs: codecs}
}

// With returns a copy of s with its direction set to d.
func (s StreamSpec) With(d Direction) StreamSpec {
	s.Direction = d
	return s
}

// kind returns s.Kind with the zero value resolved.
func (s StreamSpec) kind() Kind {
	if s.Kind == KindUnknown {
		return KindAudio
	}
	return s.Kind
}

// direction returns s.Direction with the zero value resolved.
func (s StreamSpec) direction() Direction {
	if s.Direction == DirectionUnknown {
		return SendRecv
	}
	return s.Direction
}

// codecs returns s.Codecs with the default resolved.
func (s StreamSpec) codecs() []string {
	if len(s.Codecs) > 0 {
		return s.Codecs
	}
	if s.kind() == KindVideo {
		return []string{"H264"}
	}
	return []string{"PCMU", "PCMA"}
}

// Kind is a stream's media type.
type Kind int

// Media types. The zero value is unknown; in a [StreamSpec] it means audio.
const (
	KindUnknown Kind = iota
	KindAudio
	KindVideo
)

// String returns the SDP media name ("audio", "video") or "unknown".
func (k Kind) String() string {
	switch k {
	case KindAudio:
		return "audio"
	case KindVideo:
		return "video"
	case KindUnknown:
	}
	return "unknown"
}

// kindOf maps an SDP media name to a Kind; other media are unknown.
func kindOf(media string) Kind {
	switch media {
	case "audio":
		return KindAudio
	case "video":
		return KindVideo
	}
	return KindUnknown
}

// Direction is an SDP media direction (RFC 3264 §5.1), always from this
// phone's point of view when returned by [Media.Direction].
type Direction int

// Directions. The zero value is unknown; in a [StreamSpec] it means
// sendrecv.
const (
	DirectionUnknown Direction = iota
	SendRecv
	SendOnly
	RecvOnly
	Inactive
)

// String returns the SDP attribute name ("sendrecv", ...) or "unknown".
func (d Direction) String() string {
	switch d {
	case SendRecv:
		return "sendrecv"
	case SendOnly:
		return "sendonly"
	case RecvOnly:
		return "recvonly"
	case Inactive:
		return "inactive"
	case DirectionUnknown:
	}
	return "unknown"
}

// Sends reports whether d allows sending.
func (d Direction) Sends() bool { return d == SendRecv || d == SendOnly }

// Receives reports whether d allows receiving.
func (d Direction) Receives() bool { return d == SendRecv || d == RecvOnly }

// Reverse returns the direction as seen by the other end: sendonly
// becomes recvonly and vice versa.
func (d Direction) Reverse() Direction { return directionOf(d.Receives(), d.Sends()) }

// directionOf builds a Direction from its two capabilities.
func directionOf(send, recv bool) Direction {
	switch {
	case send && recv:
		return SendRecv
	case send:
		return SendOnly
	case recv:
		return RecvOnly
	}
	return Inactive
}

// parseDirection maps an SDP attribute key to a Direction; other keys
// give DirectionUnknown.
func parseDirection(key string) Direction {
	switch key {
	case "sendrecv":
		return SendRecv
	case "sendonly":
		return SendOnly
	case "recvonly":
		return RecvOnly
	case "inactive":
		return Inactive
	}
	return DirectionUnknown
}
