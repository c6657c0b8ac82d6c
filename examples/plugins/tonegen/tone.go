package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zaf/g711"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
)

const (
	// driverName is the dial-string prefix.
	driverName = "Tone"
	rate       = 8000
	ptime      = 20 * time.Millisecond
	frameLen   = rate / 50 // samples per 20 ms frame
	maxFreqs   = 4
)

var errBadDest = errors.New("tonegen: destination must be freq[+freq…][/slin|/ulaw], 20 to 3900 Hz")

// config is the plugin's configuration section, parsed.
type config struct {
	format    format.Format // preferred: SLin8 or ULaw
	amplitude float64
}

func parseConfig(kv map[string]string) (config, error) {
	cfg := config{format: format.SLin8, amplitude: 0.5}
	for k, v := range kv {
		switch k {
		case "format":
			f, err := parseFormat(v)
			if err != nil {
				return cfg, err
			}
			cfg.format = f
		case "amplitude":
			a, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || a <= 0 || a > 1 {
				return cfg, fmt.Errorf("tonegen: amplitude %q: want a number in (0, 1]", v)
			}
			cfg.amplitude = a
		default:
			return cfg, fmt.Errorf("tonegen: unknown setting %q (want format, amplitude)", k)
		}
	}
	return cfg, nil
}

func parseFormat(s string) (format.Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "slin", "slin8":
		return format.SLin8, nil
	case "ulaw":
		return format.ULaw, nil
	}
	return format.Format{}, fmt.Errorf("tonegen: format %q: want slin or ulaw", s)
}

// parseFreqs parses "440" or "350+440".
func parseFreqs(s string) ([]float64, error) {
	var freqs []float64
	for p := range strings.SplitSeq(s, "+") {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || f < 20 || f > 3900 || len(freqs) == maxFreqs {
			return nil, fmt.Errorf("%w: %q", errBadDest, s)
		}
		freqs = append(freqs, f)
	}
	return freqs, nil
}

// driver creates Tone channels.
type driver struct {
	cfg config
	log *slog.Logger
}

var _ channel.Driver = (*driver)(nil)

func newDriver(cfg config, log *slog.Logger) *driver { return &driver{cfg: cfg, log: log} }

func (d *driver) Name() string { return driverName }

// Request parses dest ("440", "350+440", "440/ulaw") and picks the format:
// the one dest names, else the configured one if want accepts it, else the
// first of slin and ulaw that want accepts, else the configured one.
func (d *driver) Request(_ context.Context, dest string, want *topology.Topology) (channel.Tech, error) {
	freqSpec, fmtSpec, explicit := strings.Cut(dest, "/")
	freqs, err := parseFreqs(freqSpec)
	if err != nil {
		return nil, err
	}
	f := d.cfg.format
	if explicit {
		if f, err = parseFormat(fmtSpec); err != nil {
			return nil, err
		}
	} else if want != nil {
		f = pickFormat(want.FormatsOfType(format.Audio), d.cfg.format)
	}
	d.log.Debug("tone channel requested", "freqs", freqs, "format", f)
	return newTone(freqs, f, d.cfg.amplitude), nil
}

func pickFormat(accepted format.Caps, preferred format.Format) format.Format {
	if accepted.Contains(preferred) {
		return preferred
	}
	for _, f := range accepted.All {
		if f.Is(format.SLin8) || f.Is(format.ULaw) {
			return f
		}
	}
	return preferred
}

// tone is one Tone channel. Its only goroutine is the core's read pump,
// which calls ReadFrame; the ticker pacing it is created and stopped there.
type tone struct {
	format format.Format
	amp    float64 // peak per frequency, in sample units

	answered chan struct{} // closed by Call
	done     chan struct{} // closed by Hangup
	hangOnce sync.Once
	callOnce sync.Once

	// Used only by ReadFrame (the read pump goroutine).
	step, phase []float64 // radians per sample and current phase, per frequency
	ticker      *time.Ticker
	sentAnswer  bool
	ts          uint32
}

var (
	_ channel.Tech   = (*tone)(nil)
	_ channel.Legacy = (*tone)(nil)
)

func newTone(freqs []float64, f format.Format, amplitude float64) *tone {
	t := &tone{
		format:   f,
		amp:      amplitude * math.MaxInt16 / float64(len(freqs)),
		answered: make(chan struct{}),
		done:     make(chan struct{}),
		phase:    make([]float64, len(freqs)),
	}
	for _, fr := range freqs {
		t.step = append(t.step, 2*math.Pi*fr/rate)
	}
	return t
}

// NativeFormats implements channel.Legacy: the one format it sends.
func (t *tone) NativeFormats() format.Caps { return format.NewCaps(t.format) }

// Call answers at once: ReadFrame returns an Answer frame, then the tone.
func (t *tone) Call(context.Context) error {
	select {
	case <-t.done:
		return channel.ErrHangup
	default:
	}
	t.callOnce.Do(func() { close(t.answered) })
	return nil
}

// Answer is a no-op: Tone channels are outbound only and answer
// themselves.
func (t *tone) Answer(context.Context) error { return nil }

// Hangup is idempotent and unblocks ReadFrame.
func (t *tone) Hangup(channel.Cause) error {
	t.hangOnce.Do(func() { close(t.done) })
	return nil
}

// ReadFrame returns the Answer frame once the channel was called, then a
// 20 ms tone frame every 20 ms, and io.EOF after Hangup.
func (t *tone) ReadFrame() (*frame.Frame, error) {
	select {
	case <-t.done:
		return nil, t.eof()
	case <-t.answered:
	}
	if !t.sentAnswer {
		t.sentAnswer = true
		return frame.NewControl(frame.Answer), nil
	}
	if t.ticker == nil {
		t.ticker = time.NewTicker(ptime)
	}
	select {
	case <-t.done:
		return nil, t.eof()
	case <-t.ticker.C:
	}
	return t.next(), nil
}

func (t *tone) eof() error {
	if t.ticker != nil {
		t.ticker.Stop()
	}
	return io.EOF
}

// next generates the next 20 ms frame, continuing the sine's phase.
func (t *tone) next() *frame.Frame {
	ulaw := t.format.Is(format.ULaw)
	size := 2 * frameLen
	if ulaw {
		size = frameLen
	}
	f := frame.Get(size)
	f.Kind = frame.Voice
	f.Format = t.format
	f.Samples = frameLen
	f.Timestamp = t.ts
	f.Marker = t.ts == 0
	t.ts += frameLen
	for i := range frameLen {
		var v float64
		for j := range t.phase {
			v += math.Sin(t.phase[j])
			t.phase[j] = math.Mod(t.phase[j]+t.step[j], 2*math.Pi)
		}
		s := int16(math.Round(v * t.amp))
		if ulaw {
			f.Payload[i] = g711.EncodeUlawFrame(s)
		} else {
			binary.LittleEndian.PutUint16(f.Payload[2*i:], uint16(s))
		}
	}
	return f
}

// WriteFrame discards f.
func (t *tone) WriteFrame(*frame.Frame) error {
	select {
	case <-t.done:
		return channel.ErrHangup
	default:
		return nil
	}
}
