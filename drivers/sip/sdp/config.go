package sdp

import (
	"net/netip"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/topology"
)

// PortFunc returns the local RTP port for stream index i of media type mt.
// The SIP driver implements it with its RTP port range.
//
// It is called by [Session.Offer] and [Session.MakeOffer], on the dialog's
// goroutine, once per m-line that becomes active without a port (a new
// stream, a removed one brought back, or an m-line that now carries another
// media type). The port is then reused for that m-line until the stream is
// removed, which the driver sees as [Media].LocalPort 0 (or a different
// LocalPort at that index) and uses to free the socket pair. It must not
// block on the network and must not call back into the Session. An error
// fails the negotiation that asked. A port obtained during a negotiation
// that later fails or is rolled back stays with the Session for that m-line
// and is reused next time; the driver frees every port of the dialog when
// the dialog ends.
type PortFunc func(i int, mt format.MediaType) (int, error)

// Config configures a [Session]. Zero values mean the documented defaults.
type Config struct {
	// Address is the PBX's media address, written in o= and c=. Required.
	Address netip.Addr
	// Ports hands out local RTP ports. Required.
	Ports PortFunc
	// SessionID is the o= session id; 0 picks a random one. Tests inject it
	// to get deterministic output.
	SessionID uint64
	// SessionVersion is the o= version of the first local description. It
	// is incremented by one each time the local description changes.
	SessionVersion uint64
	// Username is the o= username; "" means "-".
	Username string
	// SessionName is the s= text; "" means "pbx".
	SessionName string
	// PTime is the packetisation time in milliseconds announced with
	// a=ptime on audio m-lines; 0 means 20.
	PTime int
	// NoTelephoneEvent turns RFC 4733 telephone-event negotiation off.
	NoTelephoneEvent bool
	// NoRTCPMux turns rtcp-mux (RFC 5761) off: not offered, not accepted.
	NoRTCPMux bool
}

// Capabilities is what the PBX can accept when it answers a remote offer
// ([Session.Offer]).
type Capabilities struct {
	// Formats are the local formats in preference order, all media types
	// together (the endpoint's configured codecs). telephone-event in it is
	// ignored: RFC 4733 is governed by [Config].NoTelephoneEvent.
	Formats format.Caps
	// Streams optionally narrows the answer stream by stream: for each
	// index it covers, a removed stream (or one of another media type)
	// declines the m-line, a non-empty format set replaces Formats for that
	// m-line (in its own order), and the state limits the direction (a PBX
	// that holds the call keeps sendonly while answering a remote
	// re-offer). Streams also lends its names and metadata to the result.
	// m-lines beyond its length are governed by Formats alone. nil means
	// no narrowing.
	Streams *topology.Topology
	// PreferOffer orders each answer's formats by the offer's preference
	// instead of Formats' (or Streams'). The default, local preference, is
	// Asterisk's default and keeps transcoding choices in the PBX's hands.
	PreferOffer bool
}
