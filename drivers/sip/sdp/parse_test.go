package sdp

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
)

func TestParseOffer_Direction(t *testing.T) {
	tests := []struct {
		name    string
		session string // session-level attribute line, or ""
		conn    string // media-level c= address, or "" for the session's
		media   string // media-level direction attribute, or ""
		want    stream.State
	}{
		{name: "GivenNoDirection_WhenParsed_ThenSendRecv", want: stream.SendRecv},
		{name: "GivenSendRecv_WhenParsed_ThenSendRecv", media: "sendrecv", want: stream.SendRecv},
		{name: "GivenRemoteSendOnly_WhenParsed_ThenPBXRecvOnly", media: "sendonly", want: stream.RecvOnly},
		{name: "GivenRemoteRecvOnly_WhenParsed_ThenPBXSendOnly", media: "recvonly", want: stream.SendOnly},
		{name: "GivenInactive_WhenParsed_ThenInactive", media: "inactive", want: stream.Inactive},
		{name: "GivenSessionSendOnlyOnly_WhenParsed_ThenSessionDefaultApplies", session: "sendonly", want: stream.RecvOnly},
		{name: "GivenSessionInactiveAndMediaSendRecv_WhenParsed_ThenMediaLevelWins", session: "inactive", media: "sendrecv", want: stream.SendRecv},
		{name: "GivenOldHoldAddress_WhenSendRecv_ThenPBXOnlyReceives", conn: "IN IP4 0.0.0.0", want: stream.RecvOnly},
		{name: "GivenOldHoldAddress_WhenSendOnly_ThenPBXRecvOnly", conn: "IN IP4 0.0.0.0", media: "sendonly", want: stream.RecvOnly},
		{name: "GivenOldHoldAddress_WhenRecvOnly_ThenInactive", conn: "IN IP4 0.0.0.0", media: "recvonly", want: stream.Inactive},
		{name: "GivenIPv6UnspecifiedAddress_WhenSendRecv_ThenPBXOnlyReceives", conn: "IN IP6 ::", want: stream.RecvOnly},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := remoteHeader
			if tc.session != "" {
				b += "a=" + tc.session + "\n"
			}
			b += "m=audio 4000 RTP/AVP 0\n"
			if tc.conn != "" {
				b += "c=" + tc.conn + "\n"
			}
			if tc.media != "" {
				b += "a=" + tc.media + "\n"
			}
			r, err := ParseOffer([]byte(b))
			noErr(t, err)
			if got := streamOf(t, r.Topology, 0).State(); got != tc.want {
				t.Errorf("state = %v, want %v", got, tc.want)
			}
			if r.Media[0].State != tc.want {
				t.Errorf("media state = %v, want %v", r.Media[0].State, tc.want)
			}
			if strings.Contains(tc.conn, "0.0.0.0") || strings.Contains(tc.conn, "::") {
				if r.Media[0].Remote.IsValid() {
					t.Errorf("remote = %v, want none for an unspecified address", r.Media[0].Remote)
				}
			}
		})
	}
}

func TestParseOffer_Connection(t *testing.T) {
	t.Run("GivenMediaLevelC_WhenParsed_ThenItOverridesSessionLevel", func(t *testing.T) {
		r, err := ParseOffer(desc("m=audio 4000 RTP/AVP 0\nc=IN IP4 203.0.113.5\n", "m=audio 4010 RTP/AVP 0\n"))
		noErr(t, err)
		if got, want := r.Media[0].Remote, netip.MustParseAddrPort("203.0.113.5:4000"); got != want {
			t.Errorf("stream 0 remote = %v, want %v", got, want)
		}
		if got, want := r.Media[1].Remote, netip.MustParseAddrPort("198.51.100.7:4010"); got != want {
			t.Errorf("stream 1 remote = %v, want %v", got, want)
		}
		if got, want := r.Media[1].RemoteRTCP, netip.MustParseAddrPort("198.51.100.7:4011"); got != want {
			t.Errorf("stream 1 rtcp = %v, want %v (port+1)", got, want)
		}
	})
	t.Run("GivenOnlyMediaLevelC_WhenParsed_ThenAccepted", func(t *testing.T) {
		r, err := ParseOffer([]byte("v=0\no=- 1 1 IN IP6 2001:db8::1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN IP6 2001:db8::7\n"))
		noErr(t, err)
		if got, want := r.Media[0].Remote, netip.MustParseAddrPort("[2001:db8::7]:4000"); got != want {
			t.Errorf("remote = %v, want %v", got, want)
		}
	})
	t.Run("GivenPort0WithoutAnyC_WhenParsed_ThenRemovedWithoutError", func(t *testing.T) {
		r, err := ParseOffer([]byte("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 0 RTP/AVP 0\n"))
		noErr(t, err)
		if got := r.Media[0].State; got != stream.Removed {
			t.Errorf("state = %v, want removed", got)
		}
	})
	t.Run("GivenMulticastAddress_WhenParsed_ThenDeclinedAsUnsupportedTransport", func(t *testing.T) {
		r, err := ParseOffer(desc("m=audio 4000 RTP/AVP 0\nc=IN IP4 224.2.1.1/127\n"))
		noErr(t, err)
		wantErr(t, r.Media[0].Declined, ErrUnsupportedTransport)
	})
}

func TestParseOffer_Codecs(t *testing.T) {
	tests := []struct {
		name    string
		section string
		want    string // stream formats, Caps.String form
		fmtp    map[string]string
		dtmf    string
	}{
		{
			name:    "GivenStaticPTsWithoutRtpmap_WhenParsed_ThenKnownByNumber",
			section: "m=audio 4000 RTP/AVP 0 8 9 3 18\n",
			want:    "ulaw|alaw|g722", // GSM and G729 are known codecs but no PBX format
		},
		{
			name:    "GivenCodecNamesInAnyCase_WhenParsed_ThenMapped",
			section: "m=audio 4000 RTP/AVP 96 97 98\na=rtpmap:96 pcmu/8000\na=rtpmap:97 OPUS/48000/2\na=rtpmap:98 g722/8000\n",
			want:    "ulaw|opus|g722",
		},
		{
			name:    "GivenOpusWithoutChannelCount_WhenParsed_ThenStillOpus",
			section: "m=audio 4000 RTP/AVP 111\na=rtpmap:111 opus/48000\na=fmtp:111 useinbandfec=1\n",
			want:    "opus",
			fmtp:    map[string]string{"opus": "useinbandfec=1"},
		},
		{
			name:    "GivenL16AtThreeRates_WhenParsed_ThenSLinFormats",
			section: "m=audio 4000 RTP/AVP 96 97 98 99 11\na=rtpmap:96 L16/8000\na=rtpmap:97 L16/16000\na=rtpmap:98 L16/48000\na=rtpmap:99 L16/16000/2\n",
			want:    "slin|slin16|slin48", // stereo L16 and L16/44100 (PT 11) are ignored
		},
		{
			name:    "GivenTelephoneEvent_WhenParsed_ThenDTMFNotAStreamFormat",
			section: "m=audio 4000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\n",
			want:    "ulaw",
			dtmf:    "101:telephone-event",
		},
		{
			name:    "GivenUnknownCodec_WhenParsed_ThenIgnored",
			section: "m=audio 4000 RTP/AVP 96 0\na=rtpmap:96 AMR-WB/16000\n",
			want:    "ulaw",
		},
		{
			name:    "GivenVideoCodecs_WhenParsed_ThenMappedWithFmtp",
			section: "m=video 4002 RTP/AVP 96 97 98\na=rtpmap:96 H264/90000\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\na=rtpmap:97 VP8/90000\na=rtpmap:98 VP9/90000\n",
			want:    "h264|vp8|vp9",
			fmtp:    map[string]string{"h264": "profile-level-id=42e01f;packetization-mode=1"},
		},
		{
			name:    "GivenT140OnText_WhenParsed_ThenT140",
			section: "m=text 4006 RTP/AVP 98\na=rtpmap:98 t140/1000\n",
			want:    "t140",
		},
		{
			name:    "GivenAudioCodecOnVideoLine_WhenParsed_ThenIgnored",
			section: "m=video 4002 RTP/AVP 0 96\na=rtpmap:96 VP8/90000\n",
			want:    "vp8",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseOffer(desc(tc.section))
			noErr(t, err)
			st := streamOf(t, r.Topology, 0)
			if got := st.Formats().String(); got != tc.want {
				t.Errorf("formats = %s, want %s", got, tc.want)
			}
			for name, want := range tc.fmtp {
				f, ok := format.ByName(name)
				if !ok {
					t.Fatalf("no format %s", name)
				}
				got, _ := st.Formats().Find(f)
				if got.FMTP != want {
					t.Errorf("%s fmtp = %q, want %q", name, got.FMTP, want)
				}
			}
			if got := r.Media[0].SendDTMF.String(); tc.dtmf != "" && got != tc.dtmf {
				t.Errorf("dtmf = %s, want %s", got, tc.dtmf)
			}
		})
	}
}

// pion/sdp's GetCodecMap mixes m-lines: PT 96 opus on audio and H264 on
// video came back as opus carrying the H264 fmtp (LIBRARIES.md §0.3).
func TestParseOffer_GivenSamePTOnAudioAndVideo_WhenParsed_ThenCodecsDoNotMix(t *testing.T) {
	r, err := ParseOffer(desc(
		"m=audio 4000 RTP/AVP 96\na=rtpmap:96 opus/48000/2\na=fmtp:96 minptime=10;useinbandfec=1\n",
		"m=video 4002 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1\n",
	))
	noErr(t, err)
	want := []Codec{
		{PT: 96, Format: withFMTP(format.Opus, "minptime=10;useinbandfec=1")},
		{PT: 96, Format: withFMTP(format.H264, "packetization-mode=1")},
	}
	for i, w := range want {
		if got := r.Media[i].Send; len(got) != 1 || got[0] != w {
			t.Errorf("stream %d codecs = %+v, want [%+v]", i, got, w)
		}
	}
}

func withFMTP(f format.Format, fmtp string) format.Format {
	f.FMTP = fmtp
	return f
}

func TestParseOffer_Attributes(t *testing.T) {
	r, err := ParseOffer(desc(
		"m=audio 4000 RTP/AVP 0\na=mid:a1\na=label:main-audio\na=ptime:30\na=rtcp:4005\na=ssrc:1111 cname:x\na=ssrc:1111 msid:y\na=ssrc:2222 cname:x\n",
		"m=video 4002 RTP/AVP 96\na=rtpmap:96 VP8/90000\na=mid:v1\na=rtcp-mux\na=rtcp:4002\n",
		"m=audio 4004 RTP/AVP 0\na=rtcp:5005 IN IP4 203.0.113.9\n",
	))
	noErr(t, err)
	a, v := streamOf(t, r.Topology, 0), streamOf(t, r.Topology, 1)
	for _, c := range []struct {
		got  func() (string, bool)
		want string
	}{
		{func() (string, bool) { return a.Metadata("mid") }, "a1"},
		{func() (string, bool) { return a.Metadata("label") }, "main-audio"},
		{func() (string, bool) { return v.Metadata("mid") }, "v1"},
	} {
		if got, ok := c.got(); !ok || got != c.want {
			t.Errorf("metadata = %q (%v), want %q", got, ok, c.want)
		}
	}
	if _, ok := v.Metadata("label"); ok {
		t.Error("video has a label, want none")
	}
	m0, m1, m2 := r.Media[0], r.Media[1], r.Media[2]
	if m0.MID != "a1" || m0.Label != "main-audio" || m0.PTime != 30 {
		t.Errorf("audio mid/label/ptime = %q %q %d", m0.MID, m0.Label, m0.PTime)
	}
	if got, want := m0.RemoteRTCP, netip.MustParseAddrPort("198.51.100.7:4005"); got != want {
		t.Errorf("audio rtcp = %v, want %v", got, want)
	}
	if !slices.Equal(m0.SSRCs, []uint32{1111, 2222}) {
		t.Errorf("ssrcs = %v", m0.SSRCs)
	}
	if !m1.RTCPMux || m1.RemoteRTCP != m1.Remote {
		t.Errorf("video rtcp-mux = %v rtcp %v, want mux on the RTP address %v", m1.RTCPMux, m1.RemoteRTCP, m1.Remote)
	}
	if got, want := m2.RemoteRTCP, netip.MustParseAddrPort("203.0.113.9:5005"); got != want {
		t.Errorf("rtcp with address = %v, want %v", got, want)
	}
}

func TestParseOffer_Transport(t *testing.T) {
	tests := []struct {
		name    string
		section string
		typ     format.MediaType
		reason  error // nil: accepted (or removed by the remote when removed is set)
		removed bool
	}{
		{name: "GivenRTPAVP_WhenParsed_ThenAccepted", section: "m=audio 4000 RTP/AVP 0\n", typ: format.Audio},
		{name: "GivenRTPAVPF_WhenParsed_ThenAccepted", section: "m=video 4000 RTP/AVPF 96\na=rtpmap:96 VP8/90000\n", typ: format.Video},
		{name: "GivenSAVP_WhenParsed_ThenUnsupportedTransport", section: "m=audio 4000 RTP/SAVP 0\n", typ: format.Audio, reason: ErrUnsupportedTransport},
		{name: "GivenDTLSSAVPF_WhenParsed_ThenUnsupportedTransport", section: "m=audio 4000 UDP/TLS/RTP/SAVPF 0\n", typ: format.Audio, reason: ErrUnsupportedTransport},
		{name: "GivenPortCount_WhenParsed_ThenUnsupportedTransport", section: "m=audio 4000/2 RTP/AVP 0\n", typ: format.Audio, reason: ErrUnsupportedTransport},
		{name: "GivenT38Image_WhenParsed_ThenUnsupportedMedia", section: "m=image 4000 udptl t38\n", typ: format.Image, reason: ErrUnsupportedMedia},
		{name: "GivenApplication_WhenParsed_ThenUnsupportedMedia", section: "m=application 4000 UDP/BFCP *\n", typ: format.Unknown, reason: ErrUnsupportedMedia},
		{name: "GivenUnknownMediaToken_WhenParsed_ThenUnsupportedMedia", section: "m=hologram 4000 RTP/AVP 0\n", typ: format.Unknown, reason: ErrUnsupportedMedia},
		{name: "GivenPort0_WhenParsed_ThenRemovedWithoutReason", section: "m=audio 0 RTP/AVP 0\n", typ: format.Audio, removed: true},
		{name: "GivenOnlyUnknownCodecs_WhenParsed_ThenNoCommonFormat", section: "m=audio 4000 RTP/AVP 18\n", typ: format.Audio, reason: ErrNoCommonFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseOffer(desc(tc.section))
			noErr(t, err)
			md := r.Media[0]
			if md.Type != tc.typ {
				t.Errorf("type = %v, want %v", md.Type, tc.typ)
			}
			if got := streamOf(t, r.Topology, 0).Type(); got != tc.typ {
				t.Errorf("stream type = %v, want %v", got, tc.typ)
			}
			switch {
			case tc.reason != nil:
				wantErr(t, md.Declined, tc.reason)
				if md.State != stream.Removed {
					t.Errorf("state = %v, want removed", md.State)
				}
			case tc.removed:
				if md.State != stream.Removed || md.Declined != nil {
					t.Errorf("state = %v declined = %v, want removed by the remote", md.State, md.Declined)
				}
			default:
				if md.State == stream.Removed {
					t.Errorf("removed (%v), want accepted", md.Declined)
				}
			}
		})
	}
}

func TestParse_Errors(t *testing.T) {
	many := func(n int) []byte {
		var b strings.Builder
		b.WriteString(remoteHeader)
		for i := range n {
			fmt.Fprintf(&b, "m=audio %d RTP/AVP 0\n", 4000+2*i)
		}
		return []byte(b.String())
	}
	tests := map[string]struct {
		in   []byte
		want error
	}{
		"GivenEmptyBody_ThenMalformed":               {[]byte(""), ErrMalformed},
		"GivenOnlyNewlines_ThenMalformed":            {[]byte("\r\n\n"), ErrMalformed},
		"GivenGarbage_ThenMalformed":                 {[]byte("hello world"), ErrMalformed},
		"GivenBinaryGarbage_ThenMalformed":           {[]byte{0, 1, 2, 0xff, '\n', 'v'}, ErrMalformed},
		"GivenOnlyVersionLine_ThenMalformed":         {[]byte("v=0\n"), ErrMalformed},
		"GivenMissingSessionName_ThenMalformed":      {[]byte("v=0\no=- 1 1 IN IP4 192.0.2.1\nt=0 0\n"), ErrMalformed},
		"GivenMissingTiming_ThenMalformed":           {[]byte("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nm=audio 4000 RTP/AVP 0\n"), ErrMalformed},
		"GivenBareCR_ThenMalformed":                  {[]byte("v=0\ro=- 1 1 IN IP4 192.0.2.1\n"), ErrMalformed},
		"GivenTruncatedMLine_ThenMalformed":          {desc("m=audio 4000\n"), ErrMalformed},
		"GivenNonNumericPort_ThenBadPort":            {desc("m=audio abc RTP/AVP 0\n"), ErrBadPort},
		"GivenPortAbove65535_ThenBadPort":            {desc("m=audio 70000 RTP/AVP 0\n"), ErrBadPort},
		"GivenNegativePort_ThenBadPort":              {desc("m=audio -1 RTP/AVP 0\n"), ErrBadPort},
		"GivenZeroPortCount_ThenBadPort":             {desc("m=audio 4000/0 RTP/AVP 0\n"), ErrBadPort},
		"Given17MLines_ThenTooManyStreams":           {many(MaxStreams + 1), ErrTooManyStreams},
		"Given50MLines_ThenTooManyStreams":           {many(50), ErrTooManyStreams},
		"GivenNonNumericPayloadType_ThenBadPT":       {desc("m=audio 4000 RTP/AVP 0 abc\n"), ErrBadPayloadType},
		"GivenPayloadTypeAbove127_ThenBadPT":         {desc("m=audio 4000 RTP/AVP 200\n"), ErrBadPayloadType},
		"GivenNoConnectionAnywhere_ThenNoConnection": {[]byte("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n"), ErrNoConnection},
		"GivenHostnameInC_ThenBadAddress":            {desc("m=audio 4000 RTP/AVP 0\nc=IN IP4 pbx.example.com\n"), ErrBadAddress},
		"GivenIPv6InIP4C_ThenBadAddress":             {desc("m=audio 4000 RTP/AVP 0\nc=IN IP4 2001:db8::1\n"), ErrBadAddress},
		"GivenCWithoutAddress_ThenBadAddress":        {[]byte("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4\nt=0 0\nm=audio 4000 RTP/AVP 0\n"), ErrBadAddress},
		"GivenOversizedBody_ThenTooLarge":            {append(desc(mAudioPCMU), strings.Repeat("a=x-pad:0123456789\n", MaxSize/19+1)...), ErrTooLarge},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := ParseOffer(tc.in)
			wantErr(t, err, tc.want)
			s, _ := newSession(t)
			_, err = s.Offer(tc.in, Capabilities{Formats: allFormats})
			wantErr(t, err, tc.want)
			if s.Negotiated() != nil || s.Local() != nil {
				t.Error("a rejected offer changed the session")
			}
		})
	}
}

func TestParse_Warnings(t *testing.T) {
	tests := map[string]struct {
		section string
		want    error
		formats string
	}{
		"GivenDynamicPTWithoutRtpmap_ThenUnknownPayloadType": {"m=audio 4000 RTP/AVP 0 101\n", ErrUnknownPayloadType, "ulaw"},
		"GivenRtpmapWithBadSyntax_ThenBadRtpmap":             {"m=audio 4000 RTP/AVP 0 96\na=rtpmap:96 opus\n", ErrBadRtpmap, "ulaw"},
		"GivenRtpmapWithBadClock_ThenBadRtpmap":              {"m=audio 4000 RTP/AVP 0 96\na=rtpmap:96 opus/abc/2\n", ErrBadRtpmap, "ulaw"},
		"GivenRtpmapWithBadPT_ThenBadRtpmap":                 {"m=audio 4000 RTP/AVP 0\na=rtpmap:x PCMA/8000\n", ErrBadRtpmap, "ulaw"},
		"GivenSecondRtpmapForSamePT_ThenFirstKept":           {"m=audio 4000 RTP/AVP 96\na=rtpmap:96 PCMA/8000\na=rtpmap:96 PCMU/8000\n", ErrBadRtpmap, "alaw"},
		"GivenRtpmapForUnlistedPT_ThenUnlisted":              {"m=audio 4000 RTP/AVP 0\na=rtpmap:96 opus/48000/2\n", ErrUnlistedPayloadType, "ulaw"},
		"GivenFmtpForUnlistedPT_ThenUnlisted":                {"m=audio 4000 RTP/AVP 0\na=fmtp:101 0-16\n", ErrUnlistedPayloadType, "ulaw"},
		"GivenFmtpWithBadPT_ThenBadAttribute":                {"m=audio 4000 RTP/AVP 0\na=fmtp:abc x=1\n", ErrBadAttribute, "ulaw"},
		"GivenBadPtime_ThenBadAttribute":                     {"m=audio 4000 RTP/AVP 0\na=ptime:fast\n", ErrBadAttribute, "ulaw"},
		"GivenBadRTCP_ThenBadAttribute":                      {"m=audio 4000 RTP/AVP 0\na=rtcp:99999\n", ErrBadAttribute, "ulaw"},
		"GivenBadSSRC_ThenBadAttribute":                      {"m=audio 4000 RTP/AVP 0\na=ssrc:-5 cname:x\n", ErrBadAttribute, "ulaw"},
		"GivenConflictingDirections_ThenFirstKept":           {"m=audio 4000 RTP/AVP 0\na=sendonly\na=recvonly\n", ErrBadAttribute, "ulaw"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := ParseOffer(desc(tc.section))
			noErr(t, err)
			wantErr(t, r.Warnings, tc.want)
			if got := streamOf(t, r.Topology, 0).Formats().String(); got != tc.formats {
				t.Errorf("formats = %s, want %s", got, tc.formats)
			}
		})
	}
	t.Run("GivenConflictingDirections_ThenFirstKept_State", func(t *testing.T) {
		r, err := ParseOffer(desc("m=audio 4000 RTP/AVP 0\na=sendonly\na=recvonly\n"))
		noErr(t, err)
		if got := r.Media[0].State; got != stream.RecvOnly {
			t.Errorf("state = %v, want recvonly (remote sendonly kept)", got)
		}
	})
	t.Run("GivenCleanOffer_ThenNoWarnings", func(t *testing.T) {
		r, err := ParseOffer(desc(mAudioPCMU, mVideoH264))
		noErr(t, err)
		if r.Warnings != nil {
			t.Errorf("warnings = %v", r.Warnings)
		}
	})
}

func TestParse_LineEndings(t *testing.T) {
	lf := desc(mAudioPCMU, mVideoH264)
	crlf := []byte(strings.ReplaceAll(string(lf), "\n", "\r\n"))
	noFinal := lf[:len(lf)-1]
	blank := []byte(strings.Replace(string(lf), "t=0 0\n", "t=0 0\n\n", 1))
	want, err := ParseOffer(lf)
	noErr(t, err)
	for name, in := range map[string][]byte{
		"GivenCRLF_ThenSameAsLF":                        crlf,
		"GivenNoFinalLineEnd_ThenSameAsLF":              noFinal,
		"GivenBlankLine_ThenIgnored":                    blank,
		"GivenTabsBetweenMLineFields_ThenSameAsSpaces":  []byte(strings.Replace(string(lf), "m=audio 4000 RTP/AVP", "m=audio\t4000\tRTP/AVP", 1)),
		"GivenExtraSpacesBetweenMLineFields_ThenSameAs": []byte(strings.Replace(string(lf), "m=video 4002 RTP/AVP", "m=video  4002  RTP/AVP", 1)),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ParseOffer(in)
			noErr(t, err)
			if !got.Topology.Equal(want.Topology) || got.Topology.String() != want.Topology.String() {
				t.Errorf("topology = %v, want %v", got.Topology, want.Topology)
			}
			for i := range want.Media {
				if !got.Media[i].equalSource(&want.Media[i]) {
					t.Errorf("media %d = %+v, want %+v", i, got.Media[i], want.Media[i])
				}
			}
		})
	}
}

func TestParse_GivenExactlyMaxStreams_ThenAccepted(t *testing.T) {
	var b strings.Builder
	b.WriteString(remoteHeader)
	for i := range MaxStreams {
		fmt.Fprintf(&b, "m=audio %d RTP/AVP 0\n", 4000+2*i)
	}
	r, err := ParseOffer([]byte(b.String()))
	noErr(t, err)
	if r.Topology.Len() != MaxStreams {
		t.Errorf("streams = %d, want %d", r.Topology.Len(), MaxStreams)
	}
}

func TestParse_NeverPanicsOnPionEdgeCases(t *testing.T) {
	// Inputs that once made parsers of this kind stumble: a lone "v=",
	// type letters without '=', truncated lines.
	for _, in := range []string{"v=", "v", "v=0\no", "v=0\no=", "v=0\no=- 1", "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=\nt=0 0\nm=", "v=0\no=- 1 1 IN IP4 1.2.3.4\ns=\nt=0 0\nm=audio 1 RTP/AVP 0\na"} {
		if _, err := ParseOffer([]byte(in)); err == nil {
			continue
		} else if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNoConnection) {
			t.Errorf("%q: error %v is not ErrMalformed", in, err)
		}
	}
}
