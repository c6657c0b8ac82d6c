package sdp

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
)

// MaxStreams is the largest number of m-lines a description may have, in
// either direction. A PBX leg with more streams than this is almost
// certainly an attack or a bug; each stream costs two sockets.
const MaxStreams = 16

// MaxSize is the largest description accepted, in bytes.
const MaxSize = 64 << 10

// description is a received session description, reduced to what the
// negotiation needs. It never holds pion types.
type description struct {
	lines    []*mline
	warnings []error
}

// mline is one received m-line.
type mline struct {
	index int
	media string           // media token as received ("audio", "image")
	typ   format.MediaType // Unknown for application, message and unknown tokens
	port  int
	count int    // port count ("/2"), 1 when absent
	proto string // transport token as received ("RTP/AVP", "udptl")
	fmts  []string

	addr    netip.Addr   // effective c= address; invalid when port is 0
	dir     stream.State // direction as written, from the sender's side
	codecs  []rtpCodec   // RTP payload types on the m= line, in order
	mid     string
	label   string
	ptime   int
	rtcpMux bool
	rtcp    netip.AddrPort // from a=rtcp; port only when no address given
	ssrcs   []uint32
}

// rtpCodec is one payload type of a received m-line. f is zero when the
// codec is unknown to the PBX.
type rtpCodec struct {
	pt  uint8
	enc encoding
	f   format.Format
}

// isRTP reports whether the m-line's transport is an RTP profile.
func (m *mline) isRTP() bool { return strings.Contains(strings.ToUpper(m.proto), "RTP/") }

// supportedProto reports whether the transport is one the PBX speaks:
// plain RTP/AVP, or RTP/AVPF (RFC 4585), which is compatible with it.
func supportedProto(p string) bool {
	return strings.EqualFold(p, "RTP/AVP") || strings.EqualFold(p, "RTP/AVPF")
}

// mediaType maps an m-line media token to a media type.
func mediaType(tok string) format.MediaType {
	switch tok {
	case "audio":
		return format.Audio
	case "video":
		return format.Video
	case "text":
		return format.Text
	case "image":
		return format.Image
	}
	return format.Unknown
}

// Tokens pion/sdp v3.0.20 accepts on an m-line; anything else makes its
// whole Unmarshal fail (a T.38 "m=image 5006 udptl t38" line would turn the
// whole offer into a parse error instead of one declined stream).
var (
	pionMedia  = []string{"audio", "video", "text", "application", "message"}
	pionProtos = []string{"UDP", "RTP", "AVP", "SAVP", "SAVPF", "TLS", "DTLS", "SCTP", "AVPF", "TCP", "MSRP", "BFCP", "UDT", "IX", "MRCPv2", "FEC"}
)

func pionAccepts(media, proto string) bool {
	if !contains(pionMedia, media) {
		return false
	}
	for p := range strings.SplitSeq(proto, "/") {
		if !contains(pionProtos, p) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// mtoken is an m-line's media and transport as received.
type mtoken struct{ media, proto string }

// normalize prepares b for pion: it splits lines on LF (accepting CRLF),
// rejects bare CR, drops empty lines, terminates every line with CRLF (pion
// fails on a last line without one), checks the m-line count and ports, and
// rewrites m-lines pion would reject into a form it accepts, returning the
// original media and transport tokens to restore afterwards.
func normalize(b []byte) (string, []mtoken, error) {
	if len(b) > MaxSize {
		return "", nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(b))
	}
	var out strings.Builder
	out.Grow(len(b) + 64)
	var toks []mtoken
	first := true
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.IndexByte(line, '\r') >= 0 {
			return "", nil, fmt.Errorf("%w: bare CR", ErrMalformed)
		}
		if line == "" {
			continue
		}
		if first && !strings.HasPrefix(line, "v=") {
			return "", nil, fmt.Errorf("%w: does not start with v=", ErrMalformed)
		}
		first = false
		if strings.HasPrefix(line, "m=") {
			if len(toks) == MaxStreams {
				return "", nil, fmt.Errorf("%w: more than %d m-lines", ErrTooManyStreams, MaxStreams)
			}
			f := strings.Fields(line[2:])
			if len(f) < 3 {
				return "", nil, fmt.Errorf("%w: m-line %d: %q", ErrMalformed, len(toks), line)
			}
			if _, _, err := parsePort(f[1]); err != nil {
				return "", nil, fmt.Errorf("m-line %d: %w", len(toks), err)
			}
			toks = append(toks, mtoken{f[0], f[2]})
			if !pionAccepts(f[0], f[2]) {
				line = "m=application " + f[1] + " UDP"
				if len(f) > 3 {
					line += " " + strings.Join(f[3:], " ")
				}
			}
		}
		out.WriteString(line)
		out.WriteString("\r\n")
	}
	if first {
		return "", nil, fmt.Errorf("%w: empty", ErrMalformed)
	}
	return out.String(), toks, nil
}

// parsePort parses "<port>[/<count>]".
func parsePort(s string) (port, count int, err error) {
	ps, cs, hasCount := strings.Cut(s, "/")
	port, ok := atoiMax(ps, 65535)
	if !ok {
		return 0, 0, fmt.Errorf("%w: %q", ErrBadPort, s)
	}
	count = 1
	if hasCount {
		count, ok = atoiMax(cs, 65535)
		if !ok || count == 0 {
			return 0, 0, fmt.Errorf("%w: %q", ErrBadPort, s)
		}
	}
	return port, count, nil
}

// atoiMax parses a decimal number of at most 9 digits that is <= max.
func atoiMax(s string, maxV int) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= maxV
}

// unmarshal runs pion's parser, turning a panic into ErrMalformed: the
// input is hostile and a bug in a dependency must not take the PBX down.
func unmarshal(text string) (sd *sdp.SessionDescription, err error) {
	defer func() {
		if r := recover(); r != nil {
			sd, err = nil, fmt.Errorf("%w: parser panic: %v", ErrMalformed, r)
		}
	}()
	sd = new(sdp.SessionDescription)
	if err := sd.UnmarshalString(text); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err) //nolint:errorlint // pion's errors are not part of our API
	}
	return sd, nil
}

// parse reads a received session description. Fatal problems are returned
// as errors; attribute-level problems become warnings.
func parse(b []byte) (*description, error) {
	text, toks, err := normalize(b)
	if err != nil {
		return nil, err
	}
	sd, err := unmarshal(text)
	if err != nil {
		return nil, err
	}
	if sd.Origin.NetworkType == "" || len(sd.TimeDescriptions) == 0 {
		return nil, fmt.Errorf("%w: missing o= or t= line", ErrMalformed)
	}
	if len(sd.MediaDescriptions) != len(toks) {
		return nil, fmt.Errorf("%w: %d m-lines, parser saw %d", ErrMalformed, len(toks), len(sd.MediaDescriptions))
	}
	d := &description{}
	sessAddr, sessErr := connAddr(sd.ConnectionInformation)
	sessDir := stream.SendRecv
	for _, a := range sd.Attributes {
		if dir, ok := directionOf(a.Key); ok {
			sessDir = dir
		}
	}
	for i, md := range sd.MediaDescriptions {
		m, err := parseMedia(d, i, md, toks[i], sessAddr, sessErr, sessDir)
		if err != nil {
			return nil, fmt.Errorf("m-line %d: %w", i, err)
		}
		d.lines = append(d.lines, m)
	}
	return d, nil
}

// connAddr parses a c= line. A nil line gives an invalid address and no
// error; multicast TTL and count suffixes are dropped.
func connAddr(ci *sdp.ConnectionInformation) (netip.Addr, error) {
	if ci == nil {
		return netip.Addr{}, nil
	}
	if ci.Address == nil {
		return netip.Addr{}, fmt.Errorf("%w: c= without address", ErrBadAddress)
	}
	host, _, _ := strings.Cut(ci.Address.Address, "/")
	a, err := netip.ParseAddr(host)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%w: %q", ErrBadAddress, ci.Address.Address)
	}
	if (ci.AddressType == "IP4") != a.Is4() {
		return netip.Addr{}, fmt.Errorf("%w: %s address %q", ErrBadAddress, ci.AddressType, host)
	}
	return a, nil
}

func directionOf(key string) (stream.State, bool) {
	switch key {
	case "sendrecv":
		return stream.SendRecv, true
	case "sendonly":
		return stream.SendOnly, true
	case "recvonly":
		return stream.RecvOnly, true
	case "inactive":
		return stream.Inactive, true
	}
	return stream.StateUnknown, false
}

func (d *description) warn(i int, err error, format string, args ...any) {
	d.warnings = append(d.warnings, fmt.Errorf("m-line %d: %w: %s", i, err, fmt.Sprintf(format, args...)))
}

func parseMedia(d *description, i int, md *sdp.MediaDescription, tok mtoken, sessAddr netip.Addr, sessErr error, sessDir stream.State) (*mline, error) {
	m := &mline{
		index: i,
		media: tok.media,
		typ:   mediaType(tok.media),
		proto: tok.proto,
		fmts:  md.MediaName.Formats,
		port:  md.MediaName.Port.Value,
		count: 1,
		dir:   sessDir,
	}
	if r := md.MediaName.Port.Range; r != nil {
		m.count = *r
	}
	if m.port == 0 {
		// A removed stream: only its a=mid is read, to be echoed; nothing
		// else on it is interpreted (RFC 3264 §8.2).
		for _, a := range md.Attributes {
			if a.Key == "mid" {
				m.mid = strings.TrimSpace(a.Value)
			}
		}
		return m, nil
	}

	// Connection address: media level wins over session level.
	if md.ConnectionInformation != nil {
		a, err := connAddr(md.ConnectionInformation)
		if err != nil {
			return nil, err
		}
		m.addr = a
	} else {
		if sessErr != nil {
			return nil, sessErr
		}
		m.addr = sessAddr
	}
	if !m.addr.IsValid() {
		return nil, ErrNoConnection
	}

	var rtpmaps map[uint8]encoding
	var fmtps map[uint8]string
	listed := map[uint8]bool{}
	if m.isRTP() {
		for _, f := range m.fmts {
			pt, ok := parsePT(f)
			if !ok {
				return nil, fmt.Errorf("%w: %q", ErrBadPayloadType, f)
			}
			if listed[pt] {
				continue
			}
			listed[pt] = true
			m.codecs = append(m.codecs, rtpCodec{pt: pt})
		}
	}

	seenDir := false
	for _, a := range md.Attributes {
		if dir, ok := directionOf(a.Key); ok {
			if seenDir && dir != m.dir {
				d.warn(i, ErrBadAttribute, "conflicting direction %s after %s; first kept", dir, m.dir)
				continue
			}
			m.dir, seenDir = dir, true
			continue
		}
		switch a.Key {
		case "rtpmap":
			if !m.isRTP() {
				continue
			}
			pt, enc, ok := parseRtpmap(a.Value)
			switch {
			case !ok:
				d.warn(i, ErrBadRtpmap, "%q", a.Value)
			case !listed[pt]:
				d.warn(i, ErrUnlistedPayloadType, "rtpmap:%s", a.Value)
			case rtpmaps[pt] != (encoding{}):
				d.warn(i, ErrBadRtpmap, "second rtpmap for %d: %q", pt, a.Value)
			default:
				if rtpmaps == nil {
					rtpmaps = map[uint8]encoding{}
				}
				rtpmaps[pt] = enc
			}
		case "fmtp":
			if !m.isRTP() {
				continue
			}
			pts, params, _ := strings.Cut(strings.TrimSpace(a.Value), " ")
			pt, ok := parsePT(pts)
			switch {
			case !ok:
				d.warn(i, ErrBadAttribute, "fmtp:%s", a.Value)
			case !listed[pt]:
				d.warn(i, ErrUnlistedPayloadType, "fmtp:%s", a.Value)
			default:
				if fmtps == nil {
					fmtps = map[uint8]string{}
				}
				if _, dup := fmtps[pt]; !dup {
					fmtps[pt] = strings.TrimSpace(params)
				}
			}
		case "mid":
			m.mid = strings.TrimSpace(a.Value)
		case "label":
			m.label = strings.TrimSpace(a.Value)
		case "ptime":
			v, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
			if err != nil || v < 1 || v > 1000 {
				d.warn(i, ErrBadAttribute, "ptime:%s", a.Value)
				continue
			}
			m.ptime = int(v)
		case "rtcp-mux":
			m.rtcpMux = true
		case "rtcp":
			ap, ok := parseRTCP(a.Value, m.addr)
			if !ok {
				d.warn(i, ErrBadAttribute, "rtcp:%s", a.Value)
				continue
			}
			m.rtcp = ap
		case "ssrc":
			ids, _, _ := strings.Cut(strings.TrimSpace(a.Value), " ")
			id, err := strconv.ParseUint(ids, 10, 32)
			if err != nil {
				d.warn(i, ErrBadAttribute, "ssrc:%s", a.Value)
				continue
			}
			if !containsSSRC(m.ssrcs, uint32(id)) {
				m.ssrcs = append(m.ssrcs, uint32(id))
			}
		}
	}

	for j := range m.codecs {
		c := &m.codecs[j]
		enc, ok := rtpmaps[c.pt]
		if !ok {
			enc, ok = staticPTs[c.pt]
		}
		if !ok {
			d.warn(i, ErrUnknownPayloadType, "%d", c.pt)
			continue
		}
		c.enc = enc
		if f, ok := formatOf(enc, m.typ, fmtps[c.pt]); ok {
			c.f = f
		}
	}
	return m, nil
}

func containsSSRC(list []uint32, id uint32) bool {
	for _, v := range list {
		if v == id {
			return true
		}
	}
	return false
}

// parseRTCP parses an RFC 3605 rtcp attribute: "<port> [IN IP4 <addr>]".
// Without an address the m-line's address is used.
func parseRTCP(v string, def netip.Addr) (netip.AddrPort, bool) {
	f := strings.Fields(v)
	if len(f) != 1 && len(f) != 4 {
		return netip.AddrPort{}, false
	}
	port, ok := atoiMax(f[0], 65535)
	if !ok || port == 0 {
		return netip.AddrPort{}, false
	}
	addr := def
	if len(f) == 4 {
		if f[1] != "IN" || (f[2] != "IP4" && f[2] != "IP6") {
			return netip.AddrPort{}, false
		}
		a, err := netip.ParseAddr(f[3])
		if err != nil || a.Zone() != "" || (f[2] == "IP4") != a.Is4() {
			return netip.AddrPort{}, false
		}
		addr = a
	}
	return netip.AddrPortFrom(addr, uint16(port)), true
}

// errJoin joins warnings, returning nil for none.
func errJoin(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(errs...)
}
