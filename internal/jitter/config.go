package jitter

import (
	"fmt"
	"time"
)

// Config configures a [Buffer]. Zero fields take the defaults listed.
type Config struct {
	// Rate is the RTP clock rate of the stream; zero means 8000.
	Rate int
	// FrameDuration is the duration of one packet and of one frame out of
	// Pop (the stream's ptime); zero means 20 ms. Each packet must carry
	// exactly one frame: a driver receiving other packet sizes re-frames
	// before Push.
	FrameDuration time.Duration
	// MinDelay is the lowest target delay, the floor on a clean network;
	// zero means 20 ms. Negative means no floor.
	MinDelay time.Duration
	// MaxDelay is the highest target delay; zero means 300 ms. At most 5 s.
	MaxDelay time.Duration
	// InitialDelay is the target delay for the first second, before enough
	// packets have been seen to measure jitter; zero means 40 ms. It is
	// clamped to [MinDelay, MaxDelay].
	InitialDelay time.Duration
	// MaxPayload is the largest payload stored; larger packets are counted
	// as invalid and dropped. Zero means two bytes per sample of one frame
	// (320 at 8 kHz and 20 ms), enough for G.711, slin and Opus.
	MaxPayload int
	// Concealer, if not nil, produces replacement audio for missing frames.
	// Without one, Pop reports Concealed with a nil payload and the caller
	// conceals (for example an Opus decoder given no packet).
	Concealer Concealer
	// ConcealLimit is how much audio is concealed in a row before Pop
	// switches to Silence; zero means 60 ms (the point where a G.711
	// Appendix I concealment has faded out).
	ConcealLimit time.Duration
}

const maxMaxDelay = 5 * time.Second

// withDefaults returns cfg with defaults applied, or an error.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Rate == 0 {
		cfg.Rate = 8000
	}
	if cfg.FrameDuration == 0 {
		cfg.FrameDuration = 20 * time.Millisecond
	}
	if cfg.MinDelay == 0 {
		cfg.MinDelay = 20 * time.Millisecond
	}
	cfg.MinDelay = max(cfg.MinDelay, 0)
	if cfg.MaxDelay == 0 {
		cfg.MaxDelay = 300 * time.Millisecond
	}
	if cfg.InitialDelay == 0 {
		cfg.InitialDelay = 40 * time.Millisecond
	}
	if cfg.ConcealLimit == 0 {
		cfg.ConcealLimit = 60 * time.Millisecond
	}
	switch {
	case cfg.Rate < 0:
		return cfg, fmt.Errorf("%w: negative Rate %d", ErrInvalidConfig, cfg.Rate)
	case cfg.FrameDuration < 0:
		return cfg, fmt.Errorf("%w: negative FrameDuration %v", ErrInvalidConfig, cfg.FrameDuration)
	case frameSamples(cfg) < 1:
		return cfg, fmt.Errorf("%w: FrameDuration %v is less than one sample at %d Hz", ErrInvalidConfig, cfg.FrameDuration, cfg.Rate)
	case cfg.MaxDelay < cfg.MinDelay:
		return cfg, fmt.Errorf("%w: MaxDelay %v below MinDelay %v", ErrInvalidConfig, cfg.MaxDelay, cfg.MinDelay)
	case cfg.MaxDelay > maxMaxDelay:
		return cfg, fmt.Errorf("%w: MaxDelay %v above %v", ErrInvalidConfig, cfg.MaxDelay, maxMaxDelay)
	case cfg.MaxPayload < 0:
		return cfg, fmt.Errorf("%w: negative MaxPayload %d", ErrInvalidConfig, cfg.MaxPayload)
	}
	if cfg.MaxPayload == 0 {
		cfg.MaxPayload = 2 * frameSamples(cfg)
	}
	cfg.InitialDelay = min(max(cfg.InitialDelay, cfg.MinDelay), cfg.MaxDelay)
	return cfg, nil
}

func frameSamples(cfg Config) int {
	return int(int64(cfg.FrameDuration) * int64(cfg.Rate) / int64(time.Second))
}
