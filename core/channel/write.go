package channel

import (
	"fmt"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Write sends f to the default stream of its media type; non-media frames
// (control, DTMF) go to the driver directly. Write borrows f: it never
// keeps f, but hooks may edit its payload in place. A media frame for
// which the channel has no default stream is dropped and reported with
// ErrNoStream. Safe for concurrent use; writes are serialised.
func (c *Channel) Write(f *frame.Frame) error {
	if !f.IsMedia() {
		return c.writeOther(f)
	}
	pos := c.view.Load().defaultOf(f.MediaType())
	if pos < 0 {
		c.dropped.Add(1)
		return fmt.Errorf("%w: %s on %s", ErrNoStream, f.Kind, c.name)
	}
	return c.writeMedia(pos, f)
}

// WriteStream sends f to stream n. n out of range is ErrStreamOutOfRange; a
// media frame whose type differs from stream n's is rejected with
// ErrMediaMismatch. n < 0 behaves as [Channel.Write]. Same ownership rules
// as Write.
func (c *Channel) WriteStream(n int, f *frame.Frame) error {
	if n < 0 || !f.IsMedia() {
		return c.Write(f)
	}
	s, ok := c.view.Load().topo.Stream(n)
	if !ok {
		c.dropped.Add(1)
		return fmt.Errorf("%w: %d on %s", ErrStreamOutOfRange, n, c.name)
	}
	if s.Type() != f.MediaType() {
		c.dropped.Add(1)
		return fmt.Errorf("%w: %s frame to %s stream %d on %s", ErrMediaMismatch, f.Kind, s.Type(), n, c.name)
	}
	return c.writeMedia(n, f)
}

func (c *Channel) writeOther(f *frame.Frame) error {
	if c.hungup.Load() {
		return ErrHangup
	}
	switch f.Kind {
	case frame.Null:
		return nil
	case frame.Control:
		switch f.Control {
		case frame.TopologyRequestChange:
			if f.Topology == nil {
				return nil
			}
			return c.RequestTopologyChange(f.Topology, f.Source)
		case frame.Hangup:
			return c.Hangup(Cause(f.Cause))
		}
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	saved := f.Stream
	f.Stream = frame.DefaultStream
	g := c.runFrameHooks(HookWrite, -1, f, false)
	if g == nil {
		f.Stream = saved
		return nil
	}
	var err error
	if g.Kind == frame.Control {
		if c.indicator != nil {
			err = c.indicator.Indicate(g)
		}
	} else {
		err = c.tech.WriteFrame(g)
	}
	if g != f {
		g.Release()
	}
	f.Stream = saved
	return err
}

func (c *Channel) writeMedia(pos int, f *frame.Frame) error {
	if c.hungup.Load() {
		return ErrHangup
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	saved := f.Stream
	defer func() { f.Stream = saved }()
	f.Stream = pos
	cur := c.runFrameHooks(HookWrite, pos, f, false)
	if cur == nil {
		return nil
	}
	if cur.Kind == frame.Voice {
		next := c.runAudioHooks(DirWrite, pos, cur, cur != f)
		if next == nil {
			return nil
		}
		cur = next
		if dst, ok := c.writeTarget(pos, cur.Format); ok {
			g, err := c.translate(c.wpaths, pos, cur, dst)
			if cur != f {
				cur.Release()
			}
			if err != nil {
				c.dropped.Add(1)
				return fmt.Errorf("channel: write %s stream %d: %w", c.name, pos, err)
			}
			if g == nil {
				return nil
			}
			cur = g
		}
	}
	err := c.tech.WriteFrame(cur)
	if cur != f {
		cur.Release()
	}
	if err != nil {
		return fmt.Errorf("channel: write %s stream %d: %w", c.name, pos, err)
	}
	return nil
}

// writeTarget returns the format voice in format have must be translated to
// for stream pos, or false when it can be written as is (the stream
// accepts it, or the stream has no audio formats to go by).
func (c *Channel) writeTarget(pos int, have format.Format) (format.Format, bool) {
	s, ok := c.view.Load().topo.Stream(pos)
	if !ok {
		return format.Format{}, false
	}
	caps := s.Formats()
	if caps.IsEmpty() || caps.Contains(have) {
		return format.Format{}, false
	}
	for _, f := range caps.All { // no copy: this runs for every translated voice frame
		if f.Type == format.Audio && f.Name != format.TelephoneEvent.Name {
			return f, true
		}
	}
	return format.Format{}, false
}
