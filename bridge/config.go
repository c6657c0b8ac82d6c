package bridge

import (
	"fmt"
	"log/slog"
	"time"
)

// Defaults used for zero [Config] fields.
const (
	// DefaultVideoUpdateInterval is the minimum time between two video
	// update (key frame) requests the bridge writes to the same member.
	DefaultVideoUpdateInterval = 500 * time.Millisecond
	// DefaultTalkThreshold is the mean absolute sample value above which a
	// 20 ms block counts as speech (Asterisk's dsp_talking_threshold).
	DefaultTalkThreshold = 160
	// DefaultTalkHangover is how long a talker must stay below the threshold
	// before EventSilent is reported.
	DefaultTalkHangover = 500 * time.Millisecond
	// DefaultNativeCheckInterval is how often a natively bridged member
	// re-checks whether native bridging is still allowed (a hook may have
	// been attached meanwhile).
	DefaultNativeCheckInterval = time.Second
	// MixInterval is the mixing period: one tick of the mixer produces 20 ms
	// of audio for every participant.
	MixInterval = 20 * time.Millisecond
)

// Config configures a [Bridge]. The zero value is a two-party bridge that
// stays up until closed.
type Config struct {
	// ID names the bridge in logs and events; empty means "bridge".
	ID string
	// Logger is the base logger; nil means slog.Default().
	Logger *slog.Logger
	// Conference makes the bridge mix from the start (ConfBridge): every
	// member hears the mix of the others and video is forwarded SFU-style.
	// Without it the bridge uses the simple (or native) technology for two
	// parties and moves to mixing when a third party joins.
	Conference bool
	// DissolveOnHangup ends the bridge when a member hangs up: the other
	// members leave with LeaveDissolved (Dial's behaviour).
	DissolveOnHangup bool
	// DissolveWhenEmpty ends the bridge when its last member leaves.
	DissolveWhenEmpty bool
	// MaxRate caps the mixing rate: 8000, 16000 or 48000; zero means 48000.
	MaxRate int
	// VideoUpdateInterval throttles the video update (key frame) requests
	// the bridge writes to a member, relayed from another member or its
	// own when a video path starts: at most one per interval, the bridge's
	// own deferred rather than dropped. Zero means
	// DefaultVideoUpdateInterval, negative disables the throttle.
	VideoUpdateInterval time.Duration
	// TalkThreshold is the speech energy threshold (mean absolute sample
	// value of a 20 ms block); zero means DefaultTalkThreshold.
	TalkThreshold int
	// TalkHangover is the silence needed to end a talk spurt; zero means
	// DefaultTalkHangover.
	TalkHangover time.Duration
	// NativeCheckInterval is how often native bridging is re-validated; zero
	// means DefaultNativeCheckInterval.
	NativeCheckInterval time.Duration
	// OnEvent, when set, receives the bridge's events. It is called on the
	// goroutine where the event happened (a member's goroutine, the mixer's
	// ticker or the caller of Close), with no bridge lock held, and must not
	// block: copy the event into a queue if it needs work.
	OnEvent func(Event)
}

func (c *Config) setDefaults() error {
	switch c.MaxRate {
	case 0:
		c.MaxRate = 48000
	case 8000, 16000, 48000:
	default:
		return fmt.Errorf("%w: MaxRate %d (want 8000, 16000 or 48000)", ErrConfig, c.MaxRate)
	}
	if c.ID == "" {
		c.ID = "bridge"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.VideoUpdateInterval == 0 {
		c.VideoUpdateInterval = DefaultVideoUpdateInterval
	}
	if c.TalkThreshold == 0 {
		c.TalkThreshold = DefaultTalkThreshold
	}
	if c.TalkThreshold < 0 {
		return fmt.Errorf("%w: TalkThreshold %d", ErrConfig, c.TalkThreshold)
	}
	if c.TalkHangover <= 0 {
		c.TalkHangover = DefaultTalkHangover
	}
	if c.NativeCheckInterval <= 0 {
		c.NativeCheckInterval = DefaultNativeCheckInterval
	}
	return nil
}
