// Package hooks builds the links of a channel's per-stream media chains:
// audio hooks (spy, whisper, manipulate) on top of [channel.AudioHook], and
// frame hook helpers on top of [channel.FrameHook]. It follows Asterisk's
// audiohook.c and framehook.c, except that every hook names the stream it
// works on: a recorder can tap the second audio stream of a call, not only
// the default one.
//
// # A call
//
// A supervisor listens in on an agent's call and coaches the agent:
//
//	spy, _ := hooks.NewSpy(hooks.SpyConfig{Paths: reg})       // what the agent says and hears
//	spy.Attach(agent, channel.DefaultStreams)
//	coach, _ := hooks.NewWhisper(hooks.WhisperConfig{Paths: reg}) // heard by the agent only
//	coach.Attach(agent, channel.DefaultStreams)
//	go func() {
//		for {
//			f, err := spy.ReadFrame(hooks.DirBoth, 160) // 20 ms, both sides mixed
//			if err != nil {
//				return // io.EOF after Detach or hangup
//			}
//			send(supervisor, f)
//		}
//	}()
//	coach.Write(samplesFromSupervisor)
//	...
//	spy.Detach()
//	coach.Detach()
//
// A call recorder is the same spy with a file writer behind ReadFrame;
// [Volume] and [Mute] change what a party says or hears; a [DTMFDetector]
// gives a dialplan application the digits the caller presses.
//
// # Where the hooks sit
//
// Each stream of a channel has a read chain and a write chain:
//
//	read:  driver → frame hooks → audio hooks → translation → application
//	write: application → frame hooks → audio hooks → translation → driver
//
// On one stream the audio hooks run spies first, then whispers, then
// manipulators ([OrderSpy], [OrderWhisper], [OrderManipulate]), in attach
// order within each kind; so a spy hears the party as it is, and a volume
// applies to the whispered audio too. "Read" is what the party says,
// "write" what it hears ([DirRead], [DirWrite]).
//
// Audio hooks work on signed linear samples (little-endian int16 in frame
// payloads). A frame already in signed linear is edited in place; any other
// voice frame is decoded through the [channel.PathBuilder] given at
// construction (package translate's Registry) and encoded back only when
// the hook changed its audio, so an idle whisper or a zero gain never
// re-encodes. Paths are cached per (source, destination) format and built
// again when the stream's format changes. Spies deliver audio at their own
// rate (resampling through the paths); whispers and manipulators work at
// the stream's own rate. Stateful codecs (G.722) may click for a few
// milliseconds when a hook starts or stops changing their audio.
//
// # Lifecycle
//
// Every hook has the same lifecycle ([Status]):
//
//	        Attach                 Detach, or the channel hangs up
//	New ────────────▶ Running ─────────────────────────────────▶ ShuttingDown
//	 │                                                                │
//	 │ Detach (never attached)              the frame in progress ends │
//	 └──────────────────────────────▶ Done ◀──────────────────────────┘
//
// Attach and Detach are safe from any goroutine. Detach takes effect before
// the next frame (the channel removes the hook from its lists at once), is
// idempotent, never blocks — it may be called from inside the hook's own
// callbacks — and Done reports when the hook has left the channel. A hook
// is attached once: build a new one to attach again. While a channel has
// an audio hook, [channel.Channel.NeedsAudio] reports true, so a bridge
// stops native (packet-relay) bridging.
//
// # Goroutines
//
// The package starts no goroutines. The channel calls AudioFrame and
// FrameEvent on its reading goroutine (read direction) and inside its
// serialised write path (write direction), never concurrently for one hook,
// and delivers Detached exactly once as the last call. The other methods —
// [Spy.ReadFrame], [Whisper.Write], [Volume.SetGain], [Mute.SetMuted],
// [DTMFDetector.Digits] — belong to the hook's user and may run on any
// goroutine. A Spy reader blocked in ReadFrame is woken with io.EOF when
// the spy is detached or the channel hangs up (after the buffered audio has
// been read), or with [ErrDeadline].
//
// # Memory
//
// Nothing a hook buffers grows with time. A spy keeps at most
// [SpyConfig.Buffer] of audio per direction in rings allocated at
// construction and drops the oldest audio when its reader stalls
// ([Spy.Dropped] counts it); a whisper queues at most
// [WhisperConfig.Buffer] and [Whisper.Write] takes only what fits; the
// digit channel of a DTMFDetector is bounded and drops when full. In steady
// state the media path allocates nothing but pooled frames.
//
// # Ownership
//
// The usual frame rules apply (package core/frame). Hooks borrow the frame
// the channel passes and never keep it or its payload. A hook that
// re-encodes returns a new frame it owns, which the channel then owns and
// releases. [Spy.ReadFrame] returns a new frame owned by the caller. Samples
// given to Write are copied; the samples slice a [ManipulateFunc] receives
// is valid only during the call.
//
// # Locking
//
// Every hook has a lifecycle lock; spies and whispers also have one for
// their buffers, and a spy serialises its readers with a third, taken
// before the buffer lock. Hooks never hold a lock while calling into the
// channel or into user code (callbacks, ManipulateFunc), and never block
// the media path on a reader: the buffer lock is held only to copy
// samples. The channel serialises calls into a hook with a lock of its
// own, taken before any of the hook's (channel → hook, never the reverse).
package hooks
