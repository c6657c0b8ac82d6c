package sdp

import (
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
)

// marshal renders a local description. The layout is fixed, so equal
// inputs give equal bytes (the version rule in [Session.stamp] relies on
// it):
//
//	v=0
//	o=<user> <id> <version> IN IP4 <addr>
//	s=<name>
//	c=IN IP4 <addr>
//	t=0 0
//	m=<media> <port> <proto> <fmts>   then, per active m-line:
//	a=mid, a=label, a=rtpmap/a=fmtp per codec, a=ptime (audio),
//	a=rtcp-mux, direction
//
// A removed m-line carries only its a=mid.
func (s *Session) marshal(lines []localLine, version uint64) []byte {
	addrType := "IP4"
	if s.cfg.Address.Is6() {
		addrType = "IP6"
	}
	addr := s.cfg.Address.String()
	sd := sdp.SessionDescription{
		Origin: sdp.Origin{
			Username:       s.cfg.Username,
			SessionID:      s.id,
			SessionVersion: version,
			NetworkType:    "IN",
			AddressType:    addrType,
			UnicastAddress: addr,
		},
		SessionName: sdp.SessionName(s.cfg.SessionName),
		ConnectionInformation: &sdp.ConnectionInformation{
			NetworkType: "IN",
			AddressType: addrType,
			Address:     &sdp.Address{Address: addr},
		},
		TimeDescriptions: []sdp.TimeDescription{{}},
	}
	for i := range lines {
		sd.MediaDescriptions = append(sd.MediaDescriptions, s.marshalLine(&lines[i]))
	}
	b, _ := sd.Marshal() // pion's Marshal never fails
	return b
}

func (s *Session) marshalLine(l *localLine) *sdp.MediaDescription {
	md := &sdp.MediaDescription{
		MediaName: sdp.MediaName{
			Media:  l.media,
			Port:   sdp.RangedPort{Value: l.port},
			Protos: strings.Split(l.proto, "/"),
		},
	}
	if l.mid != "" && printable(l.mid) {
		md.Attributes = append(md.Attributes, sdp.NewAttribute("mid", l.mid))
	}
	if l.port == 0 {
		md.MediaName.Formats = l.fmts
		return md
	}
	if l.label != "" && printable(l.label) {
		md.Attributes = append(md.Attributes, sdp.NewAttribute("label", l.label))
	}
	for _, c := range l.codecs {
		pt := strconv.Itoa(int(c.PT))
		md.MediaName.Formats = append(md.MediaName.Formats, pt)
		enc, _, _ := encodingOf(c.Format) // codecs are only ever built from expressible formats
		md.Attributes = append(md.Attributes, sdp.NewAttribute("rtpmap", enc.rtpmap(c.PT)))
		if c.Format.FMTP != "" && printable(c.Format.FMTP) {
			md.Attributes = append(md.Attributes, sdp.NewAttribute("fmtp", pt+" "+c.Format.FMTP))
		}
	}
	if l.typ == format.Audio {
		md.Attributes = append(md.Attributes, sdp.NewAttribute("ptime", strconv.Itoa(s.cfg.PTime)))
	}
	if l.rtcpMux {
		md.Attributes = append(md.Attributes, sdp.NewPropertyAttribute("rtcp-mux"))
	}
	md.Attributes = append(md.Attributes, sdp.NewPropertyAttribute(direction(l.dir)))
	return md
}

// direction returns the SDP direction attribute for a state written by its
// own side. Removed never reaches here (it is port 0).
func direction(st stream.State) string {
	switch st {
	case stream.SendRecv:
		return "sendrecv"
	case stream.SendOnly:
		return "sendonly"
	case stream.RecvOnly:
		return "recvonly"
	case stream.Inactive, stream.Removed, stream.StateUnknown:
		return "inactive"
	}
	return "inactive"
}

// printable reports whether v can go on an SDP line as is: values from
// topologies (metadata, fmtp from another leg) must not inject lines.
func printable(v string) bool {
	for _, c := range []byte(v) {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
