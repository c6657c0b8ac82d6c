// Package sip is the SIP channel driver: phones register with it, call
// into the PBX, and are called by it. It is the only importer of sipgo
// (transport, transactions, dialogs) and of pion/rtp; SDP offer/answer is
// in the sdp subpackage. DESIGN.md §10 is the target; RFC 3261 (SIP), RFC
// 3264 (offer/answer), RFC 3311 (UPDATE), RFC 3550 (RTP), RFC 4733
// (DTMF), RFC 3398 (causes) and RFC 7616/8760 (digest) are the references.
//
// # Wiring
//
//	d, err := sip.New(sip.Config{Registry: reg, UDP: "0.0.0.0:5060", MediaIP: ip, Endpoints: eps,
//		TLS: "0.0.0.0:5061", WSS: "0.0.0.0:8089", TLSCertFile: "pbx.crt", TLSKeyFile: "pbx.key"})
//	reg.Register(d)                      // dial strings "SIP/alice", "SIP/alice@host:port"
//	go d.Serve(ctx, dialplanHandler)     // accepts calls; <-d.Ready(), d.Addr("udp")
//	...
//	reg.Shutdown(ctx); d.Close()
//
// # Transports
//
// UDP, TCP, TLS (RFC 3261 §26) and WebSocket, plain and secure (RFC
// 7118, subprotocol "sip"), each enabled by its listen address in
// [Config] (port 0: the bound port is [Driver.Addr]("tls") and so on).
// All five are sipgo's; the driver binds the TCP listeners itself, wraps
// tls and wss ones in crypto/tls with the certificate of
// [Config].TLSCertFile and TLSKeyFile (or [Config].TLSConfig; a bad pair
// fails [New] with [ErrConfig]), and bounds the WebSocket handshake
// (sipgo upgrades on its accept loop, so one silent client would stall
// it). URIs are sip: with a transport parameter (sips: is refused), and
// a dial string naming a URI dials over udp or tcp only. RTP
// stays plain UDP whatever the signalling transport: no SRTP, and no
// DTLS-SRTP or ICE, so WebRTC browsers can signal over wss but not yet
// exchange media.
//
// Each transport has its own Contact (the listener's port and
// ";transport=tls", "ws" or "wss") and its Via says SIP/2.0/TLS, WS or
// WSS. A registration records the transport and the address it came from
// ([Binding].Source and Transport), and calls to the binding go there:
// over a connection-oriented transport sipgo finds the phone's open
// connection by that address and reuses it. Over tls, ws and wss the
// driver keeps using that connection, the phone's flow (RFC 5626 §5.3;
// RFC 7118 §5), for the whole dialog: in-dialog requests, ACKs and
// CANCELs go to the source of the dialog's INVITE or of its responses
// rather than to the Contact, which is typically unroutable
// ("….invalid") for a browser and unreachable for a phone behind NAT.
// Over TCP in-dialog requests still follow the Contact. A tls, ws or wss
// binding whose connection is closed (the phone went away and has not
// registered again) is skipped when dialling, so a user with no other
// binding is not registered as far as Request is concerned: the driver
// does not, and for WebSocket cannot, connect back.
//
// # Registrar
//
// REGISTER is always digest-authenticated (one WWW-Authenticate challenge
// per configured algorithm, qop=auth: MD5 by default, SHA-256 only on
// request, since some phones abort on a challenge they cannot compute
// instead of skipping it). Nonces are self-validating (an HMAC over
// their issue time) so unauthenticated requests leave no state; a nonce
// older than NonceTTL is answered with a fresh challenge carrying
// stale=true when the rest of the credentials were right; nonce counts
// must grow. A wrong password is answered 403, and a source IP failing
// more than AuthFailLimit times in AuthFailWindow gets 403 without a
// challenge for AuthBlock (logged once). Bindings live
// in a [Location] (in memory by default) with expiry, up to
// Endpoint.MaxContacts per user (the binding expiring first makes room),
// "*" with Expires: 0 removes them all, and an interval below MinExpires
// is refused with 423.
//
// # An inbound call
//
//	phone                     sipgo goroutine (INVITE)        mailbox             core
//	INVITE ─────────────────▶ auth (401/403) ─ ReadInvite
//	       ◀──────────── 100  sdp.Offer (488 if unusable)
//	                          RTP sockets, NewChannel ──────────────────────────▶ handler
//	                          reg.Serve(handler) … blocks for the call
//	       ◀──────────── 180 ◀──────────────────────── Indicate(Ringing) ◀───── Ringing
//	       ◀────── 200 + SDP ◀──────────────────────── Answer ◀──────────────── Answer
//	ACK ────────────────────▶ OnAck: ReadAck, stop 2xx retransmission, then enqueue
//	BYE ────────────────────▶ OnBye ─ enqueue ───────▶ 200, Hangup frame ─────▶ Read: EOF
//
// The INVITE's sipgo goroutine runs the dialplan handler ([channel.Handler])
// for the whole call and returns once the call is torn down. Before the
// answer, the core's Hangup becomes a final response mapped from the cause
// (RFC 3398, cause.go, testdata/causes.golden) with a Reason header; after
// it, a BYE with a Reason header. Busy and Congestion indications send 486
// and 503; Progress sends 183 with the answer SDP (early media). A CANCEL
// is answered by sipgo's transaction layer (200, then 487); the driver
// then reports a Hangup frame with cause 16. The channel's dialplan entry
// point is the endpoint's Context and the Request-URI user
// ([channel.Config] Context and Exten); unknown callers get 403 unless
// [Config].GuestContext admits them. An INVITE without SDP (late offer)
// gets the PBX's offer in the 200 and is answered in the ACK; until then
// the channel carries the topology the PBX offers, and an unusable answer
// ends the call with a BYE. A second INVITE with the Call-ID and From tag
// of a live call gets 482.
//
// # An outbound call
//
// Request("alice") looks alice's bindings up (none: an error carrying
// [channel.CauseSubscriberAbsent]); Request("alice@host:port") or a sip:
// URI dials directly. Call sends one INVITE per binding, in parallel, each
// with its own SDP session over shared RTP sockets: 180 and 183 become
// Ringing and Progress frames (183 with SDP starts early media), the first
// 2xx wins (ACK, TopologyChanged with the negotiated topology, Answer
// frame) and the other branches are cancelled; a 2xx that loses the race
// is acknowledged and hung up. When every branch failed, the best final
// status (6xx, then 486, then the lowest class) becomes a Hangup frame
// with its RFC 3398 cause. Hangup before the answer cancels the branches
// (sipgo sends CANCEL once a provisional arrived), after it sends a BYE.
//
// The INVITEs' From presents the calling party: the driver is a
// [channel.CallerIDCaller], so [channel.Channel.Call] hands it the
// outbound channel's caller ID (Dial copies the caller's). The user part
// is the number and the display name the name (or the number), escaped
// (RFC 3261 §25.1); "pbx" stands in for an unknown caller. The host is
// always [Config].Host. Inbound, the From's user and display name (its
// quoted-pairs undone) become the channel's caller ID, so a SIP-to-SIP
// call shows the callee the caller's own number and name.
//
// # The mailbox
//
// sipgo handles every message on its own goroutine and keeps no order
// (LIBRARIES.md §0.4). Each call therefore has a mailbox (run) that
// processes every signalling event of the call one at a time, in order: BYE, re-INVITE, UPDATE, INFO, CANCEL, Answer/Indicate/Hangup/
// RequestTopology from the core, branch responses, helper completions and
// the RTP timeout. sipgo handlers only enqueue and wait for their reply,
// so a retransmission, a 180 after the 200 or an ACK racing a re-INVITE
// meets a consistent state. The mailbox never waits on the network:
// transactions that wait for a response (BYE, re-INVITE, outbound INVITE
// branches, 2xx retransmission until the ACK) run on helper goroutines
// that post their outcome back. The mailbox's goroutine is started on
// demand when an event arrives and ends when none is left (an atomic flag
// admits one at a time and orders the call state between them), so a
// call that only carries media has none; the call finishes once the core
// hung up, the dialog is over and no helper is outstanding. ACKs are the
// exception: an ACK's sipgo goroutine confirms the dialog and stops the 2xx
// retransmission directly, since the mailbox may itself be waiting to hear
// about that ACK, and only then enqueues it (an answer in an ACK). The
// driver matches an ACK to its 2xx by CSeq itself and arms that wait
// before the 2xx is sent (the ACK may be handled before Respond returns);
// sipgo's ReadAck only confirms sipgo's dialog, once.
//
// When the far end ends the call (BYE, CANCEL, failure) ReadFrame returns
// a Hangup control frame with the cause, and io.EOF only once the core has
// called Hangup: an earlier io.EOF would make the core's read pump hang
// the channel up with a failure cause before the consumer saw the frame.
// The consumer must keep reading for a remote hang-up to take effect.
//
// # re-INVITE
//
// A far-end re-INVITE is answered from the SDP session's current state
// (491 while our own offer is pending, 488 when unacceptable), with the
// PBX's wishes (hold) as constraints; the core hears TopologyChanged when
// the topology changed and TopologySourceChanged when only the remote
// source did, and the RTP streams are reconfigured (new streams get
// sockets, removed ones are closed, remotes updated). A re-INVITE arriving
// before the ACK of our 2xx counts as that ACK, and confirms sipgo's
// dialog before the re-INVITE is read into it: sipgo checks an ACK's CSeq
// against the last request read, so it would reject the late ACK and
// hold every BYE back for 64·T1. The core's
// RequestTopology and Hold/Unhold indications send a re-INVITE; its 2xx
// is acknowledged by the driver (sipgo's Do does not), a 491 is retried
// after the RFC 3261 §14.1 back-off, and every request ends with a
// TopologyChanged carrying the topology then in force (the old one after a
// failure), as the channel core requires.
//
// # UPDATE
//
// The far end may send UPDATE (RFC 3311) in an early or confirmed dialog;
// it goes through the call's mailbox like a re-INVITE, and an UPDATE
// matching no live dialog gets 481. Without a body it is a session
// refresh or keep-alive and gets 200 (session timers, RFC 4028, are not
// negotiated: the 200 carries no Session-Expires). With an SDP offer
// (any other Content-Type: 415) it is answered exactly as a re-INVITE's
// offer (same answer, same constraints such as the PBX's hold, same
// TopologyChanged or TopologySourceChanged, same stream changes), except
// that the answer goes in the UPDATE's 200 and takes effect at once: no
// ACK follows. It is refused with 491 while an offer of ours is pending
// (our re-INVITE, or our offer in a 2xx awaiting the ACK's answer), with
// 488 and a Warning when the offer is malformed or unacceptable, and with
// 500 and Retry-After in an early dialog: without reliable provisional
// responses (RFC 3262, not supported) the INVITE's own offer/answer
// exchange is incomplete until the 2xx (RFC 3311 §5.2). On a confirmed
// dialog a CSeq below one already seen gets 500. Unlike a re-INVITE, an
// UPDATE does not count as the ACK of our 2xx (it may have been sent
// before the 2xx arrived), and one arriving before that ACK is not read
// into sipgo's dialog, which would then refuse the ACK (see re-INVITE
// above). The driver never sends UPDATE itself, and a far end's Contact
// in an UPDATE (or a re-INVITE) is not taken as a new remote target.
// UPDATE is listed in every Allow.
//
// # Media
//
// Each active stream (m-line) has one UDP socket pair from the RTP port
// range (even port RTP, odd RTCP), served by one of the driver's media
// workers (internal/mediaio: one per CPU, each an epoll set of sockets
// plus a timer heap), which also runs the stream's RTCP report timer and
// jitter-buffer playout. Symmetric RTP: the first valid packet's source is learned and
// packets from any other source are then ignored (counted as foreign);
// RTP is sent to the learned source, else to the announced address. A
// received packet's payload is copied into a pooled frame (pion's
// Unmarshal aliases the read buffer) tagged with the stream position,
// format (by payload type, per m-line), samples, timestamp, sequence
// number and marker, and handed to a bounded queue (64 frames; the oldest
// is dropped and counted when full, so the worker never blocks).
// telephone-event packets go through an RFC 4733 receiver and become
// DTMFBegin/DTMFEnd frames on the control queue. Frames written by the core
// are marshalled into a per-stream buffer: own SSRC, own
// sequence numbers, and an own audio timeline (advancing by each frame's
// duration, by wall-clock time after a silence, with the marker bit on the
// first packet and each talk-spurt), so numbering stays continuous
// whoever feeds the stream; video timestamps keep the input's spacing. An
// answered call whose streams receive nothing for RTPTimeout (not while
// on hold) is hung up with cause 102. The steady-state receive and send
// paths allocate nothing (see the benchmarks).
//
// RTCP (RFC 3550 §6): each stream sends a compound SR (while it sends) or
// RR with a reception report (cumulative and interval loss, interarrival
// jitter, LSR/DLSR) and an SDES CNAME every 5 s ±50%, to the address the
// far end's RTCP comes from, else the announced one (RTP's with
// rtcp-mux); the far end's reports give its view of our stream and the
// round-trip time. The counters are in StreamStats (the call's
// StreamStats method); when media stops at the end of the call, by
// either side, the call keeps their final values, which StreamStats
// returns from then on. The call's QueueDrops method counts the frames
// dropped because the core did not read them in time.
//
// Jitter buffer: by default frames are delivered as they arrive, which is
// what a two-party bridge wants (DESIGN.md §10). Whoever terminates the
// audio turns internal/jitter on for the call with SetJitterBuffer(true)
// (found through channel.Channel.Tech): the dialplan runner before an
// application such as Echo, Playback or Read, a mixing bridge on join; a
// two-party bridge turns it off again. Audio is
// then played out by a timer per audio stream on its media worker, in
// order, paced, with lost G.711 frames concealed.
//
// VideoUpdate indications become a SIP INFO with an RFC 5168
// picture_fast_update plus an RTCP PLI (RFC 4585) on each video stream
// (at most one a second; requests inside that second are coalesced into
// one sent when it is up, not dropped), and such an INFO, PLI or FIR
// from the far end becomes a VideoUpdate frame; an INFO with
// application/dtmf-relay becomes DTMF frames.
//
// # Goroutines and locks
//
// Per driver: one sipgo read loop per listener (plus sipgo's per-message
// goroutines and one reader per TCP, TLS or WebSocket connection) and the media workers (one per CPU) serving every call's
// RTP and RTCP sockets and media timers. Per call: the INVITE goroutine
// (inbound only, running the dialplan), the on-demand mailbox goroutine,
// and short-lived helpers; all are waited for by [Driver.Close]. A stream's
// handlers and timers run on its worker one at a time and must not block
// (they only queue frames); its stop() waits for them, so it runs on the
// mailbox, never on a worker. Driver.mu
// guards the dialog index; a call's signalling state belongs to its
// mailbox goroutine and needs no lock; the media set and each stream's
// negotiated parameters are swapped atomically; a stream's sendMu
// serialises the core's writes with DTMF sending around the sequence and
// timestamp state. No lock is held while calling sipgo, the core or
// another call.
//
// # Frames
//
// ReadFrame returns frames the caller owns (fresh from the pool).
// WriteFrame and Indicate borrow their frame and keep nothing: the payload
// is copied into the packet buffer before they return.
package sip
