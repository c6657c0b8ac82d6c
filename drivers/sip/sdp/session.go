package sdp

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"maps"
	"strconv"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

// Session is the local SDP state of one SIP dialog: origin id and version,
// payload type numbers per m-line, local ports, the m-lines negotiated so
// far and the offer in flight. It has no lock: the dialog's mailbox
// goroutine owns it (see the package documentation).
type Session struct {
	cfg     Config
	id      uint64
	version uint64
	last    []byte // last local description generated, nil before the first

	slots []slot      // one per m-line of the last completed negotiation
	ports []localPort // per m-line index (may outgrow slots)

	// Payload type bookkeeping for the whole session. ptOwner maps every
	// number the PBX has written to the first codec key it meant; numbers
	// the PBX allocates itself are never reused for another codec
	// (RFC 3264 §8.3.2). ptByKey is the session-wide number of a codec.
	ptOwner map[uint8]string
	ptByKey map[string]uint8

	pending *pending // the PBX's offer awaiting an answer, or nil
	neg     *Result  // last completed negotiation (session-owned), or nil
}

// slot is the PBX's record of one m-line.
type slot struct {
	media string // m-line media token ("audio", "image")
	proto string // transport token
	typ   format.MediaType
	fmts  []string         // format tokens last written, reused for port-0 lines
	mid   string           // a=mid last written, "" for none
	pts   map[string]uint8 // codec key -> payload type in the PBX's descriptions
}

func (sl slot) clone() slot {
	sl.fmts = append([]string(nil), sl.fmts...)
	sl.pts = maps.Clone(sl.pts)
	return sl
}

// localPort is the RTP port handed out for an m-line and the media type
// it was asked for.
type localPort struct {
	port int // 0: none
	typ  format.MediaType
}

// pending is an offer the PBX sent and has no answer for yet.
type pending struct {
	lines []localLine
	slots []slot
	topo  *topology.Topology // clone of the offered topology: names, metadata
}

// localLine is one m-line of a description the PBX generates.
type localLine struct {
	media   string
	typ     format.MediaType
	port    int // 0: removed
	proto   string
	fmts    []string // format tokens of a removed line
	codecs  []Codec  // RTP codecs of an active line, in preference order
	mid     string
	label   string
	dir     stream.State // direction from the PBX's side
	rtcpMux bool
}

// New returns a Session with no local description yet. It fails with
// [ErrConfig] when Address or Ports is missing.
func New(cfg Config) (*Session, error) {
	if !cfg.Address.IsValid() || cfg.Address.IsUnspecified() || cfg.Address.Zone() != "" {
		return nil, fmt.Errorf("%w: address %q", ErrConfig, cfg.Address)
	}
	cfg.Address = cfg.Address.Unmap()
	if cfg.Ports == nil {
		return nil, fmt.Errorf("%w: no port function", ErrConfig)
	}
	if cfg.PTime < 0 || cfg.PTime > 1000 {
		return nil, fmt.Errorf("%w: ptime %d", ErrConfig, cfg.PTime)
	}
	if cfg.PTime == 0 {
		cfg.PTime = 20
	}
	if cfg.Username == "" {
		cfg.Username = "-"
	}
	if cfg.SessionName == "" {
		cfg.SessionName = "pbx"
	}
	s := &Session{
		cfg:     cfg,
		id:      cfg.SessionID,
		version: cfg.SessionVersion,
		ptOwner: map[uint8]string{},
		ptByKey: map[string]uint8{},
	}
	if s.id == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		// Keep it below 2^62 so peers that parse it as int64 cope.
		s.id = binary.BigEndian.Uint64(b[:])>>2 | 1
	}
	return s, nil
}

// Local returns a copy of the last local description generated (an answer
// from [Session.Offer] or an offer from [Session.MakeOffer]), or nil. The
// driver re-sends it, for example in a 200 OK after a 183 carried it.
func (s *Session) Local() []byte { return bytes.Clone(s.last) }

// Negotiated returns a copy of the last completed negotiation, or nil
// before the first one.
func (s *Session) Negotiated() *Result {
	if s.neg == nil {
		return nil
	}
	return s.neg.clone()
}

// Pending reports whether an offer made by [Session.MakeOffer] awaits its
// answer.
func (s *Session) Pending() bool { return s.pending != nil }

// Rollback forgets the pending offer: the remote rejected the re-INVITE
// (4xx, 491) or the INVITE was cancelled. The session state returns to the
// last completed negotiation; the origin version is not rewound (versions
// only grow). Rollback without a pending offer does nothing.
func (s *Session) Rollback() { s.pending = nil }

// port returns the local port of m-line i, asking cfg.Ports when it has
// none for media type mt (an m-line that now carries another media type is
// a new stream and gets a new port).
func (s *Session) port(i int, mt format.MediaType) (int, error) {
	for len(s.ports) <= i {
		s.ports = append(s.ports, localPort{})
	}
	if lp := s.ports[i]; lp.port != 0 && lp.typ == mt {
		return lp.port, nil
	}
	p, err := s.cfg.Ports(i, mt)
	if err != nil {
		return 0, fmt.Errorf("port for stream %d: %w", i, err)
	}
	if p <= 0 || p > 65535 {
		return 0, fmt.Errorf("%w: port function gave %d for stream %d", ErrBadPort, p, i)
	}
	s.ports[i] = localPort{port: p, typ: mt}
	return p, nil
}

// releasePort forgets the port of m-line i (its stream was removed; the
// driver frees the socket when it sees LocalPort 0).
func (s *Session) releasePort(i int) {
	if i < len(s.ports) {
		s.ports[i] = localPort{}
	}
}

// register records that the PBX wrote payload type pt for codec key on
// slot sl.
func (s *Session) register(sl *slot, key string, pt uint8) {
	if sl.pts == nil {
		sl.pts = map[string]uint8{}
	}
	sl.pts[key] = pt
	if _, ok := s.ptOwner[pt]; !ok {
		s.ptOwner[pt] = key
		if _, ok := s.ptByKey[key]; !ok {
			s.ptByKey[key] = pt
		}
	}
}

// allocPT picks the payload type for codec key on slot sl, avoiding the
// numbers in used (already taken on this m-line): the slot's previous
// number, the static number, the session-wide number, or a fresh dynamic
// one (96-127, then 35-63; 64-95 are avoided for rtcp-mux, RFC 5761 §4).
func (s *Session) allocPT(sl *slot, key string, static int, used map[uint8]bool) (uint8, error) {
	if pt, ok := sl.pts[key]; ok && !used[pt] {
		return pt, nil
	}
	if static >= 0 && !used[uint8(static)] {
		return uint8(static), nil
	}
	if pt, ok := s.ptByKey[key]; ok && !used[pt] && s.ptOwner[pt] == key {
		return pt, nil
	}
	for _, r := range [][2]int{{96, 127}, {35, 63}} {
		for n := r[0]; n <= r[1]; n++ {
			pt := uint8(n)
			if _, taken := s.ptOwner[pt]; taken || used[pt] {
				continue
			}
			s.ptOwner[pt] = key
			s.ptByKey[key] = pt
			return pt, nil
		}
	}
	return 0, fmt.Errorf("%w: for %s", ErrNoPayloadType, key)
}

// stamp marshals lines with the right origin version: the previous one if
// the description is unchanged, else the next one (RFC 3264 §8).
func (s *Session) stamp(lines []localLine) []byte {
	if s.last != nil {
		if b := s.marshal(lines, s.version); bytes.Equal(b, s.last) {
			return bytes.Clone(b)
		}
		s.version++
	}
	s.last = s.marshal(lines, s.version)
	return bytes.Clone(s.last)
}

// mediaToken returns the m-line media token and a default transport and
// format list for a media type.
func mediaToken(t format.MediaType) (media, proto string, fmts []string) {
	switch t {
	case format.Audio, format.Video, format.Text:
		return t.String(), "RTP/AVP", []string{"0"}
	case format.Image:
		return "image", "udptl", []string{"t38"}
	case format.Unknown:
		return "application", "UDP", []string{"0"}
	}
	return "application", "UDP", []string{"0"}
}

// newSlot returns the record of a fresh m-line of media type t.
func newSlot(t format.MediaType) slot {
	media, proto, fmts := mediaToken(t)
	return slot{media: media, proto: proto, typ: t, fmts: fmts}
}

// uniqueMID returns want if it is non-empty and unused, else the index as
// a string (or a variant of it).
func uniqueMID(want string, i int, used map[string]bool) string {
	if want == "" || used[want] {
		want = strconv.Itoa(i)
		for n := 0; used[want]; n++ {
			want = strconv.Itoa(i) + "-" + strconv.Itoa(n)
		}
	}
	used[want] = true
	return want
}

// intersect returns the state allowing only what both a and b allow.
func intersect(a, b stream.State) stream.State {
	return stateOf(a.Sends() && b.Sends(), a.Receives() && b.Receives())
}

// stateOf builds a state from its two directions.
func stateOf(send, recv bool) stream.State {
	switch {
	case send && recv:
		return stream.SendRecv
	case send:
		return stream.SendOnly
	case recv:
		return stream.RecvOnly
	default:
		return stream.Inactive
	}
}

// newStream returns a stream of type t named after base (and carrying its
// metadata and group) when base has the same type, else automatically.
func newStream(t format.MediaType, base *stream.Stream) *stream.Stream {
	st := stream.New("", t)
	if base != nil && base.Type() == t {
		st.SetName(base.Name())
		st.SetGroup(base.Group())
		for _, k := range base.MetadataKeys() {
			v, _ := base.Metadata(k)
			st.SetMetadata(k, v)
		}
	}
	return st
}

// streamAt returns stream i of t, or nil.
func streamAt(t *topology.Topology, i int) *stream.Stream {
	st, _ := t.Stream(i)
	return st
}
