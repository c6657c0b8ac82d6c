package bridge

import (
	"strconv"
	"strings"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

// SFU naming. Every video source of a conference participant (a video
// stream the PBX receives) appears in every other participant's topology
// as one sendonly destination stream named DestPrefix + source channel id
// + "_" + source stream position, e.g. "dest_1722870000.7_1", with
// metadata MetadataLabel = the source channel's id, so a client can tell
// whose video a stream carries.
const (
	DestPrefix    = "dest_"
	MetadataLabel = "label"
)

// DestName returns the name of the destination stream carrying video
// source pos of channel id.
func DestName(id string, pos int) string {
	return DestPrefix + id + "_" + strconv.Itoa(pos)
}

func isDest(name string) bool { return strings.HasPrefix(name, DestPrefix) }

// isSource reports whether s is a video source: an active video stream the
// PBX receives that is not itself a destination stream.
func isSource(s *stream.Stream) bool {
	return s.Type() == format.Video && !s.IsRemoved() && s.State().Receives() && !isDest(s.Name())
}

// srcs returns p's video sources (nil before the first reconcile).
func (p *participant) srcs() []sourceInfo {
	if s := p.sources.Load(); s != nil {
		return *s
	}
	return nil
}

// route is one destination of a video source: stream pos of member to.
type route struct {
	to  *Member
	pos int
}

// sourceInfo is one video source of a participant.
type sourceInfo struct {
	pos  int
	name string // its destination name
	s    *stream.Stream
}

// reconcileLocked brings every participant's wanted topology in line with
// the sources of the others: one sendonly destination per remote source
// (added in the first removed slot, or appended, or revived in place when a
// removed one of that name exists) and every destination whose source is
// gone marked removed. Slots are never deleted, so SDP m-line order stays
// stable. A participant whose wanted topology changed gets it requested by
// its own goroutine. Idempotent: with nothing new it requests nothing, so
// the TopologyChanged that answers a request does not trigger another.
func (mx *mixing) reconcileLocked() {
	for _, p := range mx.parts {
		var src []sourceInfo
		for i, s := range p.m.ch.Topology().Streams() {
			if isSource(s) {
				src = append(src, sourceInfo{pos: i, name: DestName(p.m.ch.ID(), i), s: s})
			}
		}
		p.sources.Store(&src)
	}
	for _, q := range mx.parts {
		base := q.m.want
		if base == nil {
			base = q.m.ch.Topology()
		}
		wanted := map[string]bool{}
		for _, p := range mx.parts {
			if p == q {
				continue
			}
			for _, s := range p.srcs() {
				wanted[s.name] = true
			}
		}
		t := base.Clone()
		changed := false
		for _, s := range t.Streams() {
			if isDest(s.Name()) && !s.IsRemoved() && !wanted[s.Name()] {
				s.SetState(stream.Removed)
				changed = true
			}
		}
		for _, p := range mx.parts {
			if p == q {
				continue
			}
			for _, src := range p.srcs() {
				if addDest(t, src, p.m.ch.ID()) {
					changed = true
				}
			}
		}
		if changed {
			q.m.want = t.Freeze()
			q.m.requestLocked(q.m.want)
		} else if q.m.want == nil {
			q.m.want = base
		}
	}
}

// addDest makes sure t has an active destination stream for src, reporting
// whether it changed t.
func addDest(t *topology.Topology, src sourceInfo, label string) bool {
	for _, s := range t.Streams() {
		if s.Name() != src.name {
			continue
		}
		if !s.IsRemoved() {
			return false
		}
		s.SetType(format.Video)
		s.SetState(stream.SendOnly)
		s.SetFormats(src.s.Formats())
		s.SetMetadata(MetadataLabel, label)
		return true
	}
	d := stream.New(src.name, format.Video)
	d.SetState(stream.SendOnly)
	d.SetFormats(src.s.Formats())
	d.SetMetadata(MetadataLabel, label)
	if _, err := t.AddReusingRemoved(d); err != nil {
		panic(err) // unreachable: a new stream on an unfrozen clone
	}
	return true
}

// routesLocked rebuilds, for every participant's video sources, the
// destination streams active in the other participants' current
// topologies. Video is only forwarded to destinations the far end has
// accepted. A participant whose video gained a destination the PBX sends
// on (a newcomer accepted the stream carrying it, or a destination came
// back from inactive) is asked for a key frame (keyframe.go), so the
// newcomer's decoder need not wait for the next periodic one.
func (mx *mixing) routesLocked() {
	for _, p := range mx.parts {
		srcs := p.srcs()
		var routes [][]route
		var usable []videoRoute
		if len(srcs) > 0 {
			routes = make([][]route, p.m.ch.Topology().Len())
		}
		for _, src := range srcs {
			if src.pos >= len(routes) {
				continue
			}
			for _, q := range mx.parts {
				if q == p {
					continue
				}
				for j, s := range q.m.ch.Topology().Streams() {
					if s.Name() == src.name && !s.IsRemoved() && s.Type() == format.Video {
						routes[src.pos] = append(routes[src.pos], route{to: q.m, pos: j})
						if s.State().Sends() {
							usable = append(usable, videoRoute{src: src.pos, to: q.m, dst: j})
						}
						break
					}
				}
			}
		}
		p.routes.Store(&routes)
		p.m.noteRoutesLocked(&p.kfRoutes, usable)
	}
}

// forwardVideo writes a video frame from p's source stream to each of its
// destinations, a clone per destination but the last (writes may edit
// payloads in place). Video is never transcoded.
func (mx *mixing) forwardVideo(p *participant, f *frame.Frame) {
	rs := p.routes.Load()
	if rs == nil || f.Stream < 0 || f.Stream >= len(*rs) || len((*rs)[f.Stream]) == 0 {
		p.m.dropped.Add(1)
		return
	}
	list := (*rs)[f.Stream]
	for i, r := range list {
		g := f
		if i < len(list)-1 {
			g = f.Clone()
		}
		if err := r.to.ch.WriteStream(r.pos, g); err != nil {
			p.m.dropped.Add(1)
		} else {
			p.m.forwarded.Add(1)
		}
		if g != f {
			g.Release()
		}
	}
}

// requestKeyframes passes a video update from p to every other participant
// that sends video and has budget for one.
func (mx *mixing) requestKeyframes(p *participant, f *frame.Frame) {
	for _, q := range mx.snap.Load().parts {
		if q == p || len(q.srcs()) == 0 {
			continue
		}
		if ok, _ := q.m.takeVideoUpdate(); !ok {
			p.m.dropped.Add(1)
			continue
		}
		g := f.Clone()
		if err := q.m.ch.Write(g); err != nil {
			p.m.dropped.Add(1)
		}
		g.Release()
	}
}
