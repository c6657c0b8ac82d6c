package hooks

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Whisper mixes audio supplied by the caller into a stream: into what the
// party hears (DirWrite, the default; "whisper" coaching, announcements
// over a call) or into what it says (DirRead). The caller queues signed
// linear samples with [Whisper.Write]; each frame of the chosen direction
// takes as many as it lasts and adds them with saturation. When nothing is
// queued frames pass untouched (and are not re-encoded).
//
// A whisper is heard only while frames flow in its direction: it adds to
// frames, it does not generate them (Asterisk's whisper timer, which
// writes silence on an idle leg, is not done here).
//
// Goroutines: the channel calls AudioFrame on the goroutine of the
// direction (reading goroutine or serialised write path); Write may be
// called from any goroutine. A Whisper starts no goroutines.
type Whisper struct {
	lifecycle
	dir    Direction
	slin   format.Format
	conv   converter // media path only
	res    pathCache // resamples queued audio to the stream's rate
	pull   []int16   // media path scratch
	pullr  []int16
	failed atomic.Uint64

	mu   sync.Mutex // guards ring
	ring ring
}

var (
	_ channel.AudioHook    = (*Whisper)(nil)
	_ channel.AudioOrderer = (*Whisper)(nil)
	_ channel.Detacher     = (*Whisper)(nil)
)

// NewWhisper returns a whisper in [StatusNew]; attach it with
// [Whisper.Attach].
func NewWhisper(cfg WhisperConfig) (*Whisper, error) {
	if cfg.Direction == DirUnknown {
		cfg.Direction = DirWrite
	}
	if cfg.Direction != DirRead && cfg.Direction != DirWrite {
		return nil, fmt.Errorf("hooks: whisper direction %s: %w", cfg.Direction, ErrDirection)
	}
	slin, err := slinRate("whisper", cfg.Rate)
	if err != nil {
		return nil, err
	}
	if cfg.Buffer == 0 {
		cfg.Buffer = DefaultWhisperBuffer
	}
	n := samplesOf(cfg.Buffer, slin.Rate())
	if n <= 0 {
		return nil, fmt.Errorf("hooks: whisper buffer %v: %w", cfg.Buffer, ErrConfig)
	}
	w := &Whisper{dir: cfg.Direction, slin: slin, ring: newRing(n)}
	w.init("whisper")
	w.conv.init(cfg.Paths, &w.failed)
	w.res = pathCache{paths: cfg.Paths, failed: &w.failed}
	return w, nil
}

// Attach attaches the whisper to the audio stream named stream of ch
// ("" for the default audio stream). See [Spy.Attach] for the errors.
func (w *Whisper) Attach(ch *channel.Channel, stream string) error {
	return w.attach(ch, func() (channel.HookID, error) { return ch.AttachAudioHook(stream, w) })
}

// AudioOrder implements [channel.AudioOrderer]: whispers run after spies
// and before manipulators.
func (w *Whisper) AudioOrder() int { return OrderWhisper }

// Detached implements [channel.Detacher]; the channel calls it once.
func (w *Whisper) Detached() { w.finish() }

// Write queues samples (signed linear at the whisper's rate) to be mixed
// into the next frames. It never blocks: it queues what fits and returns
// how many samples it took, with [ErrFull] when that is fewer than
// len(samples). Samples may be queued before Attach. After the whisper is
// done it returns [ErrDone].
func (w *Whisper) Write(samples []int16) (int, error) {
	if w.Status() == StatusDone {
		return 0, fmt.Errorf("hooks: whisper write: %w", ErrDone)
	}
	w.mu.Lock()
	n := w.ring.fill(samples)
	w.mu.Unlock()
	if n < len(samples) {
		return n, fmt.Errorf("hooks: whisper write %d samples, %d fit: %w", len(samples), n, ErrFull)
	}
	return n, nil
}

// Buffered returns how many queued samples have not been mixed yet.
func (w *Whisper) Buffered() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ring.len()
}

// Free returns how many samples Write can queue now.
func (w *Whisper) Free() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ring.free()
}

// Clear discards the queued audio.
func (w *Whisper) Clear() {
	w.mu.Lock()
	w.ring.discard(w.ring.len())
	w.mu.Unlock()
}

// Failed returns how many frames the whisper could not convert.
func (w *Whisper) Failed() uint64 { return w.failed.Load() }

// AudioFrame implements [channel.AudioHook]: in the whisper's direction it
// adds queued audio to f (in place for signed linear, else decoding and
// re-encoding) and returns the frame to pass on.
func (w *Whisper) AudioFrame(dir channel.Direction, f *frame.Frame) *frame.Frame {
	if fromChannel(dir) != w.dir || !w.running() || w.Buffered() == 0 {
		return f
	}
	s, rate, ok := w.conv.begin(f)
	if !ok {
		return f
	}
	add := w.take(len(s), rate)
	if len(add) == 0 {
		return w.conv.commit(f, false)
	}
	MixInto(s, add)
	return w.conv.commit(f, true)
}

// take dequeues about m samples' worth of audio at rate. The result
// aliases scratch memory until the next call.
func (w *Whisper) take(m, rate int) []int16 {
	wr := w.slin.Rate()
	need := m
	if rate != wr {
		need = (m*wr + rate - 1) / rate
	}
	w.pull = grow(w.pull, need)
	w.mu.Lock()
	k := w.ring.read(w.pull)
	w.mu.Unlock()
	if k == 0 || rate == wr {
		return w.pull[:k]
	}
	dst, ok := format.SLin(rate)
	if !ok {
		return nil
	}
	g := frame.Get(2 * k)
	g.Kind = frame.Voice
	g.Format = w.slin
	g.Samples = k
	encodeLE(g.Payload, w.pull[:k])
	out := w.res.translate(g, dst)
	g.Release()
	if out == nil {
		return nil
	}
	w.pullr = decodeLE(w.pullr, out.Payload)
	out.Release()
	return w.pullr
}
