// Package translate converts voice frames between audio formats: µ-law,
// A-law, signed linear at 8, 16 and 48 kHz, G.722, and Opus (decode only),
// plus any step a plugin registers. It follows Asterisk's main/translate.c.
//
// # The call scenario
//
// A SIP phone offers only G.722 and is bridged to a trunk that speaks
// only A-law. For each direction of each audio stream the channel core asks
// the registry for a path once, then pushes every frame through it:
//
//	reg := translate.NewRegistry()                    // once, in cmd/pbx
//	p, err := reg.BuildPath(format.ALaw, format.G722) // per channel, stream, direction
//	// p goes alaw -> slin -> slin16 -> g722
//	out, err := p.Translate(in)                       // per frame
//
// The channel core sees the registry as its channel.PathBuilder:
// [Registry.Build] returns the same path typed as channel.Translator.
//
// When the stream's format changes mid-call (a re-INVITE), the channel
// compares the new format with [Path.Src] or [Path.Dst] and builds a new
// path; paths never change formats. [Registry.BestChoice] picks the formats
// two parties should use in the first place, and [Registry.Table] prints
// the route table (Asterisk's "core show translation").
//
// # Registry, steps and costs
//
// A [Step] is one direct conversion (ulaw→slin, slin8→slin48, ...) with a
// constructor for per-stream instances. The [Registry] keeps, for every
// pair of formats, the cheapest route of steps. A step's table cost comes
// from Asterisk's tiers ([DefaultCost]): lossless beats lossy, keeping the
// rate beats up-sampling, which beats down-sampling. Costs add up along a
// route, and any direct step beats every multi-step route. Computational
// cost (CPU time per second of audio) only breaks ties; the built-in steps
// carry fixed values taken from this package's benchmarks, so the table is
// deterministic. Video is never transcoded: video formats give [ErrVideo].
//
// Building a path from a format to itself gives [ErrSameFormat]: the
// caller should pass frames through rather than copy them through an
// identity path.
//
// # Payloads
//
// Signed linear payloads (slin, slin16, slin48) are mono, little-endian,
// 16-bit two's complement samples. G.711 payloads are one byte per sample.
// G.722 is the 64 kbit/s mode, one byte per pair of 16 kHz samples; its RTP
// clock is 8000 Hz (RFC 3551 §4.5.2), so its timestamps run at half the
// sample rate while Samples counts 16 kHz samples. Opus payloads are RTP
// Opus packets (RFC 7587); stereo is downmixed to mono 48 kHz.
//
// Output frames carry the input's Stream, Marker and SeqNo, the Timestamp
// rescaled to the destination clock rate, and Samples. Resamplers add a
// fixed delay of 2.5 ms (8 kHz side) or 1.25 ms (16 kHz side) and carry their
// filter history across frames, so there are no clicks at frame edges.
//
// # Ownership
//
// Translate borrows its input: it never keeps in or in.Payload after it
// returns, and never releases it. It returns a new frame from [frame.Get]
// owned by the caller, who releases it (or passes it on). A path releases
// the intermediate frames between its steps itself. (nil, nil) means "no
// output for this input".
//
// # Concurrency
//
// A [Path] (and every step instance) holds per-stream state and is used by
// one goroutine at a time, like the stream direction it serves; it starts
// no goroutines. A [Registry] is safe for concurrent use: Build and the
// lookups share a read lock, Register takes the write lock, and step
// constructors run with no lock held. There is one lock.
//
// # Allocation
//
// In steady state a path allocates nothing but its pooled output frame;
// scratch buffers grow to the largest frame seen and are then reused.
//
// # Libraries
//
// G.711 uses github.com/zaf/g711's per-sample functions (the whole-buffer
// ones allocate). G.722 uses github.com/gotranspile/g722. Opus decoding
// uses github.com/pion/opus (pure Go, decoder only). The resampler is this
// package's own polyphase windowed-sinc FIR. None of these libraries' types
// appear in the API.
package translate
