package sdp

import (
	"net/netip"
	"slices"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

// Change classifies a completed negotiation against the previous one, so
// the driver knows which control frame to queue. The zero value is
// [ChangeUnknown].
type Change uint8

// Changes.
const (
	// ChangeUnknown: not computed ([ParseOffer] results).
	ChangeUnknown Change = iota
	// ChangeNone: same topology and same remote media (a session refresh).
	ChangeNone
	// ChangeSource: same topology (by [topology.Topology.Equal]), but some
	// stream's remote source changed: RTP or RTCP address, SSRC, rtcp-mux,
	// or the payload type mapping. The media layer must be reconfigured;
	// the driver queues TopologySourceChanged.
	ChangeSource
	// ChangeTopology: the topology changed (streams added or removed,
	// direction or format set changed), or this is the first negotiation.
	// The driver queues TopologyChanged.
	ChangeTopology
)

// String returns "none", "source", "topology" or "unknown".
func (c Change) String() string {
	switch c {
	case ChangeNone:
		return "none"
	case ChangeSource:
		return "source"
	case ChangeTopology:
		return "topology"
	case ChangeUnknown:
		return "unknown"
	}
	return "unknown"
}

// Media is the negotiated RTP view of one m-line, for the media layer.
// Media values are returned by value and own their slices.
type Media struct {
	// Type is the stream's media type ([format.Unknown] for application,
	// message and unknown m-lines).
	Type format.MediaType
	// State is the stream state from the PBX's side; [stream.Removed] for
	// a port-0 m-line.
	State stream.State
	// Declined says why the PBX declined the stream (wraps one of
	// [ErrUnsupportedMedia], [ErrUnsupportedTransport], [ErrNoCommonFormat],
	// [ErrDeclined]); nil when it is active or the remote removed it.
	Declined error
	// LocalPort is the PBX's RTP port for the stream, 0 when removed.
	LocalPort int
	// Remote is where to send RTP. It is the zero AddrPort when the
	// stream is removed or the remote announced c=0.0.0.0 (old-style hold:
	// it cannot receive).
	Remote netip.AddrPort
	// RemoteRTCP is where to send RTCP: Remote with rtcp-mux, else the
	// a=rtcp address, else Remote's port + 1 (RFC 3605).
	RemoteRTCP netip.AddrPort
	// RTCPMux reports that both sides agreed on rtcp-mux (RFC 5761).
	RTCPMux bool
	// PTime is the remote's a=ptime in milliseconds, 0 when absent.
	PTime int
	// Send lists the codecs to send with, most preferred first, with the
	// payload type numbers the remote declared (put them in sent packets).
	Send []Codec
	// Recv lists the same codecs with the payload type numbers the PBX
	// declared (expect them in received packets). When the PBX answered,
	// both lists carry the offerer's numbers.
	Recv []Codec
	// SendDTMF and RecvDTMF are the negotiated RFC 4733 telephone-event
	// payload types, the zero Codec when none was negotiated.
	SendDTMF, RecvDTMF Codec
	// SSRCs are the remote's a=ssrc ids in order of appearance.
	SSRCs []uint32
	// MID and Label are the remote's a=mid and a=label values.
	MID, Label string
}

// equalSource reports whether m and o describe the same remote source and
// payload mapping.
func (m *Media) equalSource(o *Media) bool {
	return m.LocalPort == o.LocalPort && m.Remote == o.Remote && m.RemoteRTCP == o.RemoteRTCP &&
		m.RTCPMux == o.RTCPMux && slices.Equal(m.Send, o.Send) && slices.Equal(m.Recv, o.Recv) &&
		m.SendDTMF == o.SendDTMF && m.RecvDTMF == o.RecvDTMF && slices.Equal(m.SSRCs, o.SSRCs)
}

func (m Media) clone() Media {
	m.Send = slices.Clone(m.Send)
	m.Recv = slices.Clone(m.Recv)
	m.SSRCs = slices.Clone(m.SSRCs)
	return m
}

// Result is the outcome of reading a remote description: the topology
// (one stream per m-line, in order), the media per stream, how it differs
// from the previous negotiation, and any ignored problems.
type Result struct {
	// Topology is a fresh, unfrozen topology owned by the caller. Streams
	// carry the remote's a=mid and a=label as metadata "mid" and "label".
	Topology *topology.Topology
	// Media has one entry per m-line, in the same order as Topology.
	Media []Media
	// Change compares this negotiation with the previous one.
	Change Change
	// Warnings joins the attribute-level problems that were ignored
	// (wrapping [ErrUnknownPayloadType], [ErrUnlistedPayloadType],
	// [ErrBadRtpmap], [ErrBadAttribute]); nil when there were none.
	Warnings error
}

// clone returns a deep copy whose topology the caller may own.
func (r *Result) clone() *Result {
	c := *r
	c.Topology = r.Topology.Clone()
	c.Media = make([]Media, len(r.Media))
	for i := range r.Media {
		c.Media[i] = r.Media[i].clone()
	}
	return &c
}

// Answer is the outcome of [Session.Offer]: the local answer to send and
// the negotiated result.
type Answer struct {
	// SDP is the answer body (application/sdp), CRLF line endings.
	SDP []byte
	Result
}

// changeOf classifies next against prev (nil before the first
// negotiation).
func changeOf(prev, next *Result) Change {
	if prev == nil || !prev.Topology.Equal(next.Topology) {
		return ChangeTopology
	}
	for i := range next.Media {
		if !next.Media[i].equalSource(&prev.Media[i]) {
			return ChangeSource
		}
	}
	return ChangeNone
}
