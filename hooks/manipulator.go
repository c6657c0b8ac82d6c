package hooks

import (
	"fmt"
	"sync/atomic"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
)

// ManipulateFunc edits one frame's audio in place: samples are signed
// linear at rate (the stream's own rate: 8000 for G.711, 16000 for G.722
// and slin16, ...). It reports whether it changed anything; unchanged audio
// is passed on without re-encoding.
//
// It runs on the channel's goroutine for dir (the reading goroutine for
// DirRead, the serialised write path for DirWrite), never concurrently
// with itself. It must not block, and must not keep samples after it
// returns.
type ManipulateFunc func(dir Direction, samples []int16, rate int) (changed bool)

// Manipulator edits a stream's audio in place with a [ManipulateFunc]:
// volume, mute, DSP. See [Volume] and [Mute] for the two shipped ones.
// Frames already in signed linear are edited in place; others are decoded
// to signed linear at their own rate through the configured paths and
// encoded back when the function changed them.
type Manipulator struct {
	lifecycle
	dir    Direction
	fn     ManipulateFunc
	idle   func(Direction) bool // optional: skip the frame without decoding
	conv   [2]converter
	failed atomic.Uint64
}

var (
	_ channel.AudioHook    = (*Manipulator)(nil)
	_ channel.AudioOrderer = (*Manipulator)(nil)
	_ channel.Detacher     = (*Manipulator)(nil)
)

// NewManipulator returns a manipulator in [StatusNew]; attach it with
// [Manipulator.Attach].
func NewManipulator(cfg ManipulatorConfig) (*Manipulator, error) {
	if cfg.Func == nil {
		return nil, fmt.Errorf("hooks: manipulator without Func: %w", ErrConfig)
	}
	if cfg.Direction == DirUnknown {
		cfg.Direction = DirBoth
	}
	if !cfg.Direction.valid() {
		return nil, fmt.Errorf("hooks: manipulator direction %d: %w", cfg.Direction, ErrConfig)
	}
	m := &Manipulator{dir: cfg.Direction, fn: cfg.Func}
	m.init("manipulator")
	for i := range m.conv {
		m.conv[i].init(cfg.Paths, &m.failed)
	}
	return m, nil
}

// Attach attaches the manipulator to the audio stream named stream of ch
// ("" for the default audio stream). See [Spy.Attach] for the errors.
func (m *Manipulator) Attach(ch *channel.Channel, stream string) error {
	return m.attach(ch, func() (channel.HookID, error) { return ch.AttachAudioHook(stream, m) })
}

// AudioOrder implements [channel.AudioOrderer]: manipulators run last.
func (m *Manipulator) AudioOrder() int { return OrderManipulate }

// Detached implements [channel.Detacher]; the channel calls it once.
func (m *Manipulator) Detached() { m.finish() }

// Failed returns how many frames the manipulator could not convert.
func (m *Manipulator) Failed() uint64 { return m.failed.Load() }

// AudioFrame implements [channel.AudioHook]: it runs the function on f's
// audio and returns the frame to pass on.
func (m *Manipulator) AudioFrame(dir channel.Direction, f *frame.Frame) *frame.Frame {
	d := fromChannel(dir)
	if !m.dir.has(d) || !m.running() || (m.idle != nil && m.idle(d)) {
		return f
	}
	c := &m.conv[d.index()]
	s, rate, ok := c.begin(f)
	if !ok {
		return f
	}
	return c.commit(f, m.fn(d, s, rate))
}
