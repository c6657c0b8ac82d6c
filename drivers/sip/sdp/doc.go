// Package sdp is the SDP offer/answer engine of the SIP driver: it turns
// session descriptions into topologies and topologies into session
// descriptions, following RFC 3264 (https://www.rfc-editor.org/rfc/rfc3264)
// on top of RFC 4566 (https://www.rfc-editor.org/rfc/rfc4566).
//
// It is pure: no sockets, no clock, no goroutines, no logging. The SIP
// driver feeds it bodies and gets back bodies, a [topology.Topology] and
// per-stream [Media] for the RTP layer. It is the only importer of
// github.com/pion/sdp/v3, whose types do not appear in its API.
//
// # The model
//
// Each m-line is one stream of the topology, in order; a port-0 m-line is
// a removed stream that keeps its slot (DESIGN.md §3, §10). Stream states
// are stated from the PBX's side: a remote "a=sendonly" is a PBX recvonly
// stream. One [Session] per dialog keeps the local state across
// offer/answer exchanges: the o= session id and version (the version grows
// by one whenever the local description changes and stays when the same
// description is re-sent, RFC 3264 §8), the payload type numbers of each
// m-line (stable across re-offers, never reused for another codec,
// RFC 3264 §8.3.2), the local RTP port of each m-line (handed out by the
// driver through [Config].Ports), the last negotiated [Result] and the
// PBX's offer in flight.
//
// # Call sequences
//
// Inbound INVITE with an offer:
//
//	res, err := sdp.ParseOffer(body)      // optional preview: offered topology
//	s, err := sdp.New(cfg)
//	ans, err := s.Offer(body, caps)        // when answering (183/200)
//	// ErrNotAcceptable or a parse error → 488; send ans.SDP;
//	// install ans.Topology; start RTP from ans.Media.
//
// Outbound INVITE:
//
//	s, err := sdp.New(cfg)
//	offer, err := s.MakeOffer(want)        // INVITE body
//	topo, err := s.Answer(body)            // 200 OK or reliable 183 body
//	res := s.Negotiated()                  // media per stream
//	// a failed INVITE: s.Rollback() (or drop the Session).
//
// Remote re-INVITE with an offer:
//
//	ans, err := s.Offer(body, caps)        // caps.Streams = current local wishes (hold)
//	// ErrOfferPending → 491 (glare); ErrMLineCount, ErrNotAcceptable → 488,
//	// the session keeps its previous state.
//	// ans.Change: ChangeTopology → queue TopologyChanged,
//	//             ChangeSource   → queue TopologySourceChanged,
//	//             ChangeNone     → a session refresh; nothing to do.
//
// Remote re-INVITE without an offer: s.MakeOffer(current) goes in the
// 200 OK and s.Answer(ackBody) reads the ACK.
//
// Local re-INVITE (hold, resume, add or remove a stream):
//
//	offer, err := s.MakeOffer(next)        // re-INVITE body
//	topo, err := s.Answer(body)            // 200 OK body
//	// on 491/4xx/timeout: s.Rollback(); the previous state stays.
//
// # Negotiation rules
//
//   - The answer has exactly the offer's m-lines in its order.
//   - Declined streams are answered with port 0: unsupported media
//     (image/T.38, application, message, unknown), unsupported transport
//     (anything but RTP/AVP and RTP/AVPF, so every SRTP profile; port
//     counts; multicast), no common format, or declined through
//     [Capabilities].Streams. [Media].Declined says which.
//   - Formats of an accepted stream: the intersection of the offered and
//     local formats, in local preference order (Asterisk's default) unless
//     [Capabilities].PreferOffer, with the offerer's payload types and
//     fmtp. Codecs are read per m-line (pion/sdp's session-wide codec map
//     mixes m-lines, LIBRARIES.md §0.3); static types without rtpmap are
//     known by number (RFC 3551 table); codecs the PBX does not know are
//     ignored.
//   - RFC 4733 telephone-event is answered when offered, keeping the
//     offer's payload type; it is not a stream format: it shows up as
//     [Media].SendDTMF/RecvDTMF.
//   - Direction: the answer is the complement of the offer (RFC 3264 §6.1),
//     narrowed by what the PBX wants. An offer with c=0.0.0.0 (RFC 2543
//     hold, RFC 3264 §8.4) is read as "the remote cannot receive": the
//     PBX does not send, so sendrecv becomes recvonly (and recvonly
//     inactive) and the answer says so.
//   - An offer of which no stream can be accepted fails with
//     [ErrNotAcceptable] (the driver answers 488), except a re-offer in
//     which the remote itself set every port to 0: that is answered with
//     every m-line at port 0.
//   - At most [MaxStreams] m-lines and [MaxSize] bytes.
//
// # Errors
//
// Structural problems are errors (see errors.go): the description is
// rejected and the Session is unchanged. Problems confined to one attribute
// (an fmtp for a payload type not on the m-line, a dynamic payload type
// without rtpmap, a bad rtpmap or ptime) are ignored and reported in
// [Result].Warnings, because real phones send them. Nothing in this package
// panics on input.
//
// # Concurrency
//
// A Session has no lock. It belongs to its dialog, and only the dialog's
// mailbox goroutine (the one that serialises that dialog's SIP events,
// LIBRARIES.md §0.4) calls its methods; [Config].Ports is called back on
// that goroutine. [ParseOffer] and the returned values may be used from any
// goroutine; each returned Topology is a fresh, unfrozen copy owned by the
// caller.
package sdp
