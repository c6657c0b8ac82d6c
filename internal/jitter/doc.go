// Package jitter is the adaptive jitter buffer for audio streams that
// terminate in the PBX: applications (prompts, voicemail, IVR), conference
// mixing and recording (DESIGN.md §10). Streams relayed by a two-party
// bridge do not use it: the far phone's own buffer does that job.
//
// # Use
//
// The SIP driver (or whoever reads the stream's RTP) creates one [Buffer]
// per stream, pushes every received packet, and pops one frame per frame
// duration on its media clock:
//
//	jb, err := jitter.New(jitter.Config{Concealer: jitter.NewG711PLC(jitter.Ulaw)})
//	...
//	jb.Push(pkt.SequenceNumber, pkt.Timestamp, time.Now(), pkt.Payload, pkt.Marker)
//	...
//	for now := range ticker.C { // every 20 ms
//		payload, status := jb.Pop(now)
//		switch status {
//		case jitter.Normal, jitter.Concealed: // payload (nil without a Concealer)
//		case jitter.Silence, jitter.NotYet: // play the codec's silence
//		}
//	}
//
// Pop takes the time as an argument and the buffer never reads the clock,
// so tests drive it with synthetic traces and a fake clock.
//
// # Playout
//
// Each packet's delay variation is its arrival time minus that of the
// fastest recent packets, after accounting for the timestamp. The target
// delay is the 98th percentile of recent delay variation, clamped to
// [Config.MinDelay, Config.MaxDelay] (20 ms and 300 ms by default): it
// rises within a second when jitter grows and sinks back over about twenty
// seconds once it calms. Each Pop measures the playout delay of
// the next frame and steers it into [target, target + one frame):
//
//	            ┌──────── talk ────────┐         ┌────── silence ──────┐
//	too late    drop one frame, at most          skip frames at once
//	            one per second after a second
//	            of excess (shrinks slowly)
//	too early   insert one concealed frame,      hold (one more frame of
//	            at most every third frame        silence) at once
//
// The same mechanism absorbs clock drift between the sender and the local
// 20 ms clock: the delay creeps, and a frame is dropped or inserted,
// preferably in silence.
//
// A frame that is missing when due is concealed ([Concealer]) and played
// over: loss, or a late packet (discarded on arrival and counted). When
// the gap before the next buffered packet is a pause in the talk rather
// than a loss (the next packet has the marker bit, or follows the last
// played one in sequence) the frames are Silence instead. After
// [Config.ConcealLimit] (60 ms) of concealment in a row the buffer reports
// Silence too.
//
// Sequence numbers and timestamps wrap. A packet far outside the timeline
// (a timestamp jump) is dropped unless the next packet confirms the jump or
// it carries the marker bit; then the timeline restarts around it. Five
// late packets in a row restart it as well (a sender whose timestamps
// stopped during silence). Call [Buffer.Reset] when the SSRC changes.
//
// # Concealment
//
// [PLC] conceals signed-linear audio by pitch repetition with fade-out, in
// the spirit of ITU-T G.711 Appendix I; [G711PLC] applies it to µ-law and
// A-law by decoding and re-encoding. Other codecs leave
// [Config.Concealer] nil and conceal in their decoder (Opus) when Pop
// reports Concealed with a nil payload.
//
// # Ownership and concurrency
//
// Push copies the payload into storage taken from a pool shared by all
// buffers, in size classes, and the buffer gives it back once the frame
// has been played or dropped, so a buffer's memory follows the frames it
// holds rather than the frames it could hold; in steady state neither Push
// nor Pop allocates. The slice Pop returns aliases that storage and is
// valid until the next call on the buffer (the next Push may reuse it for
// the packet it stores). A Buffer and its
// Concealer are single-goroutine types with no locks: the goroutine that
// owns the stream calls Push, Pop, Reset and Stats; if arrivals and the
// media clock run on different goroutines, the owner serialises them with
// a mutex.
package jitter
