// Package format describes media formats (codecs) and ordered capability
// sets of them.
//
// A [Format] is a small comparable value: a name ("ulaw", "opus", "h264"),
// the [MediaType] it carries, its RTP clock rate, its channel count and an
// optional fmtp string. Two formats are the same codec when [Format.Is]
// reports true; fmtp is carried along but does not change codec identity.
//
// A [Caps] is an ordered set of formats, earlier entries preferred. Caps
// values are immutable: every operation returns a new set, so a Caps may be
// shared between goroutines and topologies without copying or locking.
//
// The package imports nothing from this module.
package format
