package hooks

import (
	"sync/atomic"
)

// Volume is a [Manipulator] that changes the gain of what the party says
// (read) and hears (write), with Asterisk's semantics: a gain above 0
// multiplies the samples, below 0 divides them by the magnitude, 0 leaves
// them unchanged (and costs nothing: the frame is not decoded); results
// saturate at ±32767. Gains can be changed from any goroutine while the
// hook runs; the next frame uses them.
type Volume struct {
	*Manipulator
	gains [2]atomic.Int32 // read, write
}

// NewVolume returns a volume hook in [StatusNew]; attach it with Attach.
func NewVolume(cfg VolumeConfig) (*Volume, error) {
	v := &Volume{}
	m, err := NewManipulator(ManipulatorConfig{Direction: DirBoth, Func: v.apply, Paths: cfg.Paths})
	if err != nil {
		return nil, err
	}
	m.kind = "volume"
	m.idle = func(d Direction) bool { return v.gains[d.index()].Load() == 0 }
	v.Manipulator = m
	v.SetGain(DirRead, cfg.ReadGain)
	v.SetGain(DirWrite, cfg.WriteGain)
	return v, nil
}

func (v *Volume) apply(d Direction, s []int16, _ int) bool {
	g := int(v.gains[d.index()].Load())
	if g == 0 {
		return false
	}
	ApplyGain(s, g)
	return true
}

// SetGain sets the gain of dir (DirBoth sets both).
func (v *Volume) SetGain(dir Direction, gain int) {
	g := int32(max(min(gain, 1<<16), -(1 << 16)))
	if dir.has(DirRead) {
		v.gains[0].Store(g)
	}
	if dir.has(DirWrite) {
		v.gains[1].Store(g)
	}
}

// AdjustGain adds delta to the gain of dir (DirBoth adjusts both), like
// Asterisk's ast_audiohook_volume_adjust.
func (v *Volume) AdjustGain(dir Direction, delta int) {
	if dir.has(DirRead) {
		v.gains[0].Add(int32(delta))
	}
	if dir.has(DirWrite) {
		v.gains[1].Add(int32(delta))
	}
}

// Gain returns the gain of DirRead or DirWrite; like Asterisk, DirBoth
// (or any other value) returns 0.
func (v *Volume) Gain(dir Direction) int {
	if dir != DirRead && dir != DirWrite {
		return 0
	}
	return int(v.gains[dir.index()].Load())
}

// Mute is a [Manipulator] that silences what the party says (read), what
// it hears (write) or both. Muting can be switched from any goroutine
// while the hook runs; the next frame follows. An unmuted direction costs
// nothing (the frame is not decoded).
type Mute struct {
	*Manipulator
	muted [2]atomic.Bool
}

// NewMute returns a mute hook in [StatusNew]; attach it with Attach.
func NewMute(cfg MuteConfig) (*Mute, error) {
	mu := &Mute{}
	m, err := NewManipulator(ManipulatorConfig{Direction: DirBoth, Func: mu.apply, Paths: cfg.Paths})
	if err != nil {
		return nil, err
	}
	m.kind = "mute"
	m.idle = func(d Direction) bool { return !mu.muted[d.index()].Load() }
	mu.Manipulator = m
	if cfg.Muted != DirUnknown {
		mu.SetMuted(cfg.Muted, true)
	}
	return mu, nil
}

func (mu *Mute) apply(d Direction, s []int16, _ int) bool {
	if !mu.muted[d.index()].Load() {
		return false
	}
	clear(s)
	return true
}

// SetMuted mutes or unmutes dir (DirBoth: both).
func (mu *Mute) SetMuted(dir Direction, muted bool) {
	if dir.has(DirRead) {
		mu.muted[0].Store(muted)
	}
	if dir.has(DirWrite) {
		mu.muted[1].Store(muted)
	}
}

// Muted reports whether dir is muted (DirBoth: both are).
func (mu *Mute) Muted(dir Direction) bool {
	switch dir {
	case DirRead, DirWrite:
		return mu.muted[dir.index()].Load()
	case DirBoth:
		return mu.muted[0].Load() && mu.muted[1].Load()
	case DirUnknown:
		return false
	}
	return false
}
