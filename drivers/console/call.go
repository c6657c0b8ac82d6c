package console

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Media timing. Frames are 20 ms; each ring holds ringFrames of them. A
// reader that finds more than lagFrames buffered drops the oldest audio
// down to keepFrames, bounding the console's added latency.
const (
	ringFrames   = 16
	lagFrames    = 5
	keepFrames   = 2
	pollInterval = 10 * time.Millisecond // ReadFrame's wait for captured audio
	ctlQueueLen  = 64
	dtmfDuration = 100 * time.Millisecond
)

// call is the console's Tech: one call, in either direction, on the sound
// device it opened. See the package documentation for its goroutines and
// rings.
type call struct {
	d          *Driver
	outgoing   bool // placed from the console with Dial (an inbound channel)
	format     format.Format
	frameBytes int
	lagBytes   int
	keepBytes  int

	capture  *ring // producer: audio thread; consumer: ReadFrame
	playback *ring // producer: WriteFrame; consumer: audio thread
	answered atomic.Bool
	ctl      chan *frame.Frame // control and DTMF frames for ReadFrame
	done     chan struct{}     // closed by Hangup
	remote   chan struct{}     // closed when the console hangs up

	mu           sync.Mutex
	dev          device
	ch           *channel.Channel
	hungup       bool
	remoteClosed bool
	remoteCause  channel.Cause
	byeSent      bool
	pbxAnswered  bool // the dialplan answered an outgoing call

	// Read side: used only by the goroutine calling ReadFrame.
	rd struct {
		ticker *time.Ticker
		ts     uint32
	}
}

var (
	_ channel.Tech      = (*call)(nil)
	_ channel.Legacy    = (*call)(nil)
	_ channel.Indicator = (*call)(nil)
)

func newCall(d *Driver, outgoing bool) *call {
	fb := d.frameBytes
	return &call{
		d:          d,
		outgoing:   outgoing,
		format:     d.format,
		frameBytes: fb,
		lagBytes:   lagFrames * fb,
		keepBytes:  keepFrames * fb,
		capture:    newRing(ringFrames * fb),
		playback:   newRing(ringFrames * fb),
		ctl:        make(chan *frame.Frame, ctlQueueLen),
		done:       make(chan struct{}),
		remote:     make(chan struct{}),
	}
}

// process is the device's data callback, run on the audio thread. It only
// copies between the device's buffers and the rings and bumps atomic
// counters: it never blocks, allocates or logs. Before the call is
// answered it plays silence and ignores the microphone.
func (c *call) process(out, in []byte) {
	if !c.answered.Load() {
		clear(out)
		return
	}
	st := &c.d.stats
	if in = in[:len(in)&^1]; len(in) > 0 {
		n := c.capture.write(in)
		st.captured.Add(uint64(n / 2))
		if n < len(in) {
			st.captureOverruns.Add(uint64(len(in)-n) / 2)
		}
	}
	if len(out) > 0 {
		if k := c.playback.trim(c.lagBytes, c.keepBytes); k > 0 {
			st.playbackOverruns.Add(uint64(k / 2))
		}
		n := c.playback.read(out)
		clear(out[n:])
		st.played.Add(uint64(n / 2))
		if n < len(out) {
			st.underruns.Add(uint64(len(out)-n) / 2)
		}
	}
}

// NativeFormats implements channel.Legacy: signed linear at the console's
// rate.
func (c *call) NativeFormats() format.Caps { return format.NewCaps(c.format) }

// Call rings the console (an incoming call): it logs, emits EventRing,
// queues a Ringing frame for the dialler and, with AutoAnswer, answers.
func (c *call) Call(context.Context) error {
	if c.outgoing {
		return fmt.Errorf("console: call on a console-originated channel: %w", channel.ErrUnsupported)
	}
	c.mu.Lock()
	if c.hungup {
		c.mu.Unlock()
		return channel.ErrHangup
	}
	ch := c.ch
	c.mu.Unlock()
	name, caller := describe(ch)
	c.queue(frame.NewControl(frame.Ringing))
	c.d.log.Info("console ringing", "channel", name, "caller", caller)
	c.d.emit(Event{Type: EventRing, Channel: name, Caller: caller})
	if c.d.cfg.AutoAnswer {
		return c.answer("auto-answer")
	}
	return nil
}

// Answer is the dialplan answering the console's outgoing call (the
// console channel is inbound to the PBX). Media already flows: the
// console went off hook when it dialled.
func (c *call) Answer(context.Context) error {
	c.mu.Lock()
	if c.hungup {
		c.mu.Unlock()
		return channel.ErrHangup
	}
	first := c.outgoing && !c.pbxAnswered
	c.pbxAnswered = true
	ch := c.ch
	c.mu.Unlock()
	if first {
		name, _ := describe(ch)
		c.d.emit(Event{Type: EventAnswer, Channel: name})
	}
	return nil
}

// answer is the person at the console answering a ringing call.
func (c *call) answer(how string) error {
	c.mu.Lock()
	if c.hungup || c.remoteClosed {
		c.mu.Unlock()
		return ErrNoCall
	}
	if c.outgoing || c.answered.Load() {
		c.mu.Unlock()
		return nil
	}
	c.answered.Store(true)
	ch := c.ch
	c.mu.Unlock()
	name, _ := describe(ch)
	c.queue(frame.NewControl(frame.Answer))
	c.d.log.Info("console answered", "channel", name, "by", how)
	c.d.emit(Event{Type: EventAnswer, Channel: name})
	return nil
}

// Hangup ends the call: it unblocks ReadFrame, closes the sound device
// (waiting about one period for the audio thread) and frees the console
// for the next call. Idempotent.
func (c *call) Hangup(cause channel.Cause) error {
	c.mu.Lock()
	if c.hungup {
		c.mu.Unlock()
		return nil
	}
	c.hungup = true
	close(c.done)
	dev := c.dev
	c.dev = nil
	ch := c.ch
	c.mu.Unlock()
	name, _ := describe(ch)
	c.answered.Store(false)
	var err error
	if dev != nil {
		if e := dev.Close(); e != nil {
			err = &DeviceError{Op: "close", Backend: c.d.cfg.Backend, Err: e}
		}
	}
	c.d.release(c)
drain:
	for {
		select {
		case f := <-c.ctl:
			f.Release()
		default:
			break drain
		}
	}
	c.d.log.Info("console call ended", "channel", name, "cause", cause)
	c.d.emit(Event{Type: EventHangup, Channel: name, Cause: cause})
	return err
}

// hangupFromConsole is the person at the console hanging up: ReadFrame
// reports a Hangup frame with cause, and the channel, when known, is hung
// up at once.
func (c *call) hangupFromConsole(cause channel.Cause) {
	c.mu.Lock()
	if c.hungup || c.remoteClosed {
		c.mu.Unlock()
		return
	}
	c.remoteClosed = true
	c.remoteCause = cause
	close(c.remote)
	ch := c.ch
	c.mu.Unlock()
	if ch != nil {
		ch.HangupWith(cause, "console hangup")
	}
}

// ReadFrame returns queued control and DTMF frames first, then captured
// audio in 20 ms voice frames once the call is answered. It waits for
// audio by polling the capture ring every pollInterval (the audio thread
// never signals: it only touches atomics).
func (c *call) ReadFrame() (*frame.Frame, error) {
	for {
		select {
		case f := <-c.ctl:
			return f, nil
		default:
		}
		select {
		case <-c.done:
			return c.eof()
		case <-c.remote:
			return c.bye()
		default:
		}
		var tick <-chan time.Time
		if c.answered.Load() {
			if f := c.nextVoice(); f != nil {
				return f, nil
			}
			tick = c.ticker()
		}
		select {
		case f := <-c.ctl:
			return f, nil
		case <-c.done:
			return c.eof()
		case <-c.remote:
			return c.bye()
		case <-tick:
		}
	}
}

// nextVoice applies the drop-oldest policy to the capture ring and returns
// the next 20 ms voice frame, or nil when less than a frame is buffered.
func (c *call) nextVoice() *frame.Frame {
	if k := c.capture.trim(c.lagBytes, c.keepBytes); k > 0 {
		c.d.stats.captureOverruns.Add(uint64(k / 2))
	}
	if c.capture.Len() < c.frameBytes {
		return nil
	}
	f := frame.Get(c.frameBytes)
	c.capture.read(f.Payload)
	if c.d.muted.Load() {
		clear(f.Payload)
	}
	f.Kind = frame.Voice
	f.Format = c.format
	f.Samples = c.frameBytes / 2
	f.Timestamp = c.rd.ts
	c.rd.ts += uint32(f.Samples)
	return f
}

func (c *call) ticker() <-chan time.Time {
	if c.rd.ticker == nil {
		c.rd.ticker = time.NewTicker(pollInterval)
	}
	return c.rd.ticker.C
}

func (c *call) eof() (*frame.Frame, error) {
	if c.rd.ticker != nil {
		c.rd.ticker.Stop()
		c.rd.ticker = nil
	}
	return nil, io.EOF
}

// bye returns the Hangup frame of a console hangup once, then waits for
// the core's Hangup.
func (c *call) bye() (*frame.Frame, error) {
	c.mu.Lock()
	sent := c.byeSent
	c.byeSent = true
	cause := c.remoteCause
	c.mu.Unlock()
	if sent {
		<-c.done
		return c.eof()
	}
	f := frame.NewControl(frame.Hangup)
	f.Cause = int(cause)
	return f, nil
}

// WriteFrame plays voice (signed linear at the console's rate) once the
// call is answered, and reports DTMF digits from the far end. It borrows f:
// the samples are copied into the playback ring.
func (c *call) WriteFrame(f *frame.Frame) error {
	select {
	case <-c.done:
		return channel.ErrHangup
	default:
	}
	switch f.Kind {
	case frame.Voice:
		if !c.answered.Load() {
			return nil
		}
		if !f.Format.Is(c.format) {
			c.d.stats.formatDrops.Add(1)
			return nil
		}
		p := f.Payload[:len(f.Payload)&^1]
		if n := c.playback.write(p); n < len(p) {
			c.d.stats.playbackOverruns.Add(uint64(len(p)-n) / 2)
		}
	case frame.DTMFEnd:
		name := c.name()
		c.d.log.Info("console received dtmf", "channel", name, "digit", string(f.Digit))
		c.d.emit(Event{Type: EventDTMF, Channel: name, Digit: string(f.Digit)})
	default:
	}
	return nil
}

// Indicate reports the far end's progress (ringing, busy …) to the person
// at the console as an EventIndication and a log line. f is borrowed.
func (c *call) Indicate(f *frame.Frame) error {
	select {
	case <-c.done:
		return channel.ErrHangup
	default:
	}
	switch f.Control {
	case frame.Ringing, frame.Progress, frame.Proceeding, frame.Busy, frame.Congestion, frame.Hold, frame.Unhold:
		name := c.name()
		c.d.log.Info("console indication", "channel", name, "indication", f.Control.String())
		c.d.emit(Event{Type: EventIndication, Channel: name, Indication: f.Control.String()})
	default:
	}
	return nil
}

// queue adds a control frame for ReadFrame without waiting; it takes
// ownership of f. The queue only fills when nobody reads the channel.
func (c *call) queue(f *frame.Frame) {
	select {
	case c.ctl <- f:
	default:
		f.Release()
	}
}

// queueWait adds f for ReadFrame, waiting for room, hangup or ctx; it
// takes ownership of f.
func (c *call) queueWait(ctx context.Context, f *frame.Frame) error {
	select {
	case c.ctl <- f:
		return nil
	case <-c.done:
		f.Release()
		return ErrNoCall
	case <-ctx.Done():
		f.Release()
		return ctx.Err()
	}
}

// setChannel records the channel the core built around c.
func (c *call) setChannel(ch *channel.Channel) {
	c.mu.Lock()
	c.ch = ch
	c.mu.Unlock()
}

func (c *call) boundChannel() *channel.Channel {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ch
}

func (c *call) name() string {
	n, _ := describe(c.boundChannel())
	return n
}

// describe returns the channel name and caller ID for logs and events; ch
// may be nil before the core built the channel. Called with no lock held
// (it takes the channel's lock).
func describe(ch *channel.Channel) (name, caller string) {
	if ch == nil {
		return Name + "/dsp", ""
	}
	num, cname := ch.CallerID()
	switch {
	case cname != "" && num != "":
		caller = fmt.Sprintf("%s <%s>", cname, num)
	default:
		caller = cname + num
	}
	return ch.Name(), caller
}

// status describes the call for [Driver.Status].
func (c *call) status() Status {
	name, caller := describe(c.boundChannel())
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Status{Channel: name, Caller: caller, Outgoing: c.outgoing}
	switch {
	case c.hungup || c.remoteClosed:
		s.State = "hangup"
	case c.outgoing && !c.pbxAnswered:
		s.State = "dialing"
	case !c.outgoing && !c.answered.Load():
		s.State = "ringing"
	default:
		s.State = "up"
	}
	return s
}
