package sdp_test

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/drivers/sip/sdp"
)

// ports stands in for the driver's RTP port range.
func ports() sdp.PortFunc {
	next := 20000
	return func(int, format.MediaType) (int, error) {
		p := next
		next += 2
		return p, nil
	}
}

// An inbound INVITE: preview the offer, answer it, then handle a hold
// re-INVITE from the phone.
func ExampleSession_Offer() {
	invite := []byte("v=0\r\no=alice 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n" +
		"m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n" +
		"m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n")

	offered, err := sdp.ParseOffer(invite)
	if err != nil {
		fmt.Println("488:", err)
		return
	}
	fmt.Println("offered:", offered.Topology)

	s, err := sdp.New(sdp.Config{Address: netip.MustParseAddr("192.0.2.10"), Ports: ports()})
	if err != nil {
		panic(err)
	}
	caps := sdp.Capabilities{Formats: format.NewCaps(format.ALaw, format.ULaw)} // no video configured
	ans, err := s.Offer(invite, caps)
	if err != nil {
		fmt.Println("488:", err)
		return
	}
	fmt.Println("answered:", ans.Topology)
	fmt.Println("audio to", ans.Media[0].Remote, "from port", ans.Media[0].LocalPort, "dtmf", ans.Media[0].SendDTMF)
	fmt.Println("video declined:", ans.Media[1].Declined)

	hold := []byte(strings.Replace(string(invite), "a=rtpmap:101 telephone-event/8000\r\n", "a=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n", 1))
	ans, err = s.Offer(hold, caps)
	if err != nil {
		fmt.Println("488:", err)
		return
	}
	fmt.Println("re-INVITE:", ans.Change, ans.Topology)
	// Output:
	// offered: <0:audio-0:audio:sendrecv (ulaw|alaw)> <1:video-1:video:sendrecv (h264)>
	// answered: <0:audio-0:audio:sendrecv (alaw|ulaw)> <1:video-1:video:removed (nothing)>
	// audio to 198.51.100.7:4000 from port 20000 dtmf 101:telephone-event
	// video declined: sdp: no common format: stream 1 (video)
	// re-INVITE: topology <0:audio-0:audio:recvonly (alaw|ulaw)> <1:video-1:video:removed (nothing)>
}

// An outbound INVITE, then a PBX hold re-INVITE.
func ExampleSession_MakeOffer() {
	s, err := sdp.New(sdp.Config{Address: netip.MustParseAddr("192.0.2.10"), Ports: ports(), SessionID: 7})
	if err != nil {
		panic(err)
	}
	st := stream.New("", format.Audio)
	st.SetFormats(format.NewCaps(format.ULaw))
	st.SetState(stream.SendRecv)
	t0 := topology.New(st)

	offer, err := s.MakeOffer(t0)
	if err != nil {
		panic(err)
	}
	fmt.Print(strings.ReplaceAll(string(offer), "\r\n", "\n"))

	topo, err := s.Answer([]byte("v=0\r\no=bob 5 5 IN IP4 203.0.113.4\r\ns=-\r\nc=IN IP4 203.0.113.4\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n"))
	if err != nil {
		panic(err)
	}
	fmt.Println("negotiated:", topo, "send to", s.Negotiated().Media[0].Remote)

	held := topo.Clone()
	held.Streams()[0].SetState(stream.SendOnly)
	offer, err = s.MakeOffer(held)
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.Split(string(offer), "\r\n")[1])
	// Output:
	// v=0
	// o=- 7 0 IN IP4 192.0.2.10
	// s=pbx
	// c=IN IP4 192.0.2.10
	// t=0 0
	// m=audio 20000 RTP/AVP 0 96
	// a=mid:0
	// a=rtpmap:0 PCMU/8000
	// a=rtpmap:96 telephone-event/8000
	// a=fmtp:96 0-16
	// a=ptime:20
	// a=rtcp-mux
	// a=sendrecv
	// negotiated: <0:audio-0:audio:sendrecv (ulaw)> send to 203.0.113.4:6000
	// o=- 7 1 IN IP4 192.0.2.10
}
