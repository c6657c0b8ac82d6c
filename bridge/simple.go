package bridge

import (
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
)

// simple is the two-party technology (Asterisk's bridge_simple): each
// member's goroutine writes what it reads to the peer, stream by stream
// through the bridge's slots, and topology changes are mirrored. It holds
// no state of its own and starts no goroutine.
type simple struct{ b *Bridge }

var _ Technology = (*simple)(nil)

func (s *simple) Name() string { return "simple" }
func (s *simple) Start()       {}
func (s *simple) Stop()        {}

// JoinLocked turns the newcomer's jitter buffer off (relayed audio keeps
// the sender's timing, DESIGN.md §10) and proposes, when the second
// member arrives, that the side with fewer streams mirror the side with
// more (ties: the first member defines), keeping its own audio formats
// (ASTERISK-NOTES §4.2). Video that can flow at once (both sides already
// have it) gets its senders asked for a key frame.
func (s *simple) JoinLocked(m *Member) {
	m.setJitterLocked(false)
	s.keyframesLocked()
	ms := s.b.members
	if len(ms) != 2 {
		return
	}
	req, ex := ms[0], ms[1]
	if ex.ch.Topology().Len() > req.ch.Topology().Len() {
		req, ex = ex, req
	}
	s.mirrorLocked(req, ex)
}

// LeaveLocked forgets the video paths to the leaver, so a later party's
// video counts as new.
func (s *simple) LeaveLocked(*Member) { s.keyframesLocked() }

// TopologyChangedLocked mirrors a change the bridge did not cause onto the
// peer, tagged with the bridge, so the peer's TopologyChanged comes back
// with the bridge as source and is not mirrored again: one mirror per
// change, no storm. A change arriving while the peer's previous one is
// pending is merged by the channel core.
//
// Either way, a video path the change made usable (typically when the
// mirror completes on the peer, so the first video the offering side sent
// was dropped) gets its sender asked for a key frame (keyframe.go).
func (s *simple) TopologyChangedLocked(m *Member, own bool) {
	s.keyframesLocked()
	if own {
		return
	}
	if p := s.b.peerLocked(m); p != nil {
		s.mirrorLocked(m, p)
	}
}

// keyframesLocked recomputes the usable video paths between the two
// members (none unless there are exactly two) and asks the sender of any
// new one for a key frame.
func (s *simple) keyframesLocked() {
	for _, m := range s.b.members {
		var routes []videoRoute
		if p := s.b.peerLocked(m); p != nil {
			routes = pairRoutes(m, p)
		}
		m.noteRoutesLocked(&m.kfRoutes, routes)
	}
}

// requestedLocked accepts a topology m's driver asked for and proposes its
// mirror to the peer.
func (s *simple) requestedLocked(m *Member, t *topology.Topology) {
	m.requestLocked(t)
	if p := s.b.peerLocked(m); p != nil && p.ch.Multistream() {
		p.requestLocked(proposal(t, p.ch.Topology()).Freeze())
	}
}

// mirrorLocked asks to's goroutine to request the mirror of from's
// topology, unless to already has it or cannot do multistream.
func (s *simple) mirrorLocked(from, to *Member) {
	if !to.ch.Multistream() {
		return
	}
	have := to.ch.Topology()
	p := proposal(from.ch.Topology(), have)
	if p.Equal(have) {
		return
	}
	to.requestLocked(p.Freeze())
}

// Write passes f from m to the peer: media through the slot map (voice is
// translated by the peer's write path when formats differ, video never),
// DTMF, hold/unhold, source updates and ringing/progress as they are, and
// video updates within the peer's budget (one per
// Config.VideoUpdateInterval, Member.takeVideoUpdate). Answer, busy and
// congestion are not relayed.
func (s *simple) Write(m *Member, f *frame.Frame) {
	peer := s.b.peer(m)
	if peer == nil {
		m.dropped.Add(1)
		return
	}
	switch f.Kind {
	case frame.Voice:
		if m.muted.Load() {
			m.dropped.Add(1)
			return
		}
		m.forward(peer, f)
	case frame.Video, frame.Text, frame.Image:
		m.forward(peer, f)
	case frame.DTMFBegin, frame.DTMFEnd:
		pass(m, peer, f)
	case frame.Control:
		switch f.Control {
		case frame.Hold, frame.Unhold, frame.SourceUpdate, frame.TopologySourceChanged,
			frame.Ringing, frame.Progress, frame.Proceeding:
			pass(m, peer, f)
		case frame.VideoUpdate:
			if ok, _ := peer.takeVideoUpdate(); ok {
				pass(m, peer, f)
			} else {
				m.dropped.Add(1)
			}
		default:
			m.dropped.Add(1)
		}
	default:
		m.dropped.Add(1)
	}
}

// pass writes a non-media frame from m to peer.
func pass(m, peer *Member, f *frame.Frame) {
	if err := peer.ch.Write(f); err != nil {
		m.dropped.Add(1)
		return
	}
	m.forwarded.Add(1)
}

// peerLocked is peer for callers holding b.mu.
func (b *Bridge) peerLocked(m *Member) *Member {
	if len(b.members) != 2 {
		return nil
	}
	if b.members[0] == m {
		return b.members[1]
	}
	if b.members[1] == m {
		return b.members[0]
	}
	return nil
}

// proposal returns the topology the existing side of a two-party bridge
// should have to mirror the requested side: requested's streams with
// sendonly and recvonly swapped, and on every active audio stream the
// formats of existing's first active audio stream (so the existing side's
// renegotiation cannot fail on codecs; translation bridges the rest).
func proposal(requested, existing *topology.Topology) *topology.Topology {
	p := requested.Mirror()
	var audio format.Caps
	if s := existing.FirstOfType(format.Audio); s != nil {
		audio = s.Formats()
	}
	if audio.IsEmpty() {
		return p
	}
	for _, s := range p.Streams() {
		if s.Type() == format.Audio && !s.IsRemoved() {
			s.SetFormats(audio)
		}
	}
	return p
}
