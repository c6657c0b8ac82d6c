package hooks

import (
	"fmt"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Defaults.
const (
	// DefaultRate is the signed linear rate of spies and whispers.
	DefaultRate = 8000
	// DefaultSpyBuffer is how much audio a spy keeps per direction for a
	// slow reader (Asterisk flushes spy factories beyond 500 ms as well).
	DefaultSpyBuffer = 500 * time.Millisecond
	// DefaultSpyLag is how far one direction may run ahead of the other
	// before a mixed read substitutes silence for the missing side.
	DefaultSpyLag = 100 * time.Millisecond
	// DefaultWhisperBuffer is how much audio a whisper queues.
	DefaultWhisperBuffer = time.Second
	// DefaultDigitBuffer is how many digits a DTMF detector queues.
	DefaultDigitBuffer = 16
)

// SpyConfig configures a [Spy]. The zero value is a valid configuration
// for slin8 streams (any other format needs Paths).
type SpyConfig struct {
	// Direction is the audio the spy copies; zero means DirBoth.
	Direction Direction
	// Rate is the sample rate of the spy's signed linear output: 8000,
	// 16000 or 48000; zero means 8000. Audio at other rates is resampled
	// through Paths.
	Rate int
	// Buffer is how much audio each direction keeps for a reader that
	// falls behind; zero means 500 ms. Older audio is dropped (and counted)
	// beyond it: a stalled reader never grows memory.
	Buffer time.Duration
	// Lag is how far one direction may run ahead of the other before a
	// mixed read ([Spy.ReadFrame] with DirBoth) stops waiting for the
	// lagging side and substitutes silence; zero means 100 ms.
	Lag time.Duration
	// Paths builds translation paths (package translate's Registry) to
	// convert voice in other formats or rates. Nil means the spy only
	// copies frames already in signed linear at Rate and counts the others
	// in Failed.
	Paths channel.PathBuilder
}

// WhisperConfig configures a [Whisper].
type WhisperConfig struct {
	// Direction is where the audio goes: DirWrite (the default) mixes it
	// into what the party hears, DirRead into what the party says (what the
	// PBX, a bridge peer or a recorder receives). DirBoth is invalid.
	Direction Direction
	// Rate is the sample rate of the samples given to [Whisper.Write]:
	// 8000, 16000 or 48000; zero means 8000.
	Rate int
	// Buffer is how much audio Write can queue ahead; zero means 1 s.
	Buffer time.Duration
	// Paths builds translation paths to decode and re-encode frames that
	// are not signed linear, and to resample the whispered audio to the
	// stream's rate. Nil limits the whisper to signed linear streams at
	// Rate.
	Paths channel.PathBuilder
}

// ManipulatorConfig configures a [Manipulator].
type ManipulatorConfig struct {
	// Direction is the audio the manipulator edits; zero means DirBoth.
	Direction Direction
	// Func edits the audio. Required.
	Func ManipulateFunc
	// Paths builds translation paths to decode and re-encode frames that
	// are not signed linear. Nil limits the manipulator to signed linear
	// streams.
	Paths channel.PathBuilder
}

// VolumeConfig configures a [Volume]. Gains follow Asterisk: above 0
// multiplies, below 0 divides by the magnitude, 0 leaves audio unchanged.
type VolumeConfig struct {
	// ReadGain applies to what the party says, WriteGain to what it hears.
	ReadGain, WriteGain int
	// Paths: see [ManipulatorConfig].
	Paths channel.PathBuilder
}

// MuteConfig configures a [Mute].
type MuteConfig struct {
	// Muted is the direction muted from the start; zero mutes nothing.
	Muted Direction
	// Paths: see [ManipulatorConfig].
	Paths channel.PathBuilder
}

// FrameHookConfig configures a [FrameHook]. Every callback is optional.
//
// OnRead and OnWrite follow [channel.FrameHook]: they run on the channel's
// reading goroutine and inside its serialised write path respectively,
// never concurrently with each other; they borrow f and return f (maybe
// edited in place) to pass it on, nil to consume it, or a frame they own
// to replace it. A nil OnRead or OnWrite passes frames through.
type FrameHookConfig struct {
	// Kinds limits the frames the hook sees; empty means every kind.
	Kinds []frame.Kind
	// OnRead sees frames read from the party.
	OnRead func(f *frame.Frame) *frame.Frame
	// OnWrite sees frames about to be written to the party.
	OnWrite func(f *frame.Frame) *frame.Frame
	// OnAttached runs inside Attach, before it returns.
	OnAttached func()
	// OnDetached runs exactly once, as the last callback, after Detach took
	// effect or the channel hung up. It does not run for a hook that was
	// never attached.
	OnDetached func()
}

// DTMFConfig configures a [DTMFDetector].
type DTMFConfig struct {
	// Direction is where digits are detected: DirRead (the default) for
	// digits the party presses, DirWrite for digits sent to it, DirBoth.
	Direction Direction
	// Buffer is how many undelivered digits the detector queues; zero
	// means 16. Digits beyond it are dropped and counted.
	Buffer int
	// Inband also detects digits sent as tones in the audio (for phones
	// without RFC 4733 telephone-events). It makes the hook need audio.
	Inband bool
	// Paths converts voice to signed linear for in-band detection; nil
	// limits in-band detection to slin8 streams.
	Paths channel.PathBuilder
}

// samplesOf returns the number of samples of d at rate, or 0 for d <= 0.
func samplesOf(d time.Duration, rate int) int {
	if d <= 0 {
		return 0
	}
	return int(int64(d) * int64(rate) / int64(time.Second))
}

// slinRate validates a configured rate (0 means the default) and returns
// its signed linear format.
func slinRate(kind string, rate int) (format.Format, error) {
	if rate == 0 {
		rate = DefaultRate
	}
	f, ok := format.SLin(rate)
	if !ok {
		return format.Format{}, fmt.Errorf("hooks: %s rate %d: %w", kind, rate, ErrConfig)
	}
	return f, nil
}
