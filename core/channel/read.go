package channel

import (
	"fmt"
	"io"
	"time"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Read returns the next frame of a default stream or a non-media frame; the
// caller owns it. Media of non-default streams comes back as a Null frame
// (never a hangup). A TopologyRequestChange is answered by the core itself
// (it re-asserts the current topology to the driver) and TopologyChanged
// frames are absorbed, so applications that know nothing of streams keep
// working. After hangup Read returns io.EOF; after the read deadline
// ErrDeadline. Read must not be called concurrently with itself or
// ReadStream.
func (c *Channel) Read() (*frame.Frame, error) { return c.read(true) }

// ReadStream returns the next frame of any stream, tagged with its stream
// position, and passes topology control frames to the caller (a
// TopologyChanged frame's Source tells who started the change). The caller
// owns the frame. Same concurrency rules as Read.
func (c *Channel) ReadStream() (*frame.Frame, error) { return c.read(false) }

// SetReadDeadline makes reads return ErrDeadline once t has passed; the zero
// time disables it. Like net.Conn's deadline it applies to reads in
// progress and later. It must be called from the reading goroutine.
func (c *Channel) SetReadDeadline(t time.Time) { c.rd.deadline = t }

// SetReadFormat makes the read path translate voice of stream pos (-1: the
// default audio stream) to f; the zero Format turns translation off. It
// must be called from the reading goroutine.
func (c *Channel) SetReadFormat(pos int, f format.Format) {
	if pos < 0 {
		pos = c.DefaultStream(format.Audio)
	}
	if f.IsZero() {
		delete(c.rd.formats, pos)
		delete(c.rd.paths, pos)
		return
	}
	c.rd.formats[pos] = f
}

// ReadFormat returns the read format set for stream pos (-1: default audio).
func (c *Channel) ReadFormat(pos int) format.Format {
	if pos < 0 {
		pos = c.DefaultStream(format.Audio)
	}
	return c.rd.formats[pos]
}

// Dropped returns how many frames the channel dropped because they named a
// stream that does not exist or had no stream of their media type.
func (c *Channel) Dropped() uint64 { return c.dropped.Load() }

func (c *Channel) read(dropMode bool) (*frame.Frame, error) {
	for {
		f, fromDriver, err := c.next()
		if err != nil {
			return nil, err
		}
		out, err := c.processRead(f, fromDriver, dropMode)
		if err != nil {
			return nil, err
		}
		if out != nil {
			return out, nil
		}
	}
}

// next waits for a queued or driver frame, the read deadline or hangup.
func (c *Channel) next() (*frame.Frame, bool, error) {
	select {
	case f := <-c.queue:
		return f, false, nil
	default:
	}
	var timeout <-chan time.Time
	if !c.rd.deadline.IsZero() {
		d := time.Until(c.rd.deadline)
		if d <= 0 {
			return nil, false, ErrDeadline
		}
		if c.rd.timer == nil {
			c.rd.timer = time.NewTimer(d)
		} else {
			c.rd.timer.Reset(d)
		}
		defer c.rd.timer.Stop()
		timeout = c.rd.timer.C
	}
	if c.in == nil {
		return c.nextQueued(timeout)
	}
	select {
	case f := <-c.queue:
		return f, false, nil
	case f, ok := <-c.in:
		if !ok {
			return nil, false, io.EOF
		}
		return f, true, nil
	case <-c.ctx.Done():
		return nil, false, io.EOF
	case <-timeout:
		return nil, false, ErrDeadline
	}
}

// nextQueued is next for a [Queued] driver: the driver's control frames
// before its media. After hangup it reads nothing more (the driver
// releases what is left).
func (c *Channel) nextQueued(timeout <-chan time.Time) (*frame.Frame, bool, error) {
	if c.ctx.Err() != nil {
		return nil, false, io.EOF
	}
	select {
	case f := <-c.qctl:
		return f, true, nil
	default:
	}
	select {
	case f := <-c.queue:
		return f, false, nil
	case f := <-c.qctl:
		return f, true, nil
	case f := <-c.qmedia:
		return f, true, nil
	case <-c.ctx.Done():
		return nil, false, io.EOF
	case <-timeout:
		return nil, false, ErrDeadline
	}
}

// processRead runs one frame through the read path. It returns the frame
// for the consumer, nil to read on (the frame was consumed and released),
// or io.EOF when the frame ended the call.
func (c *Channel) processRead(f *frame.Frame, fromDriver, dropMode bool) (*frame.Frame, error) {
	switch {
	case f.Kind == frame.Control:
		return c.readControl(f, fromDriver, dropMode)
	case f.IsMedia():
		return c.readMedia(f, dropMode)
	default:
		f.Stream = frame.DefaultStream
		return c.runFrameHooks(HookRead, -1, f, true), nil
	}
}

func (c *Channel) readControl(f *frame.Frame, fromDriver, dropMode bool) (*frame.Frame, error) {
	switch f.Control {
	case frame.Hangup:
		cause := Cause(f.Cause)
		if cause == 0 {
			cause = CauseNormalClearing
		}
		f.Release()
		c.hangup(&HangupError{Cause: cause, Reason: "remote hangup"})
		return nil, io.EOF
	case frame.Answer:
		c.setState(Up)
	case frame.Ringing:
		c.setState(Ringing)
	case frame.Busy:
		c.setState(Busy)
	case frame.TopologyChanged:
		if fromDriver {
			c.topologyChanged(f)
		}
		if dropMode {
			f.Release()
			return nil, nil
		}
	case frame.TopologyRequestChange:
		if dropMode {
			// Keep what we have: tell the driver the current topology stands.
			f.Release()
			if c.indicator != nil && c.multistream {
				ack := frame.NewTopology(frame.TopologyChanged, c.Topology(), nil)
				err := c.indicator.Indicate(ack)
				ack.Release()
				if err != nil {
					c.log.Debug("re-assert topology failed", "error", err)
				}
			}
			return nil, nil
		}
	}
	f.Stream = frame.DefaultStream
	return c.runFrameHooks(HookRead, -1, f, true), nil
}

func (c *Channel) readMedia(f *frame.Frame, dropMode bool) (*frame.Frame, error) {
	v := c.view.Load()
	mt := f.MediaType()
	pos := f.Stream
	if !c.multistream || pos < 0 {
		pos = v.defaultOf(mt)
	}
	s, ok := v.topo.Stream(pos)
	if !ok || s.Type() != mt {
		c.dropBadStream(f, pos)
		return frame.NewNull(), nil
	}
	f.Stream = pos
	f = c.runFrameHooks(HookRead, pos, f, true)
	if f == nil {
		return nil, nil
	}
	if f.Kind == frame.Voice {
		f = c.runAudioHooks(DirRead, pos, f, true)
		if f == nil {
			return nil, nil
		}
	}
	if dropMode && pos != v.defaultOf(mt) {
		f.Release()
		return frame.NewNull(), nil
	}
	if f.Kind == frame.Voice {
		if want, ok := c.rd.formats[pos]; ok && !f.Format.Is(want) {
			g, err := c.translate(c.rd.paths, pos, f, want)
			f.Release()
			if err != nil {
				c.dropped.Add(1)
				c.log.Debug("read translation failed", "stream", pos, "error", err)
				return nil, nil
			}
			return g, nil
		}
	}
	return f, nil
}

func (c *Channel) dropBadStream(f *frame.Frame, pos int) {
	c.dropped.Add(1)
	if c.badStreamLogged.CompareAndSwap(false, true) {
		c.log.Warn("frame for a stream that does not exist dropped", "stream", pos, "frame", f.Kind)
	}
	f.Release()
}

// translate converts f (borrowed) to dst through the cached path of stream
// pos in paths, rebuilding it when the source format changed. It returns an
// owned frame, or (nil, nil) when the translator buffered the input.
func (c *Channel) translate(paths map[int]*path, pos int, f *frame.Frame, dst format.Format) (*frame.Frame, error) {
	p := paths[pos]
	if p == nil || !p.src.Is(f.Format) || !p.dst.Is(dst) {
		if c.reg.paths == nil {
			return nil, fmt.Errorf("channel: %s to %s: no translator registry", f.Format, dst)
		}
		tr, err := c.reg.paths.Build(f.Format, dst)
		if err != nil {
			return nil, err
		}
		p = &path{src: f.Format, dst: dst, tr: tr}
		paths[pos] = p
	}
	g, err := p.tr.Translate(f)
	if err != nil || g == nil {
		return nil, err
	}
	g.Stream = f.Stream
	return g, nil
}
