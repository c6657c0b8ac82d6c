package channeltest

import (
	"context"
	"io"
	"sync"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
)

// Mock is an in-memory multistream [channel.Tech]. Tests inject frames the
// "far end" sends with [Mock.Inject] and observe what the core wrote on
// [Mock.Written]. Topology requests are accepted at once by default (the
// mock reports TopologyChanged with the requested topology); set Manual to
// complete them by hand with [Mock.CompleteTopology].
//
// All methods are safe for concurrent use. Queues are bounded: Inject
// blocks when the far end has 256 unread frames; Written keeps the last
// 1024 frames and drops older ones.
type Mock struct {
	// Manual makes RequestTopology only record the request.
	Manual bool

	mu        sync.Mutex
	topo      *topology.Topology
	hungup    bool
	cause     channel.Cause
	answered  bool
	called    bool
	requests  []*topology.Topology
	indicated []*frame.Frame
	done      chan struct{}
	in        chan *frame.Frame
	written   chan *frame.Frame
	requested chan *topology.Topology
	answeredC chan struct{}
}

var (
	_ channel.Tech            = (*Mock)(nil)
	_ channel.Multistream     = (*Mock)(nil)
	_ channel.TopologyChanger = (*Mock)(nil)
	_ channel.Indicator       = (*Mock)(nil)
)

// NewMock returns a multistream mock with topology t (nil: one sendrecv
// ulaw audio stream).
func NewMock(t *topology.Topology) *Mock {
	if t == nil {
		t = topology.FromFormats(format.NewCaps(format.ULaw))
	}
	return &Mock{
		topo:      t.Snapshot(),
		done:      make(chan struct{}),
		in:        make(chan *frame.Frame, 256),
		written:   make(chan *frame.Frame, 1024),
		requested: make(chan *topology.Topology, 64),
		answeredC: make(chan struct{}),
	}
}

// Topology implements channel.Multistream.
func (m *Mock) Topology() *topology.Topology {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.topo
}

// Call implements channel.Tech.
func (m *Mock) Call(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hungup {
		return channel.ErrHangup
	}
	m.called = true
	return nil
}

// Answer implements channel.Tech.
func (m *Mock) Answer(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hungup {
		return channel.ErrHangup
	}
	if !m.answered {
		close(m.answeredC)
	}
	m.answered = true
	return nil
}

// AnsweredC is closed when Answer is first called.
func (m *Mock) AnsweredC() <-chan struct{} { return m.answeredC }

// Answered reports whether Answer was called.
func (m *Mock) Answered() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.answered
}

// Called reports whether Call was called.
func (m *Mock) Called() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.called
}

// Hangup implements channel.Tech; idempotent.
func (m *Mock) Hangup(cause channel.Cause) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hungup {
		return nil
	}
	m.hungup, m.cause = true, cause
	close(m.done)
	return nil
}

// HangupCause returns the cause passed to Hangup, or 0.
func (m *Mock) HangupCause() channel.Cause {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cause
}

// Done is closed by Hangup.
func (m *Mock) Done() <-chan struct{} { return m.done }

// ReadFrame implements channel.Tech.
func (m *Mock) ReadFrame() (*frame.Frame, error) {
	select {
	case f := <-m.in:
		return f, nil
	case <-m.done:
		return nil, io.EOF
	}
}

// WriteFrame implements channel.Tech: it records a clone.
func (m *Mock) WriteFrame(f *frame.Frame) error {
	select {
	case <-m.done:
		return channel.ErrHangup
	default:
	}
	c := f.Clone()
	for {
		select {
		case m.written <- c:
			return nil
		default:
			select {
			case old := <-m.written:
				old.Release()
			default:
			}
		}
	}
}

// Inject makes the far end send f; the mock takes ownership. It returns
// false after hangup.
func (m *Mock) Inject(f *frame.Frame) bool {
	select {
	case m.in <- f:
		return true
	case <-m.done:
		f.Release()
		return false
	}
}

// Written delivers clones of the frames the core wrote, in order; the
// receiver owns them.
func (m *Mock) Written() <-chan *frame.Frame { return m.written }

// RequestTopology implements channel.TopologyChanger.
func (m *Mock) RequestTopology(t *topology.Topology) error {
	m.mu.Lock()
	m.requests = append(m.requests, t)
	manual := m.Manual
	m.mu.Unlock()
	select {
	case m.requested <- t:
	default:
	}
	if !manual {
		m.CompleteTopology(t)
	}
	return nil
}

// Requested delivers each topology requested (the first 64 unread; later
// ones are only in Requests).
func (m *Mock) Requested() <-chan *topology.Topology { return m.requested }

// Requests returns the topologies requested so far.
func (m *Mock) Requests() []*topology.Topology {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*topology.Topology(nil), m.requests...)
}

// CompleteTopology finishes a negotiation: the mock installs t and reports
// TopologyChanged carrying it, as a driver does after a 2xx (or after a
// failure, with the old topology).
func (m *Mock) CompleteTopology(t *topology.Topology) {
	m.mu.Lock()
	m.topo = t.Snapshot()
	m.mu.Unlock()
	m.Inject(frame.NewTopology(frame.TopologyChanged, t, nil))
}

// RemoteChange simulates a re-offer from the far end that the driver
// negotiated on its own: the mock installs t and reports TopologyChanged.
func (m *Mock) RemoteChange(t *topology.Topology) { m.CompleteTopology(t) }

// Indicate implements channel.Indicator: it records a clone.
func (m *Mock) Indicate(f *frame.Frame) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hungup {
		return channel.ErrHangup
	}
	m.indicated = append(m.indicated, f.Clone())
	return nil
}

// Indicated returns the control frames indicated so far.
func (m *Mock) Indicated() []*frame.Frame {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*frame.Frame(nil), m.indicated...)
}

// LegacyMock is a mock that cannot do multistream: it only declares native
// formats, so the core derives its topology.
type LegacyMock struct {
	inner *Mock
	caps  format.Caps
}

var (
	_ channel.Tech   = (*LegacyMock)(nil)
	_ channel.Legacy = (*LegacyMock)(nil)
)

// NewLegacyMock returns a legacy mock with native formats caps.
func NewLegacyMock(caps format.Caps) *LegacyMock {
	return &LegacyMock{inner: NewMock(topology.New()), caps: caps}
}

// NativeFormats implements channel.Legacy.
func (l *LegacyMock) NativeFormats() format.Caps { return l.caps }

// Call implements channel.Tech.
func (l *LegacyMock) Call(ctx context.Context) error { return l.inner.Call(ctx) }

// Answer implements channel.Tech.
func (l *LegacyMock) Answer(ctx context.Context) error { return l.inner.Answer(ctx) }

// Hangup implements channel.Tech.
func (l *LegacyMock) Hangup(c channel.Cause) error { return l.inner.Hangup(c) }

// ReadFrame implements channel.Tech.
func (l *LegacyMock) ReadFrame() (*frame.Frame, error) { return l.inner.ReadFrame() }

// WriteFrame implements channel.Tech.
func (l *LegacyMock) WriteFrame(f *frame.Frame) error { return l.inner.WriteFrame(f) }

// Inject makes the far end send f.
func (l *LegacyMock) Inject(f *frame.Frame) bool { return l.inner.Inject(f) }

// Written delivers what the core wrote.
func (l *LegacyMock) Written() <-chan *frame.Frame { return l.inner.Written() }
