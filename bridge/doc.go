// Package bridge connects channels so they hear (and see) each other: the
// two parties of a Dial, or the participants of a conference.
//
// # A call
//
// Alice dials Bob. The Dial application creates Bob's channel, waits for
// the answer, builds a bridge and joins both:
//
//	b, _ := bridge.New(bridge.Config{ID: "dial-42", DissolveOnHangup: true})
//	var wg sync.WaitGroup
//	wg.Go(func() { reason, _ := b.Join(ctx, bob); if reason != bridge.LeaveHangup { bob.Hangup(0) } })
//	reason, _ := b.Join(ctx, alice) // Alice's own goroutine runs her side
//	b.Close()
//	wg.Wait()
//
// Each Join runs that channel's media loop on the calling goroutine and
// returns when the channel leaves, with the reason. When Bob hangs up, his
// Join returns LeaveHangup and, because the bridge dissolves on hangup,
// Alice's returns LeaveDissolved: Alice is still alive and the dialplan
// decides her fate (hang up, or continue with Dial's g option).
//
// ConfBridge keeps one bridge per conference name, built with
// Config{Conference: true, DissolveWhenEmpty: true}; each caller's
// handler goroutine calls Join; when Join returns ErrClosed the conference
// ended meanwhile and the application builds a new one.
//
// # Technologies
//
// A [Technology] moves the media; the bridge picks it by capability and
// switches as membership changes, without dropping media:
//
//   - simple: two parties. Each member's goroutine reads its channel with
//     ReadStream and writes every frame to the peer: media stream by
//     stream through the bridge's slot list ([topology.Slots], the n-th
//     stream of a type pairs with the peer's n-th stream of that type;
//     unmatched streams are not forwarded), translated by the peer's write
//     path when the audio formats differ (video is never transcoded); DTMF,
//     hold/unhold and source updates as they are; video update requests at
//     most once per Config.VideoUpdateInterval per direction.
//   - native: two parties whose drivers relay packets themselves
//     ([NativeRTP], the SIP driver's RTP relay). Chosen when both drivers
//     agree, both channels are Up, neither is muted, no hook needs their
//     audio ([channel.Channel.NeedsAudio]) and both default audio streams
//     use the same codec; re-checked on every change and every
//     Config.NativeCheckInterval, falling back to simple when any check
//     fails.
//   - mixing: three or more parties, or any conference. Every participant
//     hears the mix of all the others, never itself, in signed linear at the
//     highest rate any participant uses (8, 16 or 48 kHz), 20 ms per tick,
//     with saturating sums. Each participant's channel reads in signed
//     linear at the mixing rate (the bridge sets its read format; the
//     channel translates) and is written signed linear (its write path
//     translates back). Members can be muted; talk spurts are reported as
//     EventTalking/EventSilent. Video is forwarded SFU-style: each
//     participant gets one sendonly destination stream per remote video
//     source, named [DestName](source channel id, source stream position)
//     with metadata [MetadataLabel]; slots are never deleted, removed slots
//     are reused, and a leaver's destinations are marked removed in
//     everyone's topology.
//
// Jitter buffers (DESIGN.md §10): a driver with a SetJitterBuffer(bool)
// capability (found through [channel.Unwrapper] chains) has it turned off
// when its channel joins a two-party bridge — relayed audio keeps the
// sender's timing and the far phone's buffer does the work — and on when
// the mixer takes the channel's audio (conference, or a third party
// joining). The member's goroutine applies it, like a read format.
//
// Moving a live two-party call to mixing when a third party joins happens
// in two phases: the mixer is built and every member is asked to read
// signed linear at the mixing rate; the simple technology keeps forwarding
// (now signed linear, which the peer's write path translates) until every
// member has switched its read format, and only then does the mixer take
// over; the newcomer is heard from that moment (a frame or two later). A
// bridge that mixes keeps mixing when members leave.
//
// # Topologies
//
// When the second party joins a two-party bridge, the side with more
// streams defines the proposed topology of the other side: its streams
// mirrored (sendonly and recvonly swapped) with the other side's audio
// formats kept. Later, a TopologyChanged on either side whose Source is
// not the bridge (the phone re-offered) is mirrored onto the other side
// with [channel.Channel.RequestTopologyChange] tagged with the bridge; the
// TopologyChanged that completes it carries the bridge as Source and is
// not mirrored back, so a change crosses each bridge once — also through
// chains of bridges joined by Local channels. A change arriving while
// another is pending is merged by the channel core, never lost.
//
// # Key frames
//
// Video a sender sends before its path through the bridge exists is
// dropped, and the receiver's decoder then waits for the next key frame,
// which can take seconds. So whenever a video path becomes usable — the
// second party joins with video, a renegotiation completes (for a
// re-INVITE adding video: when the mirror completes on the other leg, the
// offering leg having been answered at once), video resumes from hold or
// inactive, a conference participant accepts the destination stream of
// another's video — the bridge asks the sender for a key frame by writing
// a [frame.VideoUpdate] to its channel (the SIP driver sends an RFC 5168
// INFO picture_fast_update). Each member is written at most one video
// update per Config.VideoUpdateInterval, relayed or the bridge's own; the
// bridge's own request is deferred, never dropped, when that budget is
// used up.
//
// # Lifecycle
//
//	New ──▶ simple ◀──────── checks fail ─────────┐
//	          │  ──── 2 members, checks pass ──▶ native
//	          │                                    │
//	          │ 3rd Join: members switch their     │ 3rd Join
//	          │ read format, then the mixer        │
//	          ▼ takes over                         ▼
//	        mixing ◀──────────────────────────────┘
//	        (New starts here with Config.Conference)
//
//	any state ── Close, a hangup with DissolveOnHangup, the last leave with
//	             DissolveWhenEmpty ──▶ dissolved: members leave with
//	             LeaveDissolved, the technology stops (its ticker is waited
//	             for), Done is closed, Join fails with ErrClosed
//
// A member's life: Join → loop (read, hand to the technology, carry out
// queued work) → leave (LeaveHangup, LeaveRemoved, LeaveDissolved,
// LeaveContext) → Join returns. A channel that lives on gets its read
// format and read deadline cleared and its conference destination streams
// marked removed.
//
// # Goroutines
//
//   - Member goroutine: the caller of Join, owned by the caller (the
//     channel's handler, or a goroutine Dial starts for the outbound leg).
//     It is the channel's only reader while it is in the bridge. It stops
//     when the channel hangs up, or when the bridge wakes it (a Null frame
//     queued with [channel.Channel.Queue]) after Remove, Close, dissolution
//     or ctx cancellation; the caller waits for Join to return.
//     Topology requests, read format changes and key-frame requests for a
//     channel are queued on its Member and carried out by this goroutine,
//     in order; a read deadline wakes it for timed work (native re-checks,
//     a deferred key-frame request).
//   - Mixer ticker: one per mixing technology, owned by the bridge. Started
//     when mixing becomes current ([New] for a conference), stopped by
//     dissolution, Close, or never for a bridge that never mixes; Stop
//     closes its stop channel and waits for it. mixOnce is its whole body.
//   - A two-party bridge starts no goroutine.
//
// # Locks
//
// Bridge.mu guards membership, the slot list, the technology choice and
// every member's queued work. Each mixing participant has its own input
// lock (participant.mu), never held together with Bridge.mu. The native
// and mixing technologies each serialise their Start/Stop with a ctl lock
// taken with no other lock held (native holds it while calling
// StartNative/StopNative, so a stop cannot overtake a start). Nothing calls
// a channel, a driver, a hook or Config.OnEvent while holding Bridge.mu.
//
// # Frames
//
// Frames a member reads belong to the bridge and are released after
// handling; writes to other channels borrow them. A video fan-out clones
// the frame for every destination but the last. The mixer writes pooled
// frames it owns. The steady-state paths — two-party forwarding and a
// mixing tick — allocate nothing.
package bridge
