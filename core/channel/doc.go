// Package channel is the PBX's channel core: [Channel] (one call leg), the
// driver contract ([Driver], [Tech] and optional capabilities), the
// [Registry] that resolves dial strings, and the per-stream read and write
// paths with their hooks, translation and topology negotiation.
//
// # A call
//
// A SIP phone calls in: the SIP driver builds a Tech for the dialog and asks
// the registry for a channel ([Registry.NewChannel]), then runs the dialplan
// on it with [Registry.Serve] on its own goroutine. The dialplan answers,
// reads frames with [Channel.Read] and writes with [Channel.Write]; Dial
// uses [Registry.Request] and [Channel.Call] to create the outbound leg and
// a bridge to join the two. Between the two calls Dial copies the caller's
// caller ID onto the outbound channel ([Channel.SetCallerID]); Call hands
// it to a driver that can present it ([CallerIDCaller]: SIP's From). When either side hangs up, the channel's
// lifetime context ([Channel.Context]) is cancelled with a *HangupError
// carrying the Q.850 cause, reads return io.EOF and writes ErrHangup.
//
// # Streams
//
// A channel's topology is an immutable snapshot ([Channel.Topology]); the
// default stream of each media type (the first non-removed one) is derived
// from it. A multistream driver ([Multistream]) owns its topology and
// reports changes with TopologyChanged control frames; a legacy driver
// ([Legacy]) declares native formats and the core derives one stream per
// media type — this adapter is the only place the two kinds differ.
//
// Read returns default-stream media and non-media frames, turns other
// media into Null frames and handles topology control frames itself;
// ReadStream returns everything tagged with its stream position. Write
// targets the default stream of the frame's media type; WriteStream an
// explicit stream, checking range and media type.
//
// Each stream has a read chain and a write chain:
//
//	read:  driver → frame hooks → audio hooks → translation → consumer
//	write: producer → frame hooks → audio hooks → translation → driver
//
// Frame hooks can watch one stream by name, the default streams, or all;
// audio hooks one audio stream (package hooks builds spy, whisper and
// manipulate on them); translation paths are built per (stream, direction)
// by the registry's [PathBuilder] and rebuilt when a format changes.
//
// # Topology negotiation
//
// [Channel.RequestTopologyChange] is asynchronous. The channel remembers the
// active topology, the pending one and who started the change (the
// source). A request equal to the active (when idle) or pending topology is
// not sent again; one arriving while another is pending is merged into a
// queued request and sent when the driver reports TopologyChanged — never
// lost. Bridges tag their requests with themselves and ignore the
// TopologyChanged frames whose Source is themselves, so changes mirror once
// each way and never storm.
//
// # Goroutines and locks
//
// Each channel has one read pump goroutine (owned by the registry, waited
// for by [Registry.Shutdown]) moving frames from Tech.ReadFrame into a
// bounded queue. The consumer reads on its own goroutine (the handler's or
// a bridge's). Writes are serialised by a per-channel write lock. mu guards
// state, variables and negotiation; no lock is held while calling a driver
// or a hook. A panic in a handler (through [Registry.Serve]) or in a
// driver read hangs up that channel with CauseFailure and is logged; the
// process lives on.
//
// # Frames
//
// Frames returned by Read/ReadStream belong to the caller; frames passed to
// Write are borrowed. See package core/frame for the rules.
package channel
