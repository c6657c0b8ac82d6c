// Package frame defines [Frame], the unit of media and signalling that flows
// through channels, hooks, translators and bridges, and its pool.
//
// # Ownership
//
// A frame has exactly one owner at a time.
//
//   - A frame that is returned changes owner: [Get], a driver's ReadFrame,
//     a translator's output, [Frame.Clone].
//   - A frame passed as an argument is borrowed: the callee must not keep f
//     or f.Payload after it returns; it calls [Frame.Clone] to keep one.
//   - A frame that crosses goroutines (through a Go channel or a queue) is
//     a clone or an explicit transfer, named in the doc comment ("Queue
//     takes ownership of f").
//   - Only the owner calls [Frame.Release]. Releasing a frame that did not
//     come from the pool does nothing; releasing twice is ignored (and
//     panics under the "invariants" build tag, which also poisons released
//     payloads).
//
// There is no reference count: a fan-out clones per destination.
//
// # Pool
//
// [Get] returns a frame whose payload buffer keeps [Headroom] bytes in
// front of the payload, so the SIP driver can write the 12-byte RTP header
// in place ([Frame.Prepend]) without copying. Buffers come in size classes
// (320, 1280, 3840 and 16384 bytes of payload) chosen for 20 ms of signed
// linear at 8, 16 (two channels) and 48 kHz and for video packets. A
// steady-state Get/Release cycle allocates nothing.
//
// Frames are not safe for concurrent use.
package frame
