package testphone

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// mediaLine is one m-line of an SDP body, as this phone sent it or as it
// was received, with its payload formats resolved through that m-line's
// own rtpmap lines (never the session-wide map, see LIBRARIES.md §0.3).
type mediaLine struct {
	media   string // SDP media name: "audio", "video", "application", ...
	port    int
	addr    netip.Addr // connection address (media level, else session level)
	proto   string     // "RTP/AVP", ...
	formats []string   // the m-line's format list, verbatim
	codecs  []codec    // numeric formats with rtpmap (or static) information, in order
	dir     Direction
}

// kind returns the line's media kind.
func (l mediaLine) kind() Kind { return kindOf(l.media) }

// find returns the line's codec of the same encoding as c.
func (l mediaLine) find(c codec) (codec, bool) {
	for _, lc := range l.codecs {
		if lc.same(c) {
			return lc, true
		}
	}
	return codec{}, false
}

// event returns the line's telephone-event format.
func (l mediaLine) event() (codec, bool) {
	for _, lc := range l.codecs {
		if lc.isEvent() {
			return lc, true
		}
	}
	return codec{}, false
}

// rtpProfile reports whether proto is a plain RTP profile the phone can
// speak (no SRTP, no DTLS).
func rtpProfile(proto string) bool {
	return proto == "RTP/AVP" || proto == "RTP/AVPF"
}

// parseSDP parses an SDP body into its m-lines.
func parseSDP(body []byte) ([]mediaLine, error) {
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(body); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSDP, err)
	}
	var sessAddr netip.Addr
	if ci := sd.ConnectionInformation; ci != nil && ci.Address != nil {
		sessAddr, _ = netip.ParseAddr(ci.Address.Address)
	}
	sessDir := SendRecv
	for _, a := range sd.Attributes {
		if d := parseDirection(a.Key); d != DirectionUnknown {
			sessDir = d
		}
	}
	lines := make([]mediaLine, 0, len(sd.MediaDescriptions))
	for i, md := range sd.MediaDescriptions {
		l := mediaLine{
			media:   md.MediaName.Media,
			port:    md.MediaName.Port.Value,
			addr:    sessAddr,
			proto:   strings.Join(md.MediaName.Protos, "/"),
			formats: slices.Clone(md.MediaName.Formats),
			dir:     sessDir,
		}
		if ci := md.ConnectionInformation; ci != nil && ci.Address != nil {
			a, err := netip.ParseAddr(ci.Address.Address)
			if err != nil {
				return nil, fmt.Errorf("%w: m-line %d: connection address %q", ErrBadSDP, i, ci.Address.Address)
			}
			l.addr = a
		}
		rtpmap := map[uint8]codec{}
		fmtp := map[uint8]string{}
		for _, a := range md.Attributes {
			switch a.Key {
			case "rtpmap":
				if c, ok := parseRTPMap(a.Value); ok {
					rtpmap[c.pt] = c
				}
			case "fmtp":
				pt, rest, ok := strings.Cut(a.Value, " ")
				if n, err := strconv.ParseUint(pt, 10, 8); ok && err == nil {
					fmtp[uint8(n)] = strings.TrimSpace(rest)
				}
			default:
				if d := parseDirection(a.Key); d != DirectionUnknown {
					l.dir = d
				}
			}
		}
		for _, f := range l.formats {
			n, err := strconv.ParseUint(f, 10, 8)
			if err != nil || n > 127 {
				continue // not an RTP payload type (e.g. t38, webrtc-datachannel)
			}
			pt := uint8(n)
			c, ok := rtpmap[pt]
			if !ok {
				c, ok = staticPayloadTypes[pt]
			}
			if !ok {
				c = codec{pt: pt} // unknown dynamic type: kept, never chosen
			}
			c.fmtp = fmtp[pt]
			l.codecs = append(l.codecs, c)
		}
		lines = append(lines, l)
	}
	return lines, nil
}

// parseRTPMap parses the value of an a=rtpmap attribute:
// "<pt> <name>/<rate>[/<channels>]".
func parseRTPMap(v string) (codec, bool) {
	pt, enc, ok := strings.Cut(v, " ")
	if !ok {
		return codec{}, false
	}
	n, err := strconv.ParseUint(pt, 10, 8)
	if err != nil {
		return codec{}, false
	}
	parts := strings.Split(strings.TrimSpace(enc), "/")
	if len(parts) < 2 {
		return codec{}, false
	}
	rate, err := strconv.Atoi(parts[1])
	if err != nil {
		return codec{}, false
	}
	c := codec{name: parts[0], pt: uint8(n), rate: rate}
	if len(parts) > 2 {
		c.channels, _ = strconv.Atoi(parts[2])
	}
	return c, true
}

// marshalSDP writes a session description with the given origin and
// m-lines. Every m-line carries explicit rtpmap lines (static types too)
// and an explicit direction attribute; a port-0 m-line carries only its
// format list.
func marshalSDP(sessID, version uint64, ip netip.Addr, lines []mediaLine) []byte {
	addrType := "IP4"
	if ip.Is6() && !ip.Is4In6() {
		addrType = "IP6"
	}
	sd := sdp.SessionDescription{
		Origin: sdp.Origin{
			Username:       "-",
			SessionID:      sessID,
			SessionVersion: version,
			NetworkType:    "IN",
			AddressType:    addrType,
			UnicastAddress: ip.String(),
		},
		SessionName: "pbx-testphone",
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN",
			AddressType: addrType,
			Address:     &sdp.Address{Address: ip.String()},
		},
		TimeDescriptions: []sdp.TimeDescription{{Timing: sdp.Timing{}}},
	}
	for _, l := range lines {
		md := &sdp.MediaDescription{
			MediaName: sdp.MediaName{
				Media:   l.media,
				Port:    sdp.RangedPort{Value: l.port},
				Protos:  strings.Split(l.proto, "/"),
				Formats: l.formats,
			},
		}
		if l.port != 0 {
			for _, c := range l.codecs {
				rtpmap := fmt.Sprintf("%d %s/%d", c.pt, c.name, c.rate)
				if c.channels > 1 {
					rtpmap += "/" + strconv.Itoa(c.channels)
				}
				md.Attributes = append(md.Attributes, sdp.Attribute{Key: "rtpmap", Value: rtpmap})
				if c.fmtp != "" {
					md.Attributes = append(md.Attributes, sdp.Attribute{Key: "fmtp", Value: fmt.Sprintf("%d %s", c.pt, c.fmtp)})
				}
			}
			if l.media == "audio" {
				md.Attributes = append(md.Attributes, sdp.Attribute{Key: "ptime", Value: "20"})
			}
			md.Attributes = append(md.Attributes, sdp.Attribute{Key: l.dir.String()})
		}
		sd.MediaDescriptions = append(sd.MediaDescriptions, md)
	}
	b, err := sd.Marshal()
	if err != nil {
		// Marshal fails only on structures this function never builds.
		panic(fmt.Sprintf("testphone: marshal SDP: %v", err))
	}
	return b
}

// formatsOf returns the m-line format list for codecs.
func formatsOf(codecs []codec) []string {
	f := make([]string, len(codecs))
	for i, c := range codecs {
		f[i] = strconv.Itoa(int(c.pt))
	}
	return f
}

// offerLine builds the m-line the phone offers for spec on port (0 for a
// disabled stream).
func offerLine(spec StreamSpec, port int) (mediaLine, error) {
	k := spec.kind()
	l := mediaLine{media: k.String(), proto: "RTP/AVP", dir: spec.direction()}
	for _, name := range spec.codecs() {
		c, ok := lookupCodec(k, name)
		if !ok {
			return mediaLine{}, fmt.Errorf("testphone: unknown %s codec %q", k, name)
		}
		l.codecs = append(l.codecs, c)
	}
	if k == KindAudio && !spec.NoDTMF {
		l.codecs = append(l.codecs, telephoneEvent)
	}
	l.formats = formatsOf(l.codecs)
	if !spec.Disabled {
		l.port = port
	}
	return l, nil
}

// answerCodecs returns the codec names the phone accepts for kind k when
// answering with spec.
func answerCodecs(spec StreamSpec, k Kind) []string {
	if len(spec.Codecs) > 0 {
		return spec.Codecs
	}
	if k == KindVideo {
		return []string{"H264", "VP8"}
	}
	return []string{"PCMU", "PCMA"}
}

// answerLine builds the answer to one offered m-line (RFC 3264 §6.1): the
// first offered codec the phone accepts, with the offerer's payload type
// and fmtp, plus the offerer's telephone-event on audio; the direction is
// the offered one reversed and limited by spec. ok is false when the
// m-line is rejected, and then the answer has port 0 and the offered
// format list. A zero spec.Kind accepts either media kind.
func answerLine(offer mediaLine, spec StreamSpec, port int) (ans mediaLine, ok bool) {
	ans = mediaLine{media: offer.media, proto: offer.proto, formats: offer.formats, dir: Inactive}
	k := offer.kind()
	if offer.port == 0 || spec.Disabled || k == KindUnknown || !rtpProfile(offer.proto) ||
		(spec.Kind != KindUnknown && spec.Kind != k) {
		return ans, false
	}
	var chosen codec
	found := false
	for _, oc := range offer.codecs {
		if oc.isEvent() || oc.isComfortNoise() || oc.name == "" {
			continue
		}
		for _, name := range answerCodecs(spec, k) {
			if kc, known := lookupCodec(k, name); known && kc.same(oc) {
				chosen, found = oc, true
				break
			}
		}
		if found {
			break
		}
	}
	if !found {
		return ans, false
	}
	ans.codecs = []codec{chosen}
	if ev, has := offer.event(); has && k == KindAudio && !spec.NoDTMF && ev.rate == chosen.rate {
		ans.codecs = append(ans.codecs, ev)
	}
	ans.formats = formatsOf(ans.codecs)
	want := spec.direction()
	ans.dir = directionOf(want.Sends() && offer.dir.Receives(), want.Receives() && offer.dir.Sends())
	ans.port = port
	return ans, true
}

// negotiated is the outcome of one offer/answer exchange for one m-line,
// from this phone's point of view.
type negotiated struct {
	enabled bool      // both sides have a non-zero port
	dir     Direction // what this phone may do
	send    codec     // codec to send, with the far end's payload type
	canSend bool      // send is set
	event   codec     // telephone-event to send, with the far end's payload type
	hasDTMF bool      // event is set
	remote  netip.AddrPort
}

// negotiate derives the media parameters from the m-line this phone sent
// (local) and the one it received (remote), whichever was the offer.
// The codec to send is the far end's first one that this phone also
// listed, sent with the far end's payload type (RFC 3264 §5.1).
func negotiate(local, remote mediaLine) negotiated {
	var n negotiated
	n.enabled = local.port != 0 && remote.port != 0 && local.media == remote.media
	if !n.enabled {
		n.dir = Inactive
		return n
	}
	n.dir = directionOf(local.dir.Sends() && remote.dir.Receives(), local.dir.Receives() && remote.dir.Sends())
	for _, rc := range remote.codecs {
		if rc.isEvent() || rc.isComfortNoise() || rc.name == "" {
			continue
		}
		if _, ok := local.find(rc); ok {
			n.send, n.canSend = rc, true
			break
		}
	}
	if ev, ok := remote.event(); ok {
		if _, ok := local.event(); ok {
			n.event, n.hasDTMF = ev, true
		}
	}
	if remote.addr.IsValid() && !remote.addr.IsUnspecified() {
		n.remote = netip.AddrPortFrom(remote.addr.Unmap(), uint16(remote.port))
	}
	return n
}
