package channel

import (
	"fmt"

	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

// externalSource tags topology changes the far end started.
type externalSource struct{}

func (externalSource) String() string { return "external" }

// External is the change source of a topology change that the driver
// reported without the core asking (a remote re-INVITE).
var External any = externalSource{}

// negotiation is a channel's topology negotiation state, guarded by
// Channel.mu.
//
//	idle ──request≠active──▶ pending ──TopologyChanged──▶ idle
//	                           │  ▲                          │
//	              request≠pending │ queued request ≠ active  │
//	                           ▼  │                          │
//	                         queued ─────────────────────────┘
type negotiation struct {
	pending       *topology.Topology // sent to the driver, awaiting TopologyChanged
	pendingSource any
	queued        *topology.Topology // merged requests waiting for pending to finish
	queuedSource  any
	source        any // who started the change now in force or in flight
}

// RequestTopologyChange asks the driver to renegotiate to t, tagging the
// change with source (a bridge passes itself, so it can recognise the
// TopologyChanged that follows as its own doing). It returns at once: nil
// means the request was sent, queued, or was not needed because t equals
// the active topology (when nothing is pending) or the pending one. A
// request arriving while another is pending is queued and merged, never
// lost. It fails with ErrNotMultistream for a driver that cannot do
// multistream. Safe for concurrent use.
func (c *Channel) RequestTopologyChange(t *topology.Topology, source any) error {
	if !c.multistream || c.changer == nil {
		return fmt.Errorf("channel: topology change on %s: %w", c.name, ErrNotMultistream)
	}
	if c.hungup.Load() {
		return ErrHangup
	}
	snap := t.Snapshot()
	c.mu.Lock()
	n := &c.neg
	switch {
	case n.pending == nil:
		if c.Topology().Equal(snap) {
			c.mu.Unlock()
			return nil
		}
		n.pending, n.pendingSource, n.source = snap, source, source
	case n.pending.Equal(snap) || (n.queued != nil && n.queued.Equal(snap)):
		c.mu.Unlock()
		return nil
	default:
		base := n.queued
		if base == nil {
			base = n.pending
		}
		n.queued = mergeByName(base, snap).Freeze()
		n.queuedSource = source
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	return c.sendRequest(snap)
}

func (c *Channel) sendRequest(t *topology.Topology) error {
	if err := c.changer.RequestTopology(t); err != nil {
		c.mu.Lock()
		if c.neg.pending == t {
			c.neg.pending = nil
		}
		c.mu.Unlock()
		return fmt.Errorf("channel: topology change on %s: %w", c.name, err)
	}
	return nil
}

// TopologyChangeSource returns who started the topology change now in
// force or in flight: a request's source, [External], or nil.
func (c *Channel) TopologyChangeSource() any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.neg.source
}

// PendingTopology returns the topology being negotiated, or nil.
func (c *Channel) PendingTopology() *topology.Topology {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.neg.pending
}

// topologyChanged installs the topology a driver reported and dispatches a
// queued request. It runs on the reading goroutine and tags f.Source.
func (c *Channel) topologyChanged(f *frame.Frame) {
	c.mu.Lock()
	n := &c.neg
	if f.Topology != nil {
		c.view.Store(newView(f.Topology))
	}
	active := c.Topology()
	asked := n.pending
	if asked != nil {
		f.Source = n.pendingSource
		n.pending = nil
	} else {
		f.Source = External
		n.source = External
	}
	var next *topology.Topology
	if n.queued != nil {
		if asked == nil {
			asked = active
		}
		next = resolveQueued(n.queued, asked, active).Freeze()
		n.queued = nil
		if next.Equal(active) {
			next = nil
		} else {
			n.pending, n.pendingSource, n.source = next, n.queuedSource, n.queuedSource
		}
	}
	c.mu.Unlock()
	if next != nil {
		if err := c.sendRequest(next); err != nil {
			c.log.Warn("queued topology request failed", "error", err)
		}
	}
}

// mergeByName applies the streams of req onto a clone of base, matching by
// name: a matched stream takes req's state and formats; a stream req wants
// that base lacks reuses base's first removed slot, else is appended.
func mergeByName(base, req *topology.Topology) *topology.Topology {
	out := base.Clone()
	for _, s := range req.Streams() {
		if i := indexByName(out, s.Name()); i >= 0 {
			o, _ := out.Stream(i)
			o.SetState(s.State())
			o.SetFormats(s.Formats())
			continue
		}
		if _, err := out.AddReusingRemoved(s.Clone("")); err != nil {
			panic(err) // unreachable: a fresh clone attaches
		}
	}
	return out
}

// resolveQueued builds the request to send after a negotiation finished:
// the queued streams applied onto the now-active topology. A state change
// the queued request made (relative to what was asked) wins, unless the
// active topology changed that stream meanwhile (the far end answered
// something else than asked), in which case the active state stands.
func resolveQueued(queued, asked, active *topology.Topology) *topology.Topology {
	out := active.Clone()
	for _, q := range queued.Streams() {
		i := indexByName(out, q.Name())
		if i < 0 {
			if _, err := out.AddReusingRemoved(q.Clone("")); err != nil {
				panic(err)
			}
			continue
		}
		o, _ := out.Stream(i)
		o.SetFormats(q.Formats())
		askedState := stateByName(asked, q.Name())
		activeChanged := askedState != stream.StateUnknown && o.State() != askedState
		requestChanged := q.State() != askedState
		if requestChanged && !activeChanged {
			o.SetState(q.State())
		}
	}
	return out
}

func indexByName(t *topology.Topology, name string) int {
	for i, s := range t.Streams() {
		if s.Name() == name {
			return i
		}
	}
	return -1
}

func stateByName(t *topology.Topology, name string) stream.State {
	if i := indexByName(t, name); i >= 0 {
		s, _ := t.Stream(i)
		return s.State()
	}
	return stream.StateUnknown
}
