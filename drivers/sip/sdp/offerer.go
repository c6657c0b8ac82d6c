package sdp

import (
	"fmt"
	"strconv"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

// carriable reports whether the PBX can offer RTP media of type t.
func carriable(t format.MediaType) bool {
	return t == format.Audio || t == format.Video || t == format.Text
}

// MakeOffer returns an offer for topology t: the body of an outbound
// INVITE, of a PBX-initiated re-INVITE, or of the 200 OK to an offerless
// re-INVITE. The offer stays pending until [Session.Answer] or
// [Session.Rollback]; meanwhile a remote offer fails with
// [ErrOfferPending] (glare, 491).
//
// One m-line per stream, in order (RFC 3264 §5). A removed stream is a
// port-0 m-line keeping the slot's media type; so is a stream of a type the
// PBX cannot carry (image, unknown) or with no format expressible in SDP.
// The m-line count never shrinks: when t has fewer streams than the
// session's m-lines, the extra m-lines are offered with port 0 (RFC 3264
// §8). Direction comes from the stream state (PBX side). Formats keep their
// order and get stable payload type numbers: the number the m-line used
// before, the static one, the one the session already gave that codec, or
// a fresh dynamic one that was never used for another codec in the session
// (RFC 3264 §8.3.2). Audio m-lines also get telephone-event (one per
// distinct clock rate of their codecs) and a=ptime; every active m-line
// gets a=mid (stream metadata "mid", else the previous value, else the
// index), a=label (metadata "label") and a=rtcp-mux.
func (s *Session) MakeOffer(t *topology.Topology) ([]byte, error) {
	if s.pending != nil {
		return nil, fmt.Errorf("make offer: %w", ErrOfferPending)
	}
	if t.Len() == 0 {
		return nil, fmt.Errorf("make offer: %w", ErrEmptyTopology)
	}
	n := max(t.Len(), len(s.slots))
	if n > MaxStreams {
		return nil, fmt.Errorf("make offer: %w: %d streams", ErrTooManyStreams, n)
	}
	slots := make([]slot, n)
	lines := make([]localLine, n)
	usedMID := map[string]bool{}
	for i := range n {
		st := streamAt(t, i)
		var sl slot
		switch {
		case i < len(s.slots) && (st == nil || st.IsRemoved() || st.Type() == s.slots[i].typ):
			sl = s.slots[i].clone()
		default: // a new m-line, or an existing one now carrying another media type
			sl = newSlot(st.Type())
		}
		l := localLine{typ: sl.typ}
		if st != nil && !st.IsRemoved() && carriable(sl.typ) {
			if !supportedProto(sl.proto) {
				sl.proto = "RTP/AVP" // a slot the remote offered with, say, RTP/SAVP
			}
			codecs, err := s.offerCodecs(&sl, st)
			if err != nil {
				return nil, fmt.Errorf("make offer: stream %d: %w", i, err)
			}
			if len(codecs) > 0 {
				l.codecs, l.dir, l.rtcpMux = codecs, st.State(), !s.cfg.NoRTCPMux
				l.label, _ = st.Metadata("label")
				sl.fmts = sl.fmts[:0]
				for _, c := range codecs {
					sl.fmts = append(sl.fmts, strconv.Itoa(int(c.PT)))
				}
			}
		}
		mid := sl.mid
		if st != nil {
			if v, ok := st.Metadata("mid"); ok && mid == "" {
				mid = v
			}
		}
		if !printable(mid) {
			mid = ""
		}
		l.mid = uniqueMID(mid, i, usedMID)
		sl.mid = l.mid
		l.media, l.proto = sl.media, sl.proto
		if len(l.codecs) == 0 {
			l.fmts = sl.fmts
			if len(l.fmts) == 0 {
				_, _, l.fmts = mediaToken(sl.typ)
			}
		}
		slots[i], lines[i] = sl, l
	}
	for i := range lines {
		if len(lines[i].codecs) == 0 {
			continue
		}
		p, err := s.port(i, lines[i].typ)
		if err != nil {
			return nil, fmt.Errorf("make offer: %w", err)
		}
		lines[i].port = p
	}
	b := s.stamp(lines)
	s.pending = &pending{lines: lines, slots: slots, topo: t.Clone()}
	return b, nil
}

// offerCodecs returns the codecs to offer for stream st on slot sl,
// allocating payload types.
func (s *Session) offerCodecs(sl *slot, st *stream.Stream) ([]Codec, error) {
	used := map[uint8]bool{}
	var out []Codec
	var rates []int
	add := func(f format.Format) error {
		enc, static, ok := encodingOf(f)
		if !ok {
			return nil // not expressible in SDP: left out
		}
		pt, err := s.allocPT(sl, enc.key(), static, used)
		if err != nil {
			return err
		}
		used[pt] = true
		s.register(sl, enc.key(), pt)
		out = append(out, Codec{PT: pt, Format: f})
		return nil
	}
	for _, f := range st.Formats().Formats() {
		if f.Type != st.Type() || isTelephoneEvent(f) {
			continue
		}
		if err := add(f); err != nil {
			return nil, err
		}
		if f.Type == format.Audio && !containsInt(rates, f.ClockRate) {
			rates = append(rates, f.ClockRate)
		}
	}
	if len(out) == 0 || st.Type() != format.Audio || s.cfg.NoTelephoneEvent {
		return out, nil
	}
	for _, r := range rates {
		if err := add(telephoneEventAt(r)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Answer processes the remote answer to the pending offer (the SDP of a
// 200 OK or reliable 183, or of the ACK after an offerless re-INVITE) and
// returns the negotiated topology: one stream per m-line, the formats the
// answer accepted in its order, the state from the answer's direction
// narrowed by what was offered, names and metadata from the offered
// topology. [Session.Negotiated] gives the media per stream and the change
// class. It fails with [ErrNoPendingOffer] without an offer and with
// [ErrMLineCount] or [ErrMLineMismatch] when the answer does not fit the
// offer (RFC 3264 §6); the pending offer then stays, so the driver may
// still apply a later, valid answer or [Session.Rollback].
//
// An answer that removes every stream is not an error here: the topology
// has no active stream and the driver decides (usually a BYE).
func (s *Session) Answer(remote []byte) (*topology.Topology, error) {
	p := s.pending
	if p == nil {
		return nil, fmt.Errorf("answer: %w", ErrNoPendingOffer)
	}
	d, err := parse(remote)
	if err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	if len(d.lines) != len(p.lines) {
		return nil, fmt.Errorf("answer: %w: %d m-lines, offered %d", ErrMLineCount, len(d.lines), len(p.lines))
	}
	for i, m := range d.lines {
		if m.media != p.lines[i].media {
			return nil, fmt.Errorf("answer: %w: m-line %d is %s, offered %s", ErrMLineMismatch, i, m.media, p.lines[i].media)
		}
	}
	r := Result{Topology: topology.New(), Warnings: errJoin(d.warnings)}
	for i, m := range d.lines {
		ol := &p.lines[i]
		md := answered(ol, m)
		st := newStream(ol.typ, streamAt(p.topo, i))
		st.SetState(md.State)
		if md.State != stream.Removed {
			fs := make([]format.Format, len(md.Send))
			for j, c := range md.Send {
				fs[j] = c.Format
			}
			st.SetFormats(format.NewCaps(fs...))
		}
		if m.mid != "" || ol.mid != "" {
			st.SetMetadata("mid", cmpOr(m.mid, ol.mid))
		}
		if m.label != "" {
			st.SetMetadata("label", m.label)
		}
		mustAppend(r.Topology, st)
		r.Media = append(r.Media, md)
	}
	s.commit(p.slots, &r)
	return r.Topology, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// answered computes the media of m-line m of an answer to offered line ol.
func answered(ol *localLine, m *mline) Media {
	md := Media{Type: ol.typ, State: stream.Removed}
	switch {
	case ol.port == 0 || m.port == 0:
		return md
	case !supportedProto(m.proto) || m.count != 1 || m.addr.IsMulticast():
		md.Declined = fmt.Errorf("%w: answer m-line %d: %s", ErrUnsupportedTransport, m.index, m.proto)
		return md
	}
	for _, c := range m.codecs {
		f := c.f
		var ours Codec
		for _, oc := range ol.codecs {
			// A dynamic type the answer left without rtpmap is read as the
			// one offered with that number.
			if (!f.IsZero() && oc.Format.Is(f)) || (f.IsZero() && c.enc == (encoding{}) && oc.PT == c.pt) {
				ours = oc
				break
			}
		}
		if ours.IsZero() {
			continue // not offered (or unknown): ignored
		}
		if f.IsZero() {
			f = ours.Format
		}
		if isTelephoneEvent(f) {
			if md.SendDTMF.IsZero() {
				md.SendDTMF, md.RecvDTMF = Codec{PT: c.pt, Format: f}, ours
			}
			continue
		}
		dup := false
		for _, sc := range md.Send {
			dup = dup || sc.Format.Is(f)
		}
		if !dup {
			md.Send = append(md.Send, Codec{PT: c.pt, Format: f})
			md.Recv = append(md.Recv, ours)
		}
	}
	if len(md.Send) == 0 {
		return Media{Type: ol.typ, State: stream.Removed,
			Declined: fmt.Errorf("%w: answer m-line %d", ErrNoCommonFormat, m.index)}
	}
	st := m.dir.Mirror()
	if m.addr.IsUnspecified() {
		st = stateOf(false, st.Receives())
	}
	md.State = intersect(ol.dir, st)
	md.LocalPort = ol.port
	remoteMedia(&md, m, ol.rtcpMux && m.rtcpMux)
	return md
}
