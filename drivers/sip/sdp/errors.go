package sdp

import "errors"

// Fatal errors. A description that triggers one of them is rejected as a
// whole and the [Session] is left unchanged; the driver answers an offer
// that failed this way with 488 Not Acceptable Here (or 400 for
// [ErrMalformed]).
var (
	// ErrMalformed reports a body that is not a session description at all
	// (garbage, missing v=/o=/s=/t= lines, lines out of order, bare CR).
	ErrMalformed = errors.New("sdp: malformed description")
	// ErrTooLarge reports a body longer than [MaxSize].
	ErrTooLarge = errors.New("sdp: description too large")
	// ErrTooManyStreams reports more than [MaxStreams] m-lines, in a
	// received description or a topology to offer.
	ErrTooManyStreams = errors.New("sdp: too many streams")
	// ErrBadPort reports an m-line port that is not a number in 0..65535
	// (or a bad port count), or a port the [PortFunc] returned out of range.
	ErrBadPort = errors.New("sdp: bad port")
	// ErrBadPayloadType reports an RTP format token on an active m-line
	// that is not a payload type number in 0..127.
	ErrBadPayloadType = errors.New("sdp: bad payload type")
	// ErrNoConnection reports an active m-line with no c= line at media or
	// session level.
	ErrNoConnection = errors.New("sdp: no connection address")
	// ErrBadAddress reports a c= address that is not an IP address of the
	// announced family.
	ErrBadAddress = errors.New("sdp: bad connection address")
	// ErrNotAcceptable reports an offer of which not a single stream can be
	// accepted. The driver answers 488. It is joined with the per-stream
	// reasons ([ErrNoCommonFormat], [ErrUnsupportedTransport] …).
	ErrNotAcceptable = errors.New("sdp: offer not acceptable")
	// ErrMLineCount reports a description whose number of m-lines breaks
	// RFC 3264: an answer that does not have the offer's count, or a
	// re-offer with fewer m-lines than the session.
	ErrMLineCount = errors.New("sdp: wrong number of m-lines")
	// ErrMLineMismatch reports an answer m-line whose media type differs
	// from the offered one in the same position.
	ErrMLineMismatch = errors.New("sdp: answer m-line does not match the offer")
	// ErrOfferPending reports an offer/answer call that is illegal while
	// the PBX's own offer awaits its answer: a remote offer then is glare
	// (the driver answers 491), a second [Session.MakeOffer] is a bug.
	ErrOfferPending = errors.New("sdp: an offer is already pending")
	// ErrNoPendingOffer reports [Session.Answer] without an outstanding
	// [Session.MakeOffer].
	ErrNoPendingOffer = errors.New("sdp: no pending offer")
	// ErrEmptyTopology reports [Session.MakeOffer] with a nil or empty
	// topology.
	ErrEmptyTopology = errors.New("sdp: empty topology")
	// ErrNoPayloadType reports that the session ran out of dynamic payload
	// type numbers.
	ErrNoPayloadType = errors.New("sdp: no free payload type")
	// ErrConfig reports an invalid [Config] passed to [New].
	ErrConfig = errors.New("sdp: invalid config")
)

// Per-stream decline reasons, found in [Media.Declined]. A declined stream
// is answered with port 0; it makes the offer fail only when every stream
// is declined ([ErrNotAcceptable]).
var (
	// ErrUnsupportedMedia: a media type the PBX does not carry (image/T.38,
	// application, message, anything unknown).
	ErrUnsupportedMedia = errors.New("sdp: unsupported media type")
	// ErrUnsupportedTransport: a transport other than RTP/AVP or RTP/AVPF
	// (RTP/SAVP and every SRTP or DTLS profile included), a port count, or
	// a multicast address.
	ErrUnsupportedTransport = errors.New("sdp: unsupported transport")
	// ErrNoCommonFormat: no offered codec is among the local formats.
	ErrNoCommonFormat = errors.New("sdp: no common format")
	// ErrDeclined: the local side declined the stream
	// ([Capabilities].Streams marks it removed or has another media type
	// there).
	ErrDeclined = errors.New("sdp: declined locally")
)

// Warnings: problems confined to one attribute, which is ignored. They are
// collected in [Result].Warnings (joined) so the driver can log the peer's
// misbehaviour; they never fail a negotiation, because real phones and
// SBCs send these (fmtp lines left behind after codec filtering, PT 101
// without rtpmap) and rejecting the call would be worse.
var (
	// ErrUnknownPayloadType: a dynamic payload type on the m= line with no
	// rtpmap, which therefore cannot be identified.
	ErrUnknownPayloadType = errors.New("sdp: payload type without rtpmap")
	// ErrUnlistedPayloadType: an rtpmap or fmtp for a payload type that is
	// not on its m= line.
	ErrUnlistedPayloadType = errors.New("sdp: attribute for a payload type not on the m-line")
	// ErrBadRtpmap: an rtpmap line with bad syntax, or a second rtpmap for
	// the same payload type.
	ErrBadRtpmap = errors.New("sdp: bad rtpmap")
	// ErrBadAttribute: a fmtp, ptime, rtcp or ssrc attribute with a bad
	// value, or conflicting direction attributes.
	ErrBadAttribute = errors.New("sdp: bad attribute")
)
