package testphone

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

const multiOffer = "v=0\r\n" +
	"o=- 1 1 IN IP4 192.0.2.1\r\n" +
	"s=-\r\n" +
	"c=IN IP4 192.0.2.1\r\n" +
	"t=0 0\r\n" +
	"a=sendonly\r\n" +
	"m=audio 4000 RTP/AVP 96 8 101\r\n" +
	"a=rtpmap:96 opus/48000/2\r\n" +
	"a=rtpmap:101 telephone-event/8000\r\n" +
	"a=fmtp:101 0-15\r\n" +
	"m=video 4002 RTP/AVP 96\r\n" +
	"c=IN IP4 192.0.2.2\r\n" +
	"a=rtpmap:96 H264/90000\r\n" +
	"a=fmtp:96 packetization-mode=1\r\n" +
	"a=recvonly\r\n" +
	"m=application 5000 UDP/BFCP *\r\n"

func TestParseSDPPerMediaRTPMap(t *testing.T) {
	lines, err := parseSDP([]byte(multiOffer))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 {
		t.Fatalf("%d m-lines, want 3", len(lines))
	}
	audio, video, app := lines[0], lines[1], lines[2]
	if c := audio.codecs[0]; c.name != "opus" || c.rate != 48000 || c.channels != 2 || c.fmtp != "" {
		t.Errorf("audio PT 96 = %+v, want opus/48000/2 without the video fmtp", c)
	}
	if c := audio.codecs[1]; c.name != "PCMA" || c.pt != 8 {
		t.Errorf("static PT 8 = %+v", c)
	}
	if ev, ok := audio.event(); !ok || ev.pt != 101 || ev.fmtp != "0-15" {
		t.Errorf("telephone-event = %+v %v", ev, ok)
	}
	if c := video.codecs[0]; c.name != "H264" || c.rate != 90000 || c.fmtp != "packetization-mode=1" {
		t.Errorf("video PT 96 = %+v", c)
	}
	if audio.dir != SendOnly || video.dir != RecvOnly {
		t.Errorf("directions %v/%v, want session-level sendonly and media-level recvonly", audio.dir, video.dir)
	}
	if audio.addr != netip.MustParseAddr("192.0.2.1") || video.addr != netip.MustParseAddr("192.0.2.2") {
		t.Errorf("addresses %v/%v", audio.addr, video.addr)
	}
	if app.kind() != KindUnknown || len(app.codecs) != 0 || !slices.Equal(app.formats, []string{"*"}) {
		t.Errorf("application line %+v", app)
	}
	if _, err := parseSDP([]byte("not sdp")); err == nil {
		t.Error("garbage parsed")
	}
}

func TestAnswerLine(t *testing.T) {
	offer, err := parseSDP([]byte(strings.ReplaceAll(multiOffer, "a=sendonly\r\n", "")))
	if err != nil {
		t.Fatal(err)
	}
	pcm := mediaLine{media: "audio", port: 4000, proto: "RTP/AVP", dir: SendRecv,
		codecs: []codec{{name: "PCMA", pt: 8, rate: 8000}, {name: "PCMU", pt: 0, rate: 8000}, {name: "telephone-event", pt: 100, rate: 8000, fmtp: "0-16"}}}
	pcm.formats = formatsOf(pcm.codecs)
	savp := pcm
	savp.proto = "RTP/SAVP"
	disabled := pcm
	disabled.port = 0
	sendonly := pcm
	sendonly.dir = SendOnly

	tests := map[string]struct {
		offer   mediaLine
		spec    StreamSpec
		ok      bool
		formats []string
		dir     Direction
	}{
		"offerer's order wins":     {offer: pcm, ok: true, formats: []string{"8", "100"}, dir: SendRecv},
		"spec limits codecs":       {offer: pcm, spec: Audio("PCMU"), ok: true, formats: []string{"0", "100"}, dir: SendRecv},
		"no dtmf":                  {offer: pcm, spec: StreamSpec{NoDTMF: true}, ok: true, formats: []string{"8"}, dir: SendRecv},
		"sendonly offer":           {offer: sendonly, ok: true, formats: []string{"8", "100"}, dir: RecvOnly},
		"spec recvonly":            {offer: pcm, spec: StreamSpec{Direction: RecvOnly}, ok: true, formats: []string{"8", "100"}, dir: RecvOnly},
		"no common codec":          {offer: pcm, spec: Audio("G722"), formats: pcm.formats},
		"disabled by spec":         {offer: pcm, spec: StreamSpec{Disabled: true}, formats: pcm.formats},
		"disabled offer":           {offer: disabled, formats: pcm.formats},
		"srtp profile":             {offer: savp, formats: pcm.formats},
		"kind mismatch":            {offer: pcm, spec: Video(), formats: pcm.formats},
		"opus audio, H264 video 1": {offer: offer[0], spec: Audio("opus"), ok: true, formats: []string{"96"}, dir: SendRecv}, // telephone-event/8000 does not match opus/48000
		"opus audio, H264 video 2": {offer: offer[1], ok: true, formats: []string{"96"}, dir: SendOnly},
		"unknown media":            {offer: offer[2], formats: []string{"*"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ans, ok := answerLine(tc.offer, tc.spec, 7000)
			if ok != tc.ok {
				t.Fatalf("accepted = %v, want %v", ok, tc.ok)
			}
			if !slices.Equal(ans.formats, tc.formats) {
				t.Errorf("formats %v, want %v", ans.formats, tc.formats)
			}
			if ans.media != tc.offer.media {
				t.Errorf("media %q, want %q", ans.media, tc.offer.media)
			}
			if !ok {
				if ans.port != 0 {
					t.Errorf("rejected line has port %d", ans.port)
				}
				return
			}
			if ans.port != 7000 || ans.dir != tc.dir {
				t.Errorf("port %d dir %v, want 7000 %v", ans.port, ans.dir, tc.dir)
			}
		})
	}
}

func TestNegotiate(t *testing.T) {
	local, err := offerLine(StreamSpec{}, 6000)
	if err != nil {
		t.Fatal(err)
	}
	local.addr = netip.MustParseAddr("127.0.0.1")
	remote := mediaLine{media: "audio", port: 4000, addr: netip.MustParseAddr("192.0.2.9"), proto: "RTP/AVP", dir: RecvOnly,
		codecs: []codec{{name: "PCMA", pt: 8, rate: 8000}, {name: "telephone-event", pt: 98, rate: 8000}}}
	n := negotiate(local, remote)
	if !n.enabled || n.dir != SendOnly || n.send.name != "PCMA" || !n.hasDTMF || n.event.pt != 98 {
		t.Errorf("negotiated %+v", n)
	}
	if n.remote != netip.MustParseAddrPort("192.0.2.9:4000") {
		t.Errorf("remote %v", n.remote)
	}
	remote.addr = netip.MustParseAddr("0.0.0.0") // RFC 2543 hold
	if n := negotiate(local, remote); n.remote.IsValid() {
		t.Errorf("c=0.0.0.0 gave remote %v", n.remote)
	}
	remote.port = 0
	if n := negotiate(local, remote); n.enabled || n.dir != Inactive {
		t.Errorf("port 0 negotiated %+v", n)
	}
}

func TestMarshalSDPRoundTrip(t *testing.T) {
	var lines []mediaLine
	for _, spec := range []StreamSpec{Audio("PCMU", "opus"), Video("H264", "VP8").With(RecvOnly), {Kind: KindAudio, Disabled: true}} {
		l, err := offerLine(spec, 5004)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	body := marshalSDP(42, 7, netip.MustParseAddr("127.0.0.1"), lines)
	for _, want := range []string{"o=- 42 7 IN IP4 127.0.0.1\r\n", "c=IN IP4 127.0.0.1\r\n", "m=audio 5004 RTP/AVP 0 111 101\r\n",
		"a=rtpmap:111 opus/48000/2\r\n", "a=fmtp:101 0-16\r\n", "m=video 5004 RTP/AVP 96 97\r\n", "a=recvonly\r\n", "m=audio 0 RTP/AVP 0 8 101\r\n"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("SDP lacks %q:\n%s", want, body)
		}
	}
	got, err := parseSDP(body)
	if err != nil {
		t.Fatal(err)
	}
	for i := range lines {
		if got[i].media != lines[i].media || got[i].port != lines[i].port || !slices.Equal(got[i].formats, lines[i].formats) {
			t.Errorf("m-line %d: got %+v, sent %+v", i, got[i], lines[i])
		}
		if lines[i].port != 0 && (got[i].dir != lines[i].dir || !slices.EqualFunc(got[i].codecs, lines[i].codecs, func(a, b codec) bool { return a == b })) {
			t.Errorf("m-line %d: codecs %+v dir %v, sent %+v %v", i, got[i].codecs, got[i].dir, lines[i].codecs, lines[i].dir)
		}
	}
	if _, err := offerLine(Audio("H264"), 1); err == nil {
		t.Error("offering a video codec on audio succeeded")
	}
}

func TestEventCodes(t *testing.T) {
	for _, d := range "0123456789*#ABCD" {
		code, ok := eventCode(d)
		if !ok {
			t.Fatalf("eventCode(%q) failed", d)
		}
		if back, ok := eventDigit(code); !ok || back != d {
			t.Errorf("eventDigit(eventCode(%q)) = %q", d, back)
		}
	}
	if _, ok := eventDigit(16); ok {
		t.Error("flash has a digit")
	}
}

func TestSplitRoutes(t *testing.T) {
	got := splitRoutes([]string{"<sip:p1.example.com;lr>, <sip:p2.example.com;lr>", "<sip:p3;lr>"})
	want := []string{"<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>", "<sip:p3;lr>"}
	if !slices.Equal(got, want) {
		t.Errorf("splitRoutes = %q, want %q", got, want)
	}
}

// FuzzParseSDP checks that whatever parseSDP accepts survives a
// marshal/parse round trip with its m-lines, ports and formats intact.
func FuzzParseSDP(f *testing.F) {
	f.Add([]byte(multiOffer))
	l, _ := offerLine(StreamSpec{}, 4000)
	f.Add(marshalSDP(1, 1, netip.MustParseAddr("127.0.0.1"), []mediaLine{l}))
	f.Fuzz(func(t *testing.T, body []byte) {
		lines, err := parseSDP(body)
		if err != nil {
			return
		}
		for i := range lines {
			if len(lines[i].codecs) > len(lines[i].formats) {
				t.Fatalf("m-line %d: more codecs than formats", i)
			}
			if len(lines[i].formats) == 0 || strings.ContainsAny(lines[i].media+lines[i].proto, " \r\n") {
				return // not representable by marshalSDP's callers
			}
			for _, f := range lines[i].formats {
				if f == "" || strings.ContainsAny(f, " \r\n") {
					return
				}
			}
		}
		again, err := parseSDP(marshalSDP(1, 1, netip.MustParseAddr("127.0.0.1"), lines))
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if len(again) != len(lines) {
			t.Fatalf("%d m-lines became %d", len(lines), len(again))
		}
		for i := range lines {
			if again[i].media != lines[i].media || again[i].port != lines[i].port || !slices.Equal(again[i].formats, lines[i].formats) {
				t.Fatalf("m-line %d: %+v became %+v", i, lines[i], again[i])
			}
		}
	})
}
