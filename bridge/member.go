package bridge

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
)

// Member is a channel's membership in a bridge: its stream map (channel
// stream ↔ bridge slot), mute flag and the work the bridge asks its
// goroutine to do. A Member exists from Join until Join returns.
//
// The member's goroutine is the one that called [Bridge.Join]: it reads
// the channel, hands frames to the technology, and carries out work the
// bridge queues for it (topology requests, read format changes), so the
// requests of one channel are always sent in order, by one goroutine, with
// no lock held.
type Member struct {
	b  *Bridge
	ch *channel.Channel

	smap  atomic.Pointer[streamMap] // rebuilt on join and TopologyChanged
	part  atomic.Pointer[participant]
	muted atomic.Bool
	work  atomic.Bool // the goroutine has work: see Bridge.service

	// vuNext is when the bridge may next write m a video update, in
	// nanoseconds since b.epoch (takeVideoUpdate).
	vuNext atomic.Int64

	// Counters for tests and statistics.
	topoChanged atomic.Int32 // TopologyChanged frames read in the bridge
	forwarded   atomic.Uint64
	dropped     atomic.Uint64
	keyframes   atomic.Uint64 // key-frame requests the bridge wrote to ch

	// Guarded by b.mu.
	leave      LeaveReason
	request    *topology.Topology // latest topology to request on ch; nil: none
	wantRead   format.Format      // read format of the default audio stream
	haveRead   format.Format      // what the goroutine applied last
	want       *topology.Topology // mixing: the topology the bridge wants ch to have
	wantJitter bool               // the driver's jitter buffer: on for mixing, off for two parties
	keyframe   bool               // ask ch for a key frame (keyframe.go)
	kfRoutes   []videoRoute       // simple/native: usable video paths from ch, last computed

	// Member goroutine only.
	applied    format.Format
	readPos    int
	deadline   time.Time // read deadline set on ch; zero: none
	nativeDue  time.Time // next native re-check; zero: not native
	kfPending  bool      // a key-frame request waits for the budget
	kfDue      time.Time // when it may be written
	jitterSet  bool      // the jitter switch was applied once
	haveJitter bool      // what it was set to
}

// streamMap is a member's mapping between its streams and the bridge's
// slots (topology.Slots.Map); immutable once published.
type streamMap struct {
	topo      *topology.Topology // the topology the map was built from
	toBridge  []int              // channel stream → slot
	toChannel []int              // slot → channel stream, -1 when unmapped
}

// channelPos returns the stream mapped to slot, or -1.
func (sm *streamMap) channelPos(slot int) int {
	if sm == nil || slot < 0 || slot >= len(sm.toChannel) {
		return -1
	}
	return sm.toChannel[slot]
}

// slot returns the slot of stream pos, or -1.
func (sm *streamMap) slot(pos int) int {
	if sm == nil || pos < 0 || pos >= len(sm.toBridge) {
		return -1
	}
	return sm.toBridge[pos]
}

// Channel returns the member's channel.
func (m *Member) Channel() *channel.Channel { return m.ch }

// Bridge returns the bridge m belongs to.
func (m *Member) Bridge() *Bridge { return m.b }

// Muted reports whether the member's audio is kept out of the bridge.
func (m *Member) Muted() bool { return m.muted.Load() }

// forward writes media frame f (borrowed), read from m, to the stream of
// to mapped to the same bridge slot. Unmapped slots and removed streams
// are dropped. Voice is translated by to's write path when the formats
// differ; other media is written as it is.
func (m *Member) forward(to *Member, f *frame.Frame) {
	pos := to.smap.Load().channelPos(m.smap.Load().slot(f.Stream))
	if pos < 0 {
		m.dropped.Add(1)
		return
	}
	if s, ok := to.ch.Topology().Stream(pos); !ok || s.IsRemoved() {
		m.dropped.Add(1)
		return
	}
	if err := to.ch.WriteStream(pos, f); err != nil {
		m.dropped.Add(1)
		return
	}
	m.forwarded.Add(1)
}

// requestLocked asks m's goroutine to request t on its channel (the latest
// request wins). b.mu must be held.
func (m *Member) requestLocked(t *topology.Topology) {
	m.request = t
	m.b.wakeLocked(m)
}

// setJitterLocked asks m's goroutine to turn the jitter buffer of m's
// driver on (the mixer terminates m's audio) or off (a two-party bridge
// relays it with the sender's timing), DESIGN.md §10. b.mu must be held.
func (m *Member) setJitterLocked(on bool) {
	m.wantJitter = on
	m.b.wakeLocked(m)
}

// jitterSwitch is the optional driver capability that turns the jitter
// buffer on a channel's received audio on or off (the SIP driver has
// it). The bridge calls it on the member's goroutine with no lock held;
// it may block briefly and returns channel.ErrHangup once the call is
// over.
type jitterSwitch interface {
	SetJitterBuffer(on bool) error
}

// jitterSwitchOf finds the jitter switch of t or of a Tech it wraps.
func jitterSwitchOf(t channel.Tech) (jitterSwitch, bool) {
	for t != nil {
		if js, ok := t.(jitterSwitch); ok {
			return js, true
		}
		u, ok := t.(channel.Unwrapper)
		if !ok {
			break
		}
		t = u.Unwrap()
	}
	return nil, false
}

// applyJitter turns the jitter buffer of m's driver on or off, once per
// change. Member goroutine only, no lock held.
func (m *Member) applyJitter(on bool) {
	if m.jitterSet && m.haveJitter == on {
		return
	}
	m.jitterSet, m.haveJitter = true, on
	js, ok := jitterSwitchOf(m.ch.Tech())
	if !ok {
		return
	}
	if err := js.SetJitterBuffer(on); err != nil && !errors.Is(err, channel.ErrHangup) {
		m.b.log.Debug("jitter buffer switch failed", "channel", m.ch, "on", on, "error", err)
	}
}

// setReadLocked asks m's goroutine to set the read format of its default
// audio stream to f (zero: no translation). b.mu must be held.
func (m *Member) setReadLocked(f format.Format) {
	if m.wantRead == f {
		return
	}
	m.wantRead = f
	m.b.wakeLocked(m)
}
