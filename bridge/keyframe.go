package bridge

import (
	"errors"
	"slices"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Key-frame requests when video starts flowing.
//
// A video decoder that starts in the middle of a stream, or after frames
// were lost, shows nothing until the next key frame, which encoders send
// only every few seconds unless asked. Whenever a video path through the
// bridge becomes usable — the second party joins with video, a
// renegotiation (a re-INVITE adding video, mirrored onto the other leg)
// completes, a video stream comes back from hold or inactive, a conference
// participant accepts the destination stream of another's video — the
// frames the sender sent before were dropped (the bridge had nowhere to
// put them), so the bridge asks the sender for a key frame: it writes a
// [frame.VideoUpdate] to the sending member's channel (the SIP driver
// sends an RFC 5168 INFO picture_fast_update).
//
// The technologies compute, under the bridge lock, the set of usable
// video paths from each member (videoRoute) and compare it with the set
// they computed last; a path that was not there before sets
// Member.keyframe and wakes the member. Its goroutine writes the request,
// no lock held, as soon as the member's video update budget allows
// (Member.takeVideoUpdate: one per Config.VideoUpdateInterval, shared with
// requests relayed from other members); a request the budget holds back is
// deferred, not dropped, with a read deadline waking the goroutine when it
// is due.

// videoRoute is one usable video path through the bridge: stream src of
// the sending member reaches stream dst of member to.
type videoRoute struct {
	src int
	to  *Member
	dst int
}

// hasNewRoute reports whether now holds a route that was not in before.
func hasNewRoute(before, now []videoRoute) bool {
	for _, r := range now {
		if !slices.Contains(before, r) {
			return true
		}
	}
	return false
}

// noteRoutesLocked records the usable video paths from m (the member
// sends on them) and asks m for a key frame when one of them is new.
// prev is the technology's record of the last set, updated in place.
// b.mu must be held.
func (m *Member) noteRoutesLocked(prev *[]videoRoute, now []videoRoute) {
	if hasNewRoute(*prev, now) {
		m.keyframe = true
		m.b.wakeLocked(m)
	}
	*prev = now
}

// pairRoutes returns the usable video paths from member from to member to
// of a two-party bridge: a video stream the PBX receives on from whose
// bridge slot maps to a video stream of to that the PBX sends on. It reads
// the topologies the members' stream maps were built from, so map and
// streams agree.
func pairRoutes(from, to *Member) []videoRoute {
	fm, tm := from.smap.Load(), to.smap.Load()
	if fm == nil || tm == nil || fm.topo == nil || tm.topo == nil {
		return nil
	}
	var out []videoRoute
	for i, s := range fm.topo.Streams() {
		if s.Type() != format.Video || s.IsRemoved() || !s.State().Receives() {
			continue
		}
		j := tm.channelPos(fm.slot(i))
		if j < 0 {
			continue
		}
		d, ok := tm.topo.Stream(j)
		if !ok || d.Type() != format.Video || d.IsRemoved() || !d.State().Sends() {
			continue
		}
		out = append(out, videoRoute{src: i, to: to, dst: j})
	}
	return out
}

// takeVideoUpdate reports whether the bridge may write a video update to
// m now and, if so, uses up m's budget: m is written at most one video
// update per Config.VideoUpdateInterval, whether relayed from another
// member or the bridge's own key-frame request. When it may not, it also
// returns when it may. Safe for concurrent use (members' goroutines relay
// to m while m's own goroutine writes the bridge's requests).
func (m *Member) takeVideoUpdate() (ok bool, due time.Time) {
	iv := m.b.cfg.VideoUpdateInterval
	if iv < 0 {
		return true, time.Time{}
	}
	now := int64(time.Since(m.b.epoch))
	for {
		next := m.vuNext.Load()
		if now < next {
			return false, m.b.epoch.Add(time.Duration(next))
		}
		if m.vuNext.CompareAndSwap(next, now+int64(iv)) {
			return true, time.Time{}
		}
	}
}

// requestKeyframe writes the key-frame request the bridge owes m, if any
// and if m's video update budget allows; otherwise it leaves it pending
// until m.kfDue (armDeadline wakes the goroutine then). Member goroutine
// only, no lock held.
func (b *Bridge) requestKeyframe(m *Member) {
	if !m.kfPending {
		return
	}
	ok, due := m.takeVideoUpdate()
	if !ok {
		m.kfDue = due
		return
	}
	m.kfPending, m.kfDue = false, time.Time{}
	f := frame.NewControl(frame.VideoUpdate)
	err := m.ch.Write(f)
	f.Release()
	if err != nil {
		if !errors.Is(err, channel.ErrHangup) {
			b.log.Debug("key frame request failed", "channel", m.ch, "error", err)
		}
		return
	}
	m.keyframes.Add(1)
}
