// Package stream defines [Stream]: one media stream of a call leg, such as
// the audio or the second video of a SIP session (one SDP m-line).
//
// A stream has a name, a media type, an ordered capability set of formats,
// a [State], a position in its topology, string metadata and a group. Its
// state is always stated from the PBX's side of the leg: [SendOnly] means
// the PBX only sends, [RecvOnly] that it only receives. A new stream is
// [Inactive] with no formats.
//
// Ownership: a stream belongs to at most one topology (package
// core/topology sets its position and owner). Once that topology is frozen
// (installed on a channel as a snapshot) the stream is frozen too and its
// setters panic: edit a clone instead. A Stream has no lock; an unfrozen
// stream is owned by one goroutine at a time, a frozen one may be read from
// any goroutine.
package stream
