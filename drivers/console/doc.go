// Package console is the console channel driver: the machine's sound card
// as a phone, "Console/dsp", as Asterisk's console channel. It is the only
// importer of github.com/gen2brain/malgo (miniaudio), which needs cgo; a
// build without cgo compiles the package but [New] returns
// [ErrNotCompiled], so the PBX builds and reports the console as missing.
//
// # Calls
//
// The console has at most one call at a time.
//
//   - The PBX calls the console: the dialplan runs Dial(Console/dsp), the
//     driver's Request opens the sound device and Call rings: a log line
//     ("console ringing") and an [EventRing] for the control endpoint's
//     event stream. The person at the console answers with
//     [Driver.Answer] (or Config.AutoAnswer does) and the dialler reads an
//     Answer control frame.
//   - The console calls the PBX: [Driver.Dial] opens the device and creates
//     the console channel as an inbound call entering the dialplan at an
//     extension, run by the configured [Handler] (cmd/pbx passes
//     apps.Runner.Run). The console is off hook, so audio flows at once.
//
// [Driver.Hangup], [Driver.SendDTMF] and [Driver.SetMute] are the other
// console commands; [Driver.Devices] lists the sound devices. A call's
// lifecycle:
//
//	Request ──Call──▶ ringing ──Answer()/auto──▶ up ──┐
//	Dial ──────────────────────────────────────▶ up ──┼──Hangup()/far end──▶ ended
//	                  ringing ──Hangup()──────────────┘   (device closed, console free)
//
// The sound device is opened when a call starts and closed when it ends:
// nothing is held between calls, and a machine without a sound card fails
// only the console's calls, with a [DeviceError] that the dialler sees as
// CHANUNAVAIL (channel.CauseChannelNotAvailable).
//
// # Media
//
// The channel is a legacy driver ([channel.Legacy]): its native format is
// signed linear at Config.Rate (8, 16 or 48 kHz), mono, 20 ms frames; the
// core translates whatever the far end speaks. The device runs duplex, S16
// mono, with 20 ms periods.
//
// Two single-producer single-consumer rings (type ring, at least 16
// frames each, preallocated when the call starts) connect the audio thread
// to the channel:
//
//	capture:  audio thread ──write──▶ ring ──read──▶ ReadFrame (channel's read pump)
//	playback: WriteFrame (channel's write path) ──write──▶ ring ──read──▶ audio thread
//
// Each side owns one index and only loads the other's, so the rings use
// atomics alone. The data callback copies the device's buffers (C memory,
// valid only during the callback) into and out of the rings and bumps
// atomic counters; it never blocks, allocates or logs. (malgo itself, in
// v0.11.24, takes a global mutex for a map lookup before calling it; that
// lock is only contended while a device is being opened or closed.)
// Before an incoming call is answered it plays silence and ignores the
// microphone.
//
// Underruns (the speaker wants audio the far end has not sent) play
// silence. Overruns drop the oldest audio: a writer that finds its ring
// full keeps what fits and raises an overflow flag, and the ring's reader
// then discards everything buffered, as stale; a reader that finds more
// than 100 ms buffered drops the oldest audio down to 40 ms, which bounds
// the latency the console adds. Only the reader moves the read index, so
// no byte is ever written while it is being read. [Driver.Stats] counts
// underruns and overruns in samples.
//
// ReadFrame waits for captured audio by polling the capture ring every
// 10 ms rather than being woken by the audio thread, which must not touch
// a channel or a lock.
//
// # Goroutines and ownership
//
//   - The audio thread (miniaudio's, calling into Go) runs the data
//     callback between the device's Start and Close. Close waits for it.
//   - The channel's read pump (owned by the registry) calls ReadFrame; the
//     frames it returns belong to the caller. WriteFrame borrows its frame
//     and copies the samples into the playback ring.
//   - For each call placed with Dial the driver runs the handler on a
//     goroutine it owns; [Driver.Close] waits for them.
//   - Console commands run on the caller's goroutine (the control
//     endpoint's). Events are delivered on the goroutine where they
//     happen, with no lock held.
//
// Locks: the driver's mu guards the current call; each call's mu guards
// its signalling state. They are never held together, nor while calling
// the core, the device or an event callback.
//
// # Testing
//
// The package declares the small device and system interfaces it needs
// from malgo, so most tests run on a fake device without hardware; tests
// built with cgo also run on miniaudio's null backend (no hardware, paced
// in real time).
package console
