package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
)

// Name is the driver's dial-string prefix.
const Name = "Local"

const (
	inboxLen = 64 // media frames waiting for a half's reader
	ctlLen   = 16 // control frames waiting for a half's reader
)

// Handler runs the dialplan for the second half at exten@context.
type Handler func(ctx context.Context, ch *channel.Channel, exten, context string)

// Driver creates Local channel pairs.
type Driver struct {
	reg     *channel.Registry
	handler Handler
	wg      sync.WaitGroup
}

var _ channel.Driver = (*Driver)(nil)

// ErrBadDest is returned for a destination that is not exten@context.
var ErrBadDest = errors.New("local: destination must be exten@context")

// New returns a Local driver creating channels in reg and running h for
// second halves.
func New(reg *channel.Registry, h Handler) *Driver { return &Driver{reg: reg, handler: h} }

// Name implements channel.Driver.
func (d *Driver) Name() string { return Name }

// DefaultTopology is the topology of a Local pair requested without one.
func DefaultTopology() *topology.Topology {
	return topology.FromFormats(format.NewCaps(format.SLin16, format.SLin8, format.ULaw, format.ALaw, format.G722))
}

// Request implements channel.Driver: dest is "exten@context" (context
// defaults to "default").
func (d *Driver) Request(_ context.Context, dest string, want *topology.Topology) (channel.Tech, error) {
	exten, ctxName, _ := strings.Cut(dest, "@")
	if exten == "" {
		return nil, fmt.Errorf("%w: %q", ErrBadDest, dest)
	}
	if ctxName == "" {
		ctxName = "default"
	}
	if want == nil || want.Len() == 0 {
		want = DefaultTopology()
	}
	p := &pair{d: d, exten: exten, context: ctxName}
	p.a = newHalf(p, want.Snapshot())
	p.b = newHalf(p, want.Mirror().Freeze())
	p.a.peer, p.b.peer = p.b, p.a
	return p.a, nil
}

// Close waits for the second-half handlers to return.
func (d *Driver) Close() { d.wg.Wait() }

type pair struct {
	d              *Driver
	exten, context string
	a, b           *half
}

// half is one side of a Local pair.
type half struct {
	p    *pair
	peer *half

	mu        sync.Mutex
	topo      *topology.Topology
	hungup    bool
	answered  bool
	peerCause channel.Cause
	sentBye   bool // the peer's Hangup frame was returned; guarded by mu

	done     chan struct{} // closed by this half's Hangup
	peerGone chan struct{} // closed by the peer's Hangup
	inbox    chan *frame.Frame
	ctl      chan *frame.Frame
}

var (
	_ channel.Tech            = (*half)(nil)
	_ channel.Multistream     = (*half)(nil)
	_ channel.TopologyChanger = (*half)(nil)
	_ channel.Indicator       = (*half)(nil)
)

func newHalf(p *pair, t *topology.Topology) *half {
	return &half{
		p: p, topo: t,
		done:     make(chan struct{}),
		peerGone: make(chan struct{}),
		inbox:    make(chan *frame.Frame, inboxLen),
		ctl:      make(chan *frame.Frame, ctlLen),
	}
}

func (h *half) Topology() *topology.Topology {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.topo
}

// Call starts the second half: a new inbound channel running the dialplan.
func (h *half) Call(ctx context.Context) error {
	if h != h.p.a {
		return fmt.Errorf("local: call on the second half: %w", channel.ErrUnsupported)
	}
	d := h.p.d
	ch, err := d.reg.NewChannel(channel.Config{
		Tech:    h.p.b,
		Name:    fmt.Sprintf("%s/%s@%s;2", Name, h.p.exten, h.p.context),
		Inbound: true,
	})
	if err != nil {
		return fmt.Errorf("local: call %s@%s: %w", h.p.exten, h.p.context, err)
	}
	d.wg.Go(func() {
		d.reg.Serve(ch.Context(), channel.HandlerFunc(func(ctx context.Context, ch *channel.Channel) {
			d.handler(ctx, ch, h.p.exten, h.p.context)
		}), ch)
	})
	return nil
}

// Answer on the second half tells the first half's reader.
func (h *half) Answer(context.Context) error {
	h.mu.Lock()
	if h.hungup {
		h.mu.Unlock()
		return channel.ErrHangup
	}
	h.answered = true
	h.mu.Unlock()
	h.peer.deliver(frame.NewControl(frame.Answer))
	return nil
}

func (h *half) Hangup(cause channel.Cause) error {
	h.mu.Lock()
	if h.hungup {
		h.mu.Unlock()
		return nil
	}
	h.hungup = true
	close(h.done)
	h.mu.Unlock()
	p := h.peer
	p.mu.Lock()
	if p.peerCause == 0 {
		p.peerCause = cause
		close(p.peerGone)
	}
	p.mu.Unlock()
	return nil
}

// ReadFrame returns queued control frames first, then media; once the peer
// hung up (and what it sent before was read) a Hangup frame with its
// cause, then io.EOF.
func (h *half) ReadFrame() (*frame.Frame, error) {
	select {
	case f := <-h.ctl:
		return f, nil
	default:
	}
	select {
	case f := <-h.ctl:
		return f, nil
	case f := <-h.inbox:
		return f, nil
	case <-h.done:
		return nil, io.EOF
	case <-h.peerGone:
		select {
		case f := <-h.ctl:
			return f, nil
		case f := <-h.inbox:
			return f, nil
		default:
		}
		h.mu.Lock()
		sent := h.sentBye
		h.sentBye = true
		h.mu.Unlock()
		if sent {
			<-h.done
			return nil, io.EOF
		}
		f := frame.NewControl(frame.Hangup)
		f.Cause = int(h.peerCause)
		return f, nil
	}
}

func (h *half) WriteFrame(f *frame.Frame) error {
	select {
	case <-h.done:
		return channel.ErrHangup
	default:
	}
	h.peer.deliver(f.Clone())
	return nil
}

// Indicate passes control frames (ringing, progress, hold …) to the peer.
func (h *half) Indicate(f *frame.Frame) error {
	select {
	case <-h.done:
		return channel.ErrHangup
	default:
	}
	if f.Control.IsTopology() {
		return nil // the pair applies topology changes itself
	}
	h.peer.deliver(f.Clone())
	return nil
}

// RequestTopology applies t at once on this half and its mirror on the peer.
func (h *half) RequestTopology(t *topology.Topology) error {
	h.mu.Lock()
	h.topo = t.Snapshot()
	h.mu.Unlock()
	m := t.Mirror().Freeze()
	h.peer.mu.Lock()
	h.peer.topo = m
	h.peer.mu.Unlock()
	h.deliver(frame.NewTopology(frame.TopologyChanged, t, nil))
	h.peer.deliver(frame.NewTopology(frame.TopologyChanged, m, nil))
	return nil
}

// deliver queues f (taking ownership) for this half's reader.
func (h *half) deliver(f *frame.Frame) {
	if f.IsMedia() {
		for {
			select {
			case h.inbox <- f:
				return
			case <-h.done:
				f.Release()
				return
			default:
			}
			select { // full: drop the oldest media frame
			case old := <-h.inbox:
				old.Release()
			default:
			}
		}
	}
	select {
	case h.ctl <- f:
	case <-h.done:
		f.Release()
	case <-h.peerGone:
		f.Release()
	}
}
