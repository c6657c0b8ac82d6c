package sdp

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

// offered returns the PBX-side state an offered m-line asks for, or
// [stream.Removed] with the reason it cannot be accepted (nil when the
// remote itself removed it with port 0).
//
// Directions are mirrored (remote sendonly → PBX recvonly, RFC 3264 §6.1).
// An unspecified connection address (c=0.0.0.0 or c=::, RFC 2543 hold,
// RFC 3264 §8.4) means the remote cannot receive: the PBX's sending half is
// removed, so sendrecv becomes recvonly and recvonly becomes inactive, while
// the remote may still send (music on hold).
func offered(m *mline) (stream.State, error) {
	switch {
	case m.port == 0:
		return stream.Removed, nil
	case m.typ != format.Audio && m.typ != format.Video && m.typ != format.Text:
		return stream.Removed, fmt.Errorf("%w: %s", ErrUnsupportedMedia, m.media)
	case !supportedProto(m.proto):
		return stream.Removed, fmt.Errorf("%w: %s", ErrUnsupportedTransport, m.proto)
	case m.count != 1:
		return stream.Removed, fmt.Errorf("%w: %d ports", ErrUnsupportedTransport, m.count)
	case m.addr.IsMulticast():
		return stream.Removed, fmt.Errorf("%w: multicast %s", ErrUnsupportedTransport, m.addr)
	}
	st := m.dir.Mirror()
	if m.addr.IsUnspecified() {
		st = stateOf(false, st.Receives())
	}
	return st, nil
}

// choice is the PBX's decision for one offered m-line.
type choice struct {
	state  stream.State // PBX side; Removed when declined
	reason error        // why it was declined
	codecs []rtpCodec   // chosen codecs, answer order, without telephone-event
	dtmf   rtpCodec     // chosen telephone-event, zero if none
}

// choose decides one offered m-line against the local formats (local:
// preference order), an optional per-stream restriction want, and the
// ordering rule.
func choose(m *mline, local format.Caps, want *stream.Stream, preferOffer, dtmf bool) choice {
	st, reason := offered(m)
	if st == stream.Removed {
		return choice{state: st, reason: reason}
	}
	if want != nil {
		if want.IsRemoved() || want.Type() != m.typ {
			return choice{state: stream.Removed, reason: fmt.Errorf("%w: stream %d", ErrDeclined, m.index)}
		}
		st = intersect(st, want.State())
		if !want.Formats().IsEmpty() {
			local = want.Formats()
		}
	}
	var loc []format.Format
	for _, f := range local.OfType(m.typ).Formats() {
		if !isTelephoneEvent(f) {
			loc = append(loc, f)
		}
	}
	var codecs []rtpCodec
	have := func(f format.Format) bool {
		for _, c := range codecs {
			if c.f.Is(f) {
				return true
			}
		}
		return false
	}
	if preferOffer {
		for _, c := range m.codecs {
			if c.f.IsZero() || isTelephoneEvent(c.f) || have(c.f) {
				continue
			}
			for _, f := range loc {
				if f.Is(c.f) {
					codecs = append(codecs, c)
					break
				}
			}
		}
	} else {
		for _, f := range loc {
			for _, c := range m.codecs {
				if !c.f.IsZero() && c.f.Is(f) && !have(c.f) {
					codecs = append(codecs, c)
					break
				}
			}
		}
	}
	if len(codecs) == 0 {
		return choice{state: stream.Removed, reason: fmt.Errorf("%w: stream %d (%s)", ErrNoCommonFormat, m.index, m.media)}
	}
	ch := choice{state: st, codecs: codecs}
	if dtmf && m.typ == format.Audio {
		ch.dtmf = chooseDTMF(m.codecs, codecs[0].f.ClockRate)
	}
	return ch
}

// chooseDTMF picks the offered telephone-event at the primary codec's clock
// rate (RFC 4733 §2.1 wants the same clock as the audio), else the one at
// 8000, else the first.
func chooseDTMF(offer []rtpCodec, clock int) rtpCodec {
	var first, at8k rtpCodec
	for _, c := range offer {
		if c.f.IsZero() || !isTelephoneEvent(c.f) {
			continue
		}
		if c.f.ClockRate == clock {
			return c
		}
		if first.f.IsZero() {
			first = c
		}
		if c.f.ClockRate == 8000 && at8k.f.IsZero() {
			at8k = c
		}
	}
	if !at8k.f.IsZero() {
		return at8k
	}
	return first
}

// remoteMedia fills the remote side of a Media from an m-line the PBX
// accepted, with rtp-mux as negotiated.
func remoteMedia(md *Media, m *mline, mux bool) {
	md.PTime, md.MID, md.Label = m.ptime, m.mid, m.label
	md.SSRCs = append([]uint32(nil), m.ssrcs...)
	md.RTCPMux = mux
	if !m.addr.IsValid() || m.addr.IsUnspecified() {
		return
	}
	md.Remote = netip.AddrPortFrom(m.addr, uint16(m.port))
	switch {
	case mux:
		md.RemoteRTCP = md.Remote
	case m.rtcp.IsValid():
		md.RemoteRTCP = m.rtcp
	case m.port < 65535:
		md.RemoteRTCP = netip.AddrPortFrom(m.addr, uint16(m.port+1))
	}
}

func codecsOf(cs []rtpCodec) []Codec {
	out := make([]Codec, len(cs))
	for i, c := range cs {
		out[i] = Codec{PT: c.pt, Format: c.f}
	}
	return out
}

func capsOf(cs []rtpCodec) format.Caps {
	fs := make([]format.Format, len(cs))
	for i, c := range cs {
		fs[i] = c.f
	}
	return format.NewCaps(fs...)
}

// ParseOffer reads a remote offer without a [Session]: the topology is the
// one offered, stated from the PBX's side, with every offered format the
// PBX knows (telephone-event excluded) in the offer's order; streams the PBX
// cannot carry at all are removed. Media carries the remote side only
// (LocalPort, Recv and RecvDTMF are empty) and Change is [ChangeUnknown].
//
// The driver uses it to build the channel for an inbound INVITE before the
// dialplan decides what to answer; [Session.Offer] then answers the same
// bytes.
func ParseOffer(remote []byte) (*Result, error) {
	d, err := parse(remote)
	if err != nil {
		return nil, fmt.Errorf("parse offer: %w", err)
	}
	r := &Result{Topology: topology.New(), Warnings: errJoin(d.warnings)}
	for _, m := range d.lines {
		var known []format.Format
		for _, c := range m.codecs {
			if !c.f.IsZero() && !isTelephoneEvent(c.f) {
				known = append(known, c.f)
			}
		}
		ch := choose(m, format.NewCaps(known...), nil, true, true)
		st := newStream(m.typ, nil)
		md := Media{Type: m.typ, State: ch.state, Declined: ch.reason}
		if ch.state != stream.Removed {
			st.SetFormats(capsOf(ch.codecs))
			md.Send = codecsOf(ch.codecs)
			md.SendDTMF = Codec{PT: ch.dtmf.pt, Format: ch.dtmf.f}
			remoteMedia(&md, m, m.rtcpMux)
		}
		st.SetState(ch.state)
		setRemoteMetadata(st, m)
		mustAppend(r.Topology, st)
		r.Media = append(r.Media, md)
	}
	return r, nil
}

func setRemoteMetadata(st *stream.Stream, m *mline) {
	if m.mid != "" {
		st.SetMetadata("mid", m.mid)
	}
	if m.label != "" {
		st.SetMetadata("label", m.label)
	}
}

func mustAppend(t *topology.Topology, st *stream.Stream) {
	if _, err := t.Append(st); err != nil {
		panic(err) // unreachable: fresh stream, unfrozen topology
	}
}

// Offer answers a remote offer: the body of an INVITE or re-INVITE (an
// answer to the PBX's own offer goes to [Session.Answer] instead). It
// returns the answer to send and the negotiated result, and commits the
// new state; on error the Session is unchanged and the driver rejects the
// offer (488 for [ErrNotAcceptable] and the parse errors, 491 for
// [ErrOfferPending]).
//
// Rules (RFC 3264 §6): the answer has the offer's m-lines in the same
// order; a stream the PBX cannot or will not accept gets port 0 with the
// reason in [Media].Declined; each accepted stream carries the common
// formats, ordered by local preference unless local.PreferOffer, with the
// offerer's payload type numbers and fmtp; telephone-event is answered when
// offered on an audio stream (one, at the primary codec's clock if
// possible); the direction is the complement of the offer's, narrowed by
// local.Streams; a=mid is echoed; rtcp-mux is echoed when offered and
// enabled. An offer of which no stream can be accepted fails with
// [ErrNotAcceptable], except a re-offer in which the remote removed every
// stream itself, which is answered with every m-line at port 0. A re-offer
// must keep at least the session's m-line count ([ErrMLineCount]); added
// m-lines become new streams, port-0 ones removed streams, and
// Result.Change tells a topology change from a source change.
func (s *Session) Offer(remote []byte, local Capabilities) (*Answer, error) {
	if s.pending != nil {
		return nil, fmt.Errorf("offer: %w", ErrOfferPending)
	}
	d, err := parse(remote)
	if err != nil {
		return nil, fmt.Errorf("offer: %w", err)
	}
	if len(d.lines) == 0 {
		return nil, fmt.Errorf("offer: %w: no m-lines", ErrNotAcceptable)
	}
	if len(d.lines) < len(s.slots) {
		return nil, fmt.Errorf("offer: %w: %d m-lines, session has %d", ErrMLineCount, len(d.lines), len(s.slots))
	}

	var prev *topology.Topology
	if s.neg != nil {
		prev = s.neg.Topology
	}
	mux := !s.cfg.NoRTCPMux
	choices := make([]choice, len(d.lines))
	var reasons []error
	accepted := 0
	for i, m := range d.lines {
		choices[i] = choose(m, local.Formats, streamAt(local.Streams, i), local.PreferOffer, !s.cfg.NoTelephoneEvent)
		if choices[i].state == stream.Removed {
			if choices[i].reason != nil {
				reasons = append(reasons, choices[i].reason)
			}
			continue
		}
		accepted++
	}
	switch {
	case accepted > 0:
	case len(reasons) > 0:
		return nil, fmt.Errorf("offer: %w: %w", ErrNotAcceptable, errors.Join(reasons...))
	case s.neg == nil:
		return nil, fmt.Errorf("offer: %w: every stream has port 0", ErrNotAcceptable)
	default:
		// A re-offer in which the remote itself removed every stream is
		// answered in kind (RFC 3264 §8.2): media stops, the dialog stays.
	}

	slots := make([]slot, len(d.lines))
	ports := make([]int, len(d.lines))
	for i, m := range d.lines {
		// An m-line that changed media type is a new stream: fresh payload
		// types (and a fresh port, see Session.port).
		if i >= len(s.slots) || s.slots[i].typ != m.typ {
			slots[i] = newSlot(m.typ)
		} else {
			slots[i] = s.slots[i].clone()
		}
		slots[i].media, slots[i].proto, slots[i].mid = m.media, m.proto, m.mid
		if choices[i].state == stream.Removed {
			continue
		}
		if ports[i], err = s.port(i, m.typ); err != nil {
			return nil, fmt.Errorf("offer: %w", err)
		}
	}

	lines := make([]localLine, len(d.lines))
	r := Result{Topology: topology.New(), Warnings: errJoin(d.warnings)}
	for i, m := range d.lines {
		ch := choices[i]
		sl := &slots[i]
		base := streamAt(local.Streams, i)
		if base == nil || base.Type() != m.typ {
			base = streamAt(prev, i)
		}
		st := newStream(m.typ, base)
		st.SetState(ch.state)
		setRemoteMetadata(st, m)
		md := Media{Type: m.typ, State: ch.state, Declined: ch.reason}
		l := localLine{media: m.media, typ: m.typ, proto: m.proto, mid: m.mid}
		if ch.state == stream.Removed {
			l.fmts = m.fmts
			if len(l.fmts) == 0 {
				_, _, l.fmts = mediaToken(m.typ)
			}
			sl.fmts = l.fmts
		} else {
			st.SetFormats(capsOf(ch.codecs))
			l.port, l.dir, l.rtcpMux = ports[i], ch.state, m.rtcpMux && mux
			l.codecs = codecsOf(ch.codecs)
			md.Send = codecsOf(ch.codecs)
			md.Recv = codecsOf(ch.codecs)
			if !ch.dtmf.f.IsZero() {
				dc := Codec{PT: ch.dtmf.pt, Format: ch.dtmf.f}
				l.codecs = append(l.codecs, dc)
				md.SendDTMF, md.RecvDTMF = dc, dc
			}
			sl.fmts = sl.fmts[:0]
			for _, c := range l.codecs {
				enc, _, _ := encodingOf(c.Format)
				s.register(sl, enc.key(), c.PT)
				sl.fmts = append(sl.fmts, fmt.Sprint(c.PT))
			}
			md.LocalPort = ports[i]
			remoteMedia(&md, m, l.rtcpMux)
		}
		lines[i] = l
		mustAppend(r.Topology, st)
		r.Media = append(r.Media, md)
	}

	a := &Answer{SDP: s.stamp(lines), Result: r}
	s.commit(slots, &a.Result)
	return a, nil
}

// commit installs a completed negotiation: slots, released ports, the
// change classification and the session's own copy of the result.
func (s *Session) commit(slots []slot, r *Result) {
	for i, md := range r.Media {
		if md.State == stream.Removed {
			s.releasePort(i)
		}
	}
	s.slots = slots
	r.Change = changeOf(s.neg, r)
	s.neg = r.clone()
	s.neg.Topology.Freeze()
	s.pending = nil
}
