// Package testphone is the project's own SIP test phone: an independent
// RFC 3261/3264 user agent that end-to-end tests use to drive the PBX
// like real phones would, and to prove that media really flows.
//
// # A call
//
//	alice, _ := testphone.New(testphone.Config{User: "alice", Password: "pw", Server: pbxAddr})
//	bob, _ := testphone.New(testphone.Config{User: "bob", Password: "pw", Server: pbxAddr})
//	alice.Register(ctx, time.Hour) // digest auth, *StatusError on 403
//	bob.Register(ctx, time.Hour)
//
//	call, _ := alice.Invite(ctx, "bob", testphone.DialOptions{}) // or Dial: waits for the answer
//	in, _ := bob.WaitIncoming(ctx)
//	in.Ringing(ctx)
//	call.WaitResponse(ctx, 180)
//	in.Answer(ctx)
//	call.WaitAnswer(ctx)
//
//	go call.Streams()[0].SendTone(ctx, 440, time.Second) // PCMU/PCMA, 20 ms RTP
//	in.Streams()[0].WaitTone(ctx, 440, 500*time.Millisecond)
//	call.Streams()[0].SendDigits(ctx, "123#", 100*time.Millisecond, 50*time.Millisecond) // RFC 4733
//	in.Streams()[0].WaitDigits(ctx, "123#")
//	call.Hold(ctx) // re-INVITE sendonly; Resume, or ReInvite with any StreamSpecs
//	in.WaitInfo(ctx, testphone.Info.PictureFastUpdate) // INFOs received are recorded; SendInfo sends one
//	call.Hangup(ctx) // BYE, or CANCEL while ringing
//	<-in.Done()      // in.Err() == ErrRemoteHangup
//
// Phones also call each other directly (dial [Phone.URI]), which is how
// this package tests itself.
//
// # Lifecycle of a call
//
//	outbound: Invite ─► calling ─1xx+tag─► early ─2xx─► answered ─ACK sent─► confirmed ─BYE─► ended
//	                       │                  │
//	                       └──non-2xx / CANCEL+487──────────────────────────────────────────► ended
//	inbound:  INVITE ─► early (Ringing, EarlyMedia) ─Answer: 2xx─► answered ─ACK─► confirmed ─BYE─► ended
//	                       └──Reject / CANCEL from the caller──────────────────────────────────► ended
//
// [Call.Err] tells why a call ended; [Call.Done] is closed then. Either
// side may re-INVITE a confirmed call; a re-INVITE that crosses one of
// ours is answered 491.
//
// # Media
//
// Every m-line of the negotiated SDP is a [Media], in order, with its own
// UDP socket (symmetric RTP). The phone writes its SDP itself with
// pion/sdp and reads rtpmap and fmtp per m-line. Offers list the codecs
// of each [StreamSpec] (default PCMU, PCMA and telephone-event); answers
// accept, per offered m-line, the first offered codec the phone supports,
// keep the m-line count and order, and reject what they cannot handle
// with port 0 (RFC 3264 §6). Only PCMU and PCMA carry audio; other codecs
// (G722, G729, opus, VP8, H264) exist to exercise negotiation, and video
// m-lines only count packets ([Media.SendVideo] sends dummy ones). A
// Media never sends against the negotiated direction.
//
// Tones are made and recognised with internal/audiotest (Generator,
// Detect, Detector). DTMF is sent and parsed here rather than with
// internal/dtmf, so the phone stays independent of the PBX code it tests.
//
// # Goroutines and locks
//
//   - Phone: one goroutine serving the SIP listener; sipgo delivers every
//     message on a goroutine of its own, and the phone's handlers run on
//     those, counted in a WaitGroup that [Phone.Close] waits for.
//   - Outbound Call: one goroutine runs the INVITE transaction until the
//     final response (and sends the ACK or the CANCEL).
//   - Inbound Call: the sipgo goroutine that delivered the INVITE owns the
//     server transaction until the final response and, for a 2xx, until
//     the ACK (retransmitting the 2xx meanwhile); Ringing, Answer and
//     Reject hand it the response to send.
//   - Media: one reader goroutine per socket, one per [Media.StartTone].
//
// All of them stop when the call ends, and [Phone.Close] ends every call
// (hanging up politely first). Locks: Call.mu before Media.mu; a Media's
// send lock before its state lock; Phone.mu is a leaf. Nothing calls out
// while holding a lock.
//
// # What is not implemented
//
// SRTP, RTCP, ICE, reliable provisional responses (100rel/PRACK), UPDATE,
// REFER, session timers, strict routing, DNS SRV, authentication of
// requests the phone receives, audio codecs other than G.711, in-band
// DTMF generation, and listening on TLS or WebSocket (over those the
// phone is a client only, reached over the connection it opened).
package testphone
