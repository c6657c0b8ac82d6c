package sdp

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
)

func TestOffer_Formats(t *testing.T) {
	tests := []struct {
		name    string
		section string
		local   format.Caps
		prefer  bool
		mline   string // the answer's m= line
		formats string // negotiated stream formats
	}{
		{
			name:    "GivenPCMUAndPCMA_WhenLocalPrefersPCMA_ThenAnswerLocalOrder",
			section: "m=audio 4000 RTP/AVP 0 8\n",
			local:   format.NewCaps(format.ALaw, format.ULaw),
			mline:   "m=audio 10000 RTP/AVP 8 0",
			formats: "alaw|ulaw",
		},
		{
			name:    "GivenPreferOffer_WhenLocalPrefersPCMA_ThenAnswerOfferOrder",
			section: "m=audio 4000 RTP/AVP 0 8\n",
			local:   format.NewCaps(format.ALaw, format.ULaw),
			prefer:  true,
			mline:   "m=audio 10000 RTP/AVP 0 8",
			formats: "ulaw|alaw",
		},
		{
			name:    "GivenOpusAt111_WhenAnswered_ThenOfferersPTKept",
			section: "m=audio 4000 RTP/AVP 111 0\na=rtpmap:111 opus/48000/2\na=fmtp:111 useinbandfec=1\n",
			local:   format.NewCaps(format.Opus),
			mline:   "m=audio 10000 RTP/AVP 111",
			formats: "opus",
		},
		{
			name:    "GivenCodecsNotLocal_WhenAnswered_ThenOnlyIntersection",
			section: "m=audio 4000 RTP/AVP 0 8 9 18\n",
			local:   format.NewCaps(format.G722, format.ALaw, format.Opus),
			mline:   "m=audio 10000 RTP/AVP 9 8",
			formats: "g722|alaw",
		},
		{
			name:    "GivenSameCodecTwice_WhenAnswered_ThenFirstOfferedPTUsed",
			section: "m=video 4000 RTP/AVP 96 97\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1\na=rtpmap:97 H264/90000\na=fmtp:97 packetization-mode=0\n",
			local:   format.NewCaps(format.H264),
			mline:   "m=video 10000 RTP/AVP 96",
			formats: "h264",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newSession(t, func(c *Config) { c.NoTelephoneEvent = true })
			a, err := s.Offer(desc(tc.section), Capabilities{Formats: tc.local, PreferOffer: tc.prefer})
			noErr(t, err)
			lines := msection(t, a.SDP, 0)
			if lines[0] != tc.mline {
				t.Errorf("m-line = %q, want %q", lines[0], tc.mline)
			}
			if got := streamOf(t, a.Topology, 0).Formats().String(); got != tc.formats {
				t.Errorf("formats = %s, want %s", got, tc.formats)
			}
		})
	}
	t.Run("GivenFmtpOffered_WhenAnswered_ThenFmtpEchoedAndInFormat", func(t *testing.T) {
		s, _ := newSession(t)
		a, err := s.Offer(desc(mVideoH264), Capabilities{Formats: allFormats})
		noErr(t, err)
		wantLine(t, msection(t, a.SDP, 0), "a=fmtp:97 packetization-mode=1")
		if got := a.Media[0].Send[0].Format.FMTP; got != "packetization-mode=1" {
			t.Errorf("format fmtp = %q", got)
		}
	})
}

func TestOffer_TelephoneEvent(t *testing.T) {
	tests := []struct {
		name    string
		section string
		noDTMF  bool
		want    string // answered telephone-event "pt:name@clock", "" for none
	}{
		{name: "GivenTelephoneEventOffered_WhenAnswered_ThenOffersPTKept", section: mAudioPCMU, want: "101@8000"},
		{name: "GivenNoTelephoneEventOffered_WhenAnswered_ThenNone", section: "m=audio 4000 RTP/AVP 0\n"},
		{name: "GivenTelephoneEventDisabled_WhenAnswered_ThenNone", section: mAudioPCMU, noDTMF: true},
		{
			name:    "GivenTwoClockRates_WhenOpusPrimary_ThenSameClockChosen",
			section: "m=audio 4000 RTP/AVP 111 0 101 110\na=rtpmap:111 opus/48000/2\na=rtpmap:101 telephone-event/8000\na=rtpmap:110 telephone-event/48000\n",
			want:    "110@48000",
		},
		{
			name:    "GivenOnlyWidebandTelephoneEvent_WhenPCMUPrimary_ThenItIsStillAnswered",
			section: "m=audio 4000 RTP/AVP 0 110\na=rtpmap:110 telephone-event/48000\n",
			want:    "110@48000",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newSession(t, func(c *Config) { c.NoTelephoneEvent = tc.noDTMF })
			a, err := s.Offer(desc(tc.section), Capabilities{Formats: format.NewCaps(format.Opus, format.ULaw)})
			noErr(t, err)
			md := a.Media[0]
			lines := msection(t, a.SDP, 0)
			if tc.want == "" {
				if !md.SendDTMF.IsZero() || !md.RecvDTMF.IsZero() {
					t.Errorf("dtmf = %v/%v, want none", md.SendDTMF, md.RecvDTMF)
				}
				for _, l := range lines {
					if strings.Contains(l, "telephone-event") {
						t.Errorf("answer has %q", l)
					}
				}
				return
			}
			pt, clock, _ := strings.Cut(tc.want, "@")
			if got := md.SendDTMF; got.String() != pt+":telephone-event" || got.Format.ClockRate != atoi(clock) || got != md.RecvDTMF {
				t.Errorf("dtmf = %+v / %+v, want %s", md.SendDTMF, md.RecvDTMF, tc.want)
			}
			wantLine(t, lines, "a=rtpmap:"+pt+" telephone-event/"+clock)
			if !strings.HasSuffix(lines[0], " "+pt) {
				t.Errorf("m-line %q does not end with telephone-event %s", lines[0], pt)
			}
			for _, f := range streamOf(t, a.Topology, 0).Formats().Formats() {
				if isTelephoneEvent(f) {
					t.Error("telephone-event is a stream format")
				}
			}
		})
	}
}

func atoi(s string) int {
	n, _ := atoiMax(s, 1<<30)
	return n
}

func TestOffer_Direction(t *testing.T) {
	tests := []struct {
		name   string
		offer  string // media direction attribute in the offer
		conn   string // media c= line, or ""
		want   stream.State
		answer string
		local  stream.State // local wish via Capabilities.Streams, 0 for none
	}{
		{name: "GivenOfferSendRecv_ThenAnswerSendRecv", offer: "sendrecv", want: stream.SendRecv, answer: "a=sendrecv"},
		{name: "GivenOfferSendOnly_ThenAnswerRecvOnly", offer: "sendonly", want: stream.RecvOnly, answer: "a=recvonly"},
		{name: "GivenOfferRecvOnly_ThenAnswerSendOnly", offer: "recvonly", want: stream.SendOnly, answer: "a=sendonly"},
		{name: "GivenOfferInactive_ThenAnswerInactive", offer: "inactive", want: stream.Inactive, answer: "a=inactive"},
		{name: "GivenOfferSendRecv_WhenPBXHolds_ThenAnswerSendOnly", offer: "sendrecv", local: stream.SendOnly, want: stream.SendOnly, answer: "a=sendonly"},
		{name: "GivenOfferSendOnly_WhenPBXHolds_ThenAnswerInactive", offer: "sendonly", local: stream.SendOnly, want: stream.Inactive, answer: "a=inactive"},
		{name: "GivenOfferSendRecv_WhenPBXInactive_ThenAnswerInactive", offer: "sendrecv", local: stream.Inactive, want: stream.Inactive, answer: "a=inactive"},
		{name: "GivenOldStyleHold_ThenAnswerRecvOnly", offer: "sendrecv", conn: "c=IN IP4 0.0.0.0\n", want: stream.RecvOnly, answer: "a=recvonly"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newSession(t)
			caps := Capabilities{Formats: allFormats}
			if tc.local != stream.StateUnknown {
				caps.Streams = topo(mkStream(format.Audio, tc.local))
			}
			a, err := s.Offer(desc("m=audio 4000 RTP/AVP 0\n"+tc.conn+"a="+tc.offer+"\n"), caps)
			noErr(t, err)
			if got := streamOf(t, a.Topology, 0).State(); got != tc.want {
				t.Errorf("state = %v, want %v", got, tc.want)
			}
			lines := msection(t, a.SDP, 0)
			wantLine(t, lines, tc.answer)
			if got := lines[len(lines)-1]; got != tc.answer {
				t.Errorf("last line = %q, want the direction %q", got, tc.answer)
			}
		})
	}
}

func TestOffer_MLines(t *testing.T) {
	t.Run("GivenAudioAndTwoVideos_WhenAnswered_ThenSameOrder", func(t *testing.T) {
		s, p := newSession(t)
		a, err := s.Offer(desc(mAudioPCMU, mVideoH264, mVideoVP8), Capabilities{Formats: allFormats})
		noErr(t, err)
		if got := mcount(a.SDP); got != 3 {
			t.Fatalf("answer has %d m-lines, want 3:\n%s", got, a.SDP)
		}
		for i, want := range []string{"m=audio 10000 RTP/AVP 0 8 101", "m=video 10002 RTP/AVP 97", "m=video 10004 RTP/AVP 98"} {
			if got := msection(t, a.SDP, i)[0]; got != want {
				t.Errorf("m-line %d = %q, want %q", i, got, want)
			}
		}
		if got, want := a.Topology.String(), "<0:audio-0:audio:sendrecv (ulaw|alaw)> <1:video-1:video:sendrecv (h264)> <2:video-2:video:sendrecv (vp8)>"; got != want {
			t.Errorf("topology = %s\nwant       %s", got, want)
		}
		if !slices.Equal(p.calls, []string{"0:audio", "1:video", "2:video"}) {
			t.Errorf("port calls = %v", p.calls)
		}
		if a.Change != ChangeTopology {
			t.Errorf("change = %v, want topology (first negotiation)", a.Change)
		}
	})
	t.Run("GivenPort0MLine_WhenAnswered_ThenPort0AndNoPortAllocated", func(t *testing.T) {
		s, p := newSession(t)
		a, err := s.Offer(desc(mAudioPCMU, "m=video 0 RTP/AVP 97\na=mid:v\n", mVideoVP8), Capabilities{Formats: allFormats})
		noErr(t, err)
		lines := msection(t, a.SDP, 1)
		if lines[0] != "m=video 0 RTP/AVP 97" {
			t.Errorf("m-line = %q, want port 0 echoing the formats", lines[0])
		}
		wantLine(t, lines, "a=mid:v")
		noLine(t, lines, "a=rtpmap")
		noLine(t, lines, "a=sendrecv")
		if st := streamOf(t, a.Topology, 1); !st.IsRemoved() || !st.Formats().IsEmpty() {
			t.Errorf("stream 1 = %v, want removed", st)
		}
		if a.Media[1].LocalPort != 0 || a.Media[1].Declined != nil {
			t.Errorf("media 1 = %+v", a.Media[1])
		}
		if !slices.Equal(p.calls, []string{"0:audio", "2:video"}) {
			t.Errorf("port calls = %v", p.calls)
		}
	})
	t.Run("GivenUnsupportedLines_WhenAnswered_ThenPort0KeepingMediaAndTransport", func(t *testing.T) {
		s, _ := newSession(t)
		a, err := s.Offer(desc(mAudioPCMU, "m=image 4010 udptl t38\na=T38FaxVersion:0\n", "m=audio 4012 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\n", "m=application 4014 UDP/BFCP *\n"), Capabilities{Formats: allFormats})
		noErr(t, err)
		for i, want := range []string{"m=image 0 udptl t38", "m=audio 0 RTP/SAVP 0", "m=application 0 UDP/BFCP *"} {
			lines := msection(t, a.SDP, i+1)
			if lines[0] != want {
				t.Errorf("m-line %d = %q, want %q", i+1, lines[0], want)
			}
			if len(lines) != 1 {
				t.Errorf("declined m-line %d has attributes %q", i+1, lines[1:])
			}
		}
		wantErr(t, a.Media[1].Declined, ErrUnsupportedMedia)
		wantErr(t, a.Media[2].Declined, ErrUnsupportedTransport)
		wantErr(t, a.Media[3].Declined, ErrUnsupportedMedia)
		if got := a.Topology.ActiveLen(); got != 1 {
			t.Errorf("active streams = %d, want 1", got)
		}
	})
	t.Run("GivenNoCommonVideoCodec_WhenAnswered_ThenVideoPort0AudioAccepted", func(t *testing.T) {
		s, _ := newSession(t)
		a, err := s.Offer(desc(mAudioPCMU, mVideoVP8), Capabilities{Formats: format.NewCaps(format.ULaw, format.H264)})
		noErr(t, err)
		if got := msection(t, a.SDP, 1)[0]; got != "m=video 0 RTP/AVP 98" {
			t.Errorf("video m-line = %q", got)
		}
		wantErr(t, a.Media[1].Declined, ErrNoCommonFormat)
	})
	t.Run("GivenNoCommonCodecAtAll_WhenAnswered_ThenNotAcceptable", func(t *testing.T) {
		s, p := newSession(t)
		_, err := s.Offer(desc(mAudioPCMU, mVideoVP8), Capabilities{Formats: format.NewCaps(format.G722, format.H264)})
		wantErr(t, err, ErrNotAcceptable)
		wantErr(t, err, ErrNoCommonFormat)
		if s.Local() != nil || len(p.calls) != 0 {
			t.Error("a rejected offer changed the session or took ports")
		}
	})
	t.Run("GivenOnlyUnsupportedStreams_WhenAnswered_ThenNotAcceptable", func(t *testing.T) {
		s, _ := newSession(t)
		_, err := s.Offer(desc("m=image 4010 udptl t38\n", "m=audio 0 RTP/AVP 0\n"), Capabilities{Formats: allFormats})
		wantErr(t, err, ErrNotAcceptable)
		wantErr(t, err, ErrUnsupportedMedia)
	})
	t.Run("GivenEveryStreamPort0_WhenInitialOffer_ThenNotAcceptable", func(t *testing.T) {
		s, _ := newSession(t)
		_, err := s.Offer(desc("m=audio 0 RTP/AVP 0\n"), Capabilities{Formats: allFormats})
		wantErr(t, err, ErrNotAcceptable)
		if strings.Contains(err.Error(), "%!") {
			t.Errorf("badly formatted error %q", err)
		}
	})
	t.Run("GivenEveryStreamPort0_WhenReOffer_ThenAnsweredAllRemoved", func(t *testing.T) {
		s, p := newSession(t)
		_, err := s.Offer(desc(mAudioPCMU), Capabilities{Formats: allFormats})
		noErr(t, err)
		a, err := s.Offer(desc("m=audio 0 RTP/AVP 0\n"), Capabilities{Formats: allFormats})
		noErr(t, err)
		if got := msection(t, a.SDP, 0)[0]; got != "m=audio 0 RTP/AVP 0" || a.Topology.ActiveLen() != 0 || a.Change != ChangeTopology {
			t.Errorf("m-line %q topology %v change %v", got, a.Topology, a.Change)
		}
		if len(p.calls) != 1 || a.Media[0].LocalPort != 0 {
			t.Errorf("ports %v / %d", p.calls, a.Media[0].LocalPort)
		}
	})
	t.Run("GivenNoMLines_WhenAnswered_ThenNotAcceptable", func(t *testing.T) {
		s, _ := newSession(t)
		_, err := s.Offer(desc(), Capabilities{Formats: allFormats})
		wantErr(t, err, ErrNotAcceptable)
	})
}

// The pion collision case, end to end: PT 96 is opus on audio and H264 on
// video; each answer m-line must keep its own meaning.
func TestOffer_GivenPT96OnAudioAndVideo_WhenAnswered_ThenEachMLineKeepsItsCodec(t *testing.T) {
	s, _ := newSession(t)
	a, err := s.Offer(desc(
		"m=audio 4000 RTP/AVP 96 0\na=rtpmap:96 opus/48000/2\na=fmtp:96 useinbandfec=1\n",
		"m=video 4002 RTP/AVP 96\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1\n",
	), Capabilities{Formats: format.NewCaps(format.Opus, format.ULaw, format.H264)})
	noErr(t, err)
	audio, video := msection(t, a.SDP, 0), msection(t, a.SDP, 1)
	wantLine(t, audio, "a=rtpmap:96 opus/48000/2")
	wantLine(t, audio, "a=fmtp:96 useinbandfec=1")
	wantLine(t, video, "a=rtpmap:96 H264/90000")
	wantLine(t, video, "a=fmtp:96 packetization-mode=1")
	noLine(t, audio, "a=rtpmap:96 H264")
	noLine(t, video, "a=rtpmap:96 opus")
	if got := a.Topology.String(); got != "<0:audio-0:audio:sendrecv (opus|ulaw)> <1:video-1:video:sendrecv (h264)>" {
		t.Errorf("topology = %s", got)
	}

	// A later PBX re-offer keeps both numbers on their own m-lines.
	off, err := s.MakeOffer(a.Topology)
	noErr(t, err)
	wantLine(t, msection(t, off, 0), "a=rtpmap:96 opus/48000/2")
	wantLine(t, msection(t, off, 1), "a=rtpmap:96 H264/90000")
}

func TestOffer_Echo(t *testing.T) {
	offer := desc("m=audio 4000 RTP/AVP 0\na=mid:audio1\na=label:l1\na=rtcp-mux\n", "m=video 4002 RTP/AVP 96\na=rtpmap:96 VP8/90000\n")
	t.Run("GivenMidAndRtcpMux_WhenAnswered_ThenEchoed", func(t *testing.T) {
		s, _ := newSession(t)
		a, err := s.Offer(offer, Capabilities{Formats: allFormats})
		noErr(t, err)
		audio, video := msection(t, a.SDP, 0), msection(t, a.SDP, 1)
		wantLine(t, audio, "a=mid:audio1")
		wantLine(t, audio, "a=rtcp-mux")
		noLine(t, audio, "a=label") // the label names the remote's stream
		noLine(t, video, "a=mid")
		noLine(t, video, "a=rtcp-mux")
		if !a.Media[0].RTCPMux || a.Media[1].RTCPMux {
			t.Errorf("rtcp-mux = %v/%v, want true/false", a.Media[0].RTCPMux, a.Media[1].RTCPMux)
		}
		wantLine(t, audio, "a=ptime:20")
		noLine(t, video, "a=ptime")
	})
	t.Run("GivenRtcpMuxDisabled_WhenAnswered_ThenNotEchoed", func(t *testing.T) {
		s, _ := newSession(t, func(c *Config) { c.NoRTCPMux = true })
		a, err := s.Offer(offer, Capabilities{Formats: allFormats})
		noErr(t, err)
		noLine(t, msection(t, a.SDP, 0), "a=rtcp-mux")
		if a.Media[0].RTCPMux || a.Media[0].RemoteRTCP.Port() != 4001 {
			t.Errorf("media = %+v, want RTCP on port+1", a.Media[0])
		}
	})
	t.Run("GivenCustomPTime_WhenAnswered_ThenAnnounced", func(t *testing.T) {
		s, _ := newSession(t, func(c *Config) { c.PTime = 30 })
		a, err := s.Offer(offer, Capabilities{Formats: allFormats})
		noErr(t, err)
		wantLine(t, msection(t, a.SDP, 0), "a=ptime:30")
	})
}

func TestOffer_Streams(t *testing.T) {
	offer := desc(mAudioPCMU, mVideoH264, mVideoVP8)
	t.Run("GivenLocalStreamRemoved_WhenAnswered_ThenDeclined", func(t *testing.T) {
		s, _ := newSession(t)
		want := topo(mkStream(format.Audio, stream.SendRecv), mkStream(format.Video, stream.Removed))
		a, err := s.Offer(offer, Capabilities{Formats: allFormats, Streams: want})
		noErr(t, err)
		wantErr(t, a.Media[1].Declined, ErrDeclined)
		if a.Media[2].State != stream.SendRecv {
			t.Errorf("stream 2 beyond Streams = %v, want governed by Formats", a.Media[2].State)
		}
	})
	t.Run("GivenLocalStreamOfOtherType_WhenAnswered_ThenDeclined", func(t *testing.T) {
		s, _ := newSession(t)
		want := topo(mkStream(format.Audio, stream.SendRecv), mkStream(format.Audio, stream.SendRecv, format.ULaw))
		a, err := s.Offer(offer, Capabilities{Formats: allFormats, Streams: want})
		noErr(t, err)
		wantErr(t, a.Media[1].Declined, ErrDeclined)
	})
	t.Run("GivenLocalStreamFormats_WhenAnswered_ThenTheyReplaceFormats", func(t *testing.T) {
		s, _ := newSession(t)
		want := topo(mkStream(format.Audio, stream.SendRecv, format.ALaw))
		a, err := s.Offer(offer, Capabilities{Formats: allFormats, Streams: want})
		noErr(t, err)
		if got := streamOf(t, a.Topology, 0).Formats().String(); got != "alaw" {
			t.Errorf("formats = %s, want alaw", got)
		}
	})
	t.Run("GivenLocalStreamNamesAndMetadata_WhenAnswered_ThenCarried", func(t *testing.T) {
		s, _ := newSession(t)
		aud := stream.New("main", format.Audio)
		aud.SetState(stream.SendRecv)
		aud.SetMetadata("x-app", "ivr")
		a, err := s.Offer(offer, Capabilities{Formats: allFormats, Streams: topo(aud)})
		noErr(t, err)
		st := streamOf(t, a.Topology, 0)
		if v, _ := st.Metadata("x-app"); st.Name() != "main" || v != "ivr" {
			t.Errorf("stream 0 = %v (x-app %q), want name main with metadata", st, v)
		}
	})
}

func TestOffer_ReOffer(t *testing.T) {
	caps := Capabilities{Formats: allFormats}
	setup := func(t *testing.T) (*Session, *portBook, *Answer) {
		t.Helper()
		s, p := newSession(t)
		a, err := s.Offer(desc(mAudioPCMU, mVideoH264), caps)
		noErr(t, err)
		return s, p, a
	}
	t.Run("GivenCall_WhenRemoteHoldsWithSendOnly_ThenPBXRecvOnlyAndTopologyChange", func(t *testing.T) {
		s, _, first := setup(t)
		a, err := s.Offer(desc(strings.Replace(mAudioPCMU, "a=sendrecv", "a=sendonly", 1), mVideoH264), caps)
		noErr(t, err)
		if got := streamOf(t, a.Topology, 0).State(); got != stream.RecvOnly {
			t.Errorf("state = %v, want recvonly", got)
		}
		wantLine(t, msection(t, a.SDP, 0), "a=recvonly")
		if a.Change != ChangeTopology {
			t.Errorf("change = %v, want topology", a.Change)
		}
		if origin(t, a.SDP) != "o=- 4242 2 IN IP4 192.0.2.10" || origin(t, first.SDP) != "o=- 4242 1 IN IP4 192.0.2.10" {
			t.Errorf("origins = %s then %s, want version 1 then 2", origin(t, first.SDP), origin(t, a.SDP))
		}

		// Resume.
		a, err = s.Offer(desc(mAudioPCMU, mVideoH264), caps)
		noErr(t, err)
		if got := streamOf(t, a.Topology, 0).State(); got != stream.SendRecv || a.Change != ChangeTopology {
			t.Errorf("after resume state = %v change = %v", got, a.Change)
		}
		if !strings.Contains(origin(t, a.SDP), " 3 IN") {
			t.Errorf("origin %s, want version 3", origin(t, a.SDP))
		}
	})
	t.Run("GivenCall_WhenRemoteHoldsOldStyle_ThenPBXStopsSending", func(t *testing.T) {
		s, _, _ := setup(t)
		a, err := s.Offer(desc(strings.Replace(mAudioPCMU, "a=sendrecv\n", "c=IN IP4 0.0.0.0\na=sendrecv\n", 1), mVideoH264), caps)
		noErr(t, err)
		if got := a.Media[0]; got.State != stream.RecvOnly || got.Remote.IsValid() {
			t.Errorf("media = %+v, want recvonly with no remote address", got)
		}
		if a.Media[1].State != stream.SendRecv {
			t.Errorf("video = %v, want untouched", a.Media[1].State)
		}
	})
	t.Run("GivenCall_WhenSameOfferAgain_ThenNoChangeAndSameAnswer", func(t *testing.T) {
		s, p, first := setup(t)
		a, err := s.Offer(desc(mAudioPCMU, mVideoH264), caps)
		noErr(t, err)
		if a.Change != ChangeNone {
			t.Errorf("change = %v, want none", a.Change)
		}
		if string(a.SDP) != string(first.SDP) {
			t.Errorf("answer changed:\n%s\nvs\n%s", first.SDP, a.SDP)
		}
		if len(p.calls) != 2 {
			t.Errorf("port calls = %v, want one per stream", p.calls)
		}
	})
	t.Run("GivenCall_WhenRemoteAddressChanges_ThenSourceChange", func(t *testing.T) {
		s, _, first := setup(t)
		a, err := s.Offer([]byte(strings.ReplaceAll(string(desc(mAudioPCMU, mVideoH264)), "198.51.100.7", "198.51.100.8")), caps)
		noErr(t, err)
		if a.Change != ChangeSource {
			t.Errorf("change = %v, want source", a.Change)
		}
		if a.Media[0].Remote != netip.MustParseAddrPort("198.51.100.8:4000") {
			t.Errorf("remote = %v", a.Media[0].Remote)
		}
		if origin(t, a.SDP) != origin(t, first.SDP) {
			t.Errorf("local description unchanged but version moved: %s", origin(t, a.SDP))
		}
	})
	t.Run("GivenCall_WhenRemoteSSRCChanges_ThenSourceChange", func(t *testing.T) {
		s, _ := newSession(t)
		_, err := s.Offer(desc(mAudioPCMU+"a=ssrc:1 cname:a\n"), caps)
		noErr(t, err)
		a, err := s.Offer(desc(mAudioPCMU+"a=ssrc:2 cname:a\n"), caps)
		noErr(t, err)
		if a.Change != ChangeSource {
			t.Errorf("change = %v, want source", a.Change)
		}
	})
	t.Run("GivenCall_WhenRemoteAddsStream_ThenAppendedWithNewPort", func(t *testing.T) {
		s, p, _ := setup(t)
		a, err := s.Offer(desc(mAudioPCMU, mVideoH264, mVideoVP8), caps)
		noErr(t, err)
		if a.Topology.Len() != 3 || a.Change != ChangeTopology {
			t.Fatalf("topology = %v change = %v", a.Topology, a.Change)
		}
		if !slices.Equal(p.calls, []string{"0:audio", "1:video", "2:video"}) {
			t.Errorf("port calls = %v", p.calls)
		}
		if a.Media[0].LocalPort != 10000 || a.Media[2].LocalPort != 10004 {
			t.Errorf("ports = %d %d %d", a.Media[0].LocalPort, a.Media[1].LocalPort, a.Media[2].LocalPort)
		}
	})
	t.Run("GivenCall_WhenRemoteRemovesStream_ThenRemovedAndPortReleased", func(t *testing.T) {
		s, p, _ := setup(t)
		a, err := s.Offer(desc(mAudioPCMU, "m=video 0 RTP/AVP 97\n"), caps)
		noErr(t, err)
		if !streamOf(t, a.Topology, 1).IsRemoved() || a.Media[1].LocalPort != 0 || a.Change != ChangeTopology {
			t.Fatalf("topology = %v media = %+v", a.Topology, a.Media[1])
		}
		// Brought back: a new port is asked for.
		a, err = s.Offer(desc(mAudioPCMU, mVideoH264), caps)
		noErr(t, err)
		if !slices.Equal(p.calls, []string{"0:audio", "1:video", "1:video"}) || a.Media[1].LocalPort != 10004 {
			t.Errorf("port calls = %v, port %d", p.calls, a.Media[1].LocalPort)
		}
	})
	t.Run("GivenCall_WhenRemoteReusesRemovedSlotForAnotherType_ThenNewStream", func(t *testing.T) {
		s, _, _ := setup(t)
		_, err := s.Offer(desc(mAudioPCMU, "m=video 0 RTP/AVP 97\n"), caps)
		noErr(t, err)
		a, err := s.Offer(desc(mAudioPCMU, "m=text 4008 RTP/AVP 98\na=rtpmap:98 t140/1000\n"), caps)
		noErr(t, err)
		if got := streamOf(t, a.Topology, 1); got.Type() != format.Text || got.Name() != "text-1" {
			t.Errorf("stream 1 = %v", got)
		}
	})
	t.Run("GivenCall_WhenReOfferHasFewerMLines_ThenErrorAndStateKept", func(t *testing.T) {
		s, _, first := setup(t)
		_, err := s.Offer(desc(mAudioPCMU), caps)
		wantErr(t, err, ErrMLineCount)
		if string(s.Local()) != string(first.SDP) || s.Negotiated().Topology.Len() != 2 {
			t.Error("a rejected re-offer changed the session")
		}
	})
	t.Run("GivenCall_WhenReOfferNotAcceptable_ThenErrorAndStateKept", func(t *testing.T) {
		s, _, first := setup(t)
		_, err := s.Offer(desc("m=audio 4000 RTP/AVP 18\n", "m=video 4002 RTP/AVP 31\n"), caps)
		wantErr(t, err, ErrNotAcceptable)
		if string(s.Local()) != string(first.SDP) || s.Negotiated().Topology.ActiveLen() != 2 {
			t.Error("a rejected re-offer changed the session")
		}
	})
	t.Run("GivenPendingLocalOffer_WhenRemoteOffers_ThenGlare", func(t *testing.T) {
		s, _, a := setup(t)
		_, err := s.MakeOffer(a.Topology)
		noErr(t, err)
		_, err = s.Offer(desc(mAudioPCMU, mVideoH264), caps)
		wantErr(t, err, ErrOfferPending)
	})
	t.Run("GivenRemoteChangedPTMapping_WhenReOffered_ThenAnswerFollowsAndSourceChange", func(t *testing.T) {
		s, _ := newSession(t)
		_, err := s.Offer(desc("m=audio 4000 RTP/AVP 111\na=rtpmap:111 opus/48000/2\n"), caps)
		noErr(t, err)
		a, err := s.Offer(desc("m=audio 4000 RTP/AVP 112\na=rtpmap:112 opus/48000/2\n"), caps)
		noErr(t, err)
		if a.Change != ChangeSource || a.Media[0].Send[0].PT != 112 {
			t.Errorf("change = %v send = %v", a.Change, a.Media[0].Send)
		}
	})
}

func TestOffer_PortErrors(t *testing.T) {
	t.Run("GivenPortFuncFails_WhenAnswering_ThenErrorWrapped", func(t *testing.T) {
		s, p := newSession(t)
		boom := errors.New("no ports left")
		p.fail = boom
		_, err := s.Offer(desc(mAudioPCMU), Capabilities{Formats: allFormats})
		wantErr(t, err, boom)
		if s.Local() != nil {
			t.Error("local description generated despite the failure")
		}
	})
	t.Run("GivenPortFuncOutOfRange_WhenAnswering_ThenBadPort", func(t *testing.T) {
		s, err := New(Config{Address: netip.MustParseAddr("192.0.2.1"), Ports: func(int, format.MediaType) (int, error) { return 70000, nil }})
		noErr(t, err)
		_, err = s.Offer(desc(mAudioPCMU), Capabilities{Formats: allFormats})
		wantErr(t, err, ErrBadPort)
	})
}

func BenchmarkOffer(b *testing.B) {
	offer := desc(mAudioPCMU, mVideoH264, mVideoVP8)
	caps := Capabilities{Formats: allFormats}
	s, _ := newSession(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Offer(offer, caps); err != nil {
			b.Fatal(err)
		}
	}
}
