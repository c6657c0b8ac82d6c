// Package fileplay plays media files to channels and records channels to
// files: prompts (WAV and raw audio), multi-track Matroska/WebM containers,
// the dialplan's Record, and MixMonitor call recording.
//
// # A call
//
// A caller dials the demo extension; the dialplan runs Playback(welcome).
// The runner calls [Player.Play] on the call's goroutine. Play looks the
// prompt up ([Player.Find]: sounds/en/welcome.wav, welcome.wav16, …, then
// sounds/welcome.*), picks the file whose format the channel's default
// audio stream takes without translation, else the cheapest translation
// ([Player.Choose]), and plays it: one 20 ms frame after another, each at
// start + n×20 ms, written with Channel.WriteStream so hooks see them,
// while the channel is read for DTMF that may stop playback. Then the
// dialplan runs Record(msg.wav,3,60): a beep, then the caller's audio goes
// into msg.wav until #, three seconds of silence, a minute, or hangup,
// and RECORD_STATUS says which.
//
// MixMonitor(call.wav) before a Dial attaches an audio hook to the
// caller's channel: the hook copies what the caller says and hears into
// two bounded rings, and a writer goroutine mixes them into call.wav —
// through the bridge, the prompts, anything, because it sits on the
// channel's media path rather than reading the channel. MixMonitor(call.mkv)
// records every stream instead, one Matroska track each, and Play of that
// file sends track n of each media type back to stream n of that type.
//
// # Files
//
//	.wav .wav16          RIFF/WAVE: 16-bit PCM at 8/16/48 kHz, µ-law, A-law (mono)
//	.sln .sln16 .sln48   raw 16-bit little-endian PCM at 8/16/48 kHz
//	.ulaw .alaw          raw G.711
//	.mkv .mka .webm      Matroska/WebM: PCM and Opus audio, VP8/VP9/H.264 video
//
// [Open] reads any of them as a [Reader] of frames; [ReadWAVHeader],
// [NewWAVReader], [NewRawReader] and [NewMatroskaReader] work on any
// io.Reader. Parsing is strict and never trusts a size it has not
// checked: malformed files give errors wrapping the sentinels in
// errors.go ([ErrBadHeader], [ErrChunkSize], [ErrTruncated],
// [ErrCorrupt], [ErrUnsupported]). A playback that meets one plays up to
// the damage and returns the error; the call goes on. [WAVWriter] and
// [MatroskaWriter] write files.
//
// # Goroutines
//
// Play, PlayReader and Record run on the caller's goroutine (the one that
// reads the channel) and start none. Each [Monitor] owns one writer
// goroutine, started by [Player.MixMonitor]; its stop signals are
// [Monitor.Stop], the channel's hangup and a write error; [Monitor.Wait]
// and [Player.Close] wait for it. A [MatroskaWriter] runs ebml-go's two
// writer goroutines between NewMatroskaWriter and Close.
//
// # Frames and locks
//
// Readers return pooled frames the caller owns; playback hands each to the
// channel (which borrows it) and releases it. Taps never keep the frames
// they are shown: audio is copied into their rings, video cloned into
// their queue. Each tap has one mutex guarding its buffers, never held
// while calling out; the Player's mutex guards its list of monitors.
package fileplay
