package hooks

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/internal/dtmf"
)

// Digit is a DTMF digit reported by a [DTMFDetector].
type Digit struct {
	// Digit is '0'-'9', '*', '#' or 'A'-'D'.
	Digit rune
	// Duration is how long the key was held, when known.
	Duration time.Duration
	// Dir says whether the party pressed it (DirRead) or it was sent to
	// the party (DirWrite).
	Dir Direction
	// Inband marks a digit found in the audio rather than in a DTMFEnd
	// frame.
	Inband bool
}

// String returns the digit as a one-character string.
func (d Digit) String() string { return string(d.Digit) }

// DTMFDetector is a frame hook that reports the DTMF digits passing a
// channel on a Go channel, for a dialplan application or a test. It
// passes every frame on unchanged. Digits come from DTMFEnd frames and,
// with [DTMFConfig.Inband], from tones in the audio.
//
// The digit channel is bounded ([DTMFConfig.Buffer]) and never blocks the
// media path: when the reader falls behind, new digits are dropped and
// counted ([DTMFDetector.Dropped]). It is closed when the detector is done,
// so `for d := range det.Digits()` ends after Detach or hangup.
type DTMFDetector struct {
	*FrameHook
	dir     Direction
	digits  chan Digit
	dropped atomic.Uint64
	failed  atomic.Uint64

	// In-band detection, per direction; media path only.
	inband [2]*dtmf.InbandDetector
	conv   [2]converter
	sig    []dtmf.Signal
}

var (
	_ channel.FrameHook  = (*DTMFDetector)(nil)
	_ channel.KindFilter = (*DTMFDetector)(nil)
)

// NewDTMFDetector returns a detector in [StatusNew]; attach it with Attach
// (usually to [channel.DefaultStreams]: DTMF frames reach hooks on every
// stream, in-band detection listens to the selected audio stream).
func NewDTMFDetector(cfg DTMFConfig) (*DTMFDetector, error) {
	if cfg.Direction == DirUnknown {
		cfg.Direction = DirRead
	}
	if !cfg.Direction.valid() {
		return nil, fmt.Errorf("hooks: dtmf direction %d: %w", cfg.Direction, ErrConfig)
	}
	if cfg.Buffer == 0 {
		cfg.Buffer = DefaultDigitBuffer
	}
	if cfg.Buffer < 0 {
		return nil, fmt.Errorf("hooks: dtmf buffer %d: %w", cfg.Buffer, ErrConfig)
	}
	d := &DTMFDetector{dir: cfg.Direction, digits: make(chan Digit, cfg.Buffer)}
	kinds := []frame.Kind{frame.DTMFEnd}
	if cfg.Inband {
		kinds = append(kinds, frame.Voice)
		for i := range d.inband {
			if d.dir.has(dirOfIndex(i)) {
				d.inband[i] = dtmf.NewInbandDetector(dtmf.InbandConfig{Rate: format.SLin8.Rate()})
			}
			d.conv[i].init(cfg.Paths, &d.failed)
		}
		d.sig = make([]dtmf.Signal, 0, 8)
	}
	h, err := NewFrameHook(FrameHookConfig{
		Kinds:   kinds,
		OnRead:  func(f *frame.Frame) *frame.Frame { return d.see(DirRead, f) },
		OnWrite: func(f *frame.Frame) *frame.Frame { return d.see(DirWrite, f) },
	})
	if err != nil {
		return nil, err
	}
	h.kind = "dtmf detector"
	h.onDone = func() { close(d.digits) }
	d.FrameHook = h
	return d, nil
}

// Digits returns the channel digits are delivered on. It is closed when
// the detector is done.
func (d *DTMFDetector) Digits() <-chan Digit { return d.digits }

// Dropped returns how many digits were dropped because the digit channel
// was full.
func (d *DTMFDetector) Dropped() uint64 { return d.dropped.Load() }

// Failed returns how many voice frames in-band detection could not
// convert to signed linear.
func (d *DTMFDetector) Failed() uint64 { return d.failed.Load() }

func (d *DTMFDetector) see(dir Direction, f *frame.Frame) *frame.Frame {
	if !d.dir.has(dir) {
		return f
	}
	switch f.Kind {
	case frame.DTMFEnd:
		d.emit(Digit{Digit: f.Digit, Duration: f.Duration, Dir: dir})
	case frame.Voice:
		i := dir.index()
		if d.inband[i] == nil {
			break
		}
		s, ok := d.conv[i].samplesAt(f, format.SLin8)
		if !ok {
			break
		}
		d.sig = d.inband[i].Process(s, d.sig[:0])
		for _, sg := range d.sig {
			if sg.Kind == dtmf.End {
				d.emit(Digit{Digit: sg.Digit, Duration: sg.Duration, Dir: dir, Inband: true})
			}
		}
	default:
	}
	return f
}

// emit delivers a digit without blocking. It runs inside a hook call, which
// the channel serialises with the Detached event that closes the channel.
func (d *DTMFDetector) emit(dg Digit) {
	select {
	case d.digits <- dg:
	default:
		d.dropped.Add(1)
	}
}
