package sdp

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

// answerTo builds a remote answer from the PBX's offer: same m-lines, each
// section given (or "" to echo the PBX's m-line with the remote port).
func answerTo(sections ...string) []byte { return desc(sections...) }

func TestMakeOffer_MLines(t *testing.T) {
	tp := topo(
		mkStream(format.Audio, stream.SendRecv, format.Opus, format.ULaw),
		mkStream(format.Video, stream.Removed),
		mkStream(format.Video, stream.SendOnly, format.H264, format.VP8),
		mkStream(format.Text, stream.RecvOnly, format.T140),
	)
	s, p := newSession(t)
	off, err := s.MakeOffer(tp)
	noErr(t, err)
	if mcount(off) != 4 {
		t.Fatalf("%d m-lines, want 4:\n%s", mcount(off), off)
	}
	tests := []struct {
		name  string
		i     int
		want  []string
		never []string
	}{
		{
			name: "GivenAudioStream_ThenCodecsInOrderWithTelephoneEventPtimeMidMux",
			i:    0,
			want: []string{"m=audio 10000 RTP/AVP 96 0 97 98", "a=mid:0", "a=rtpmap:96 opus/48000/2", "a=rtpmap:0 PCMU/8000",
				"a=rtpmap:97 telephone-event/48000", "a=fmtp:97 0-16", "a=rtpmap:98 telephone-event/8000", "a=fmtp:98 0-16",
				"a=ptime:20", "a=rtcp-mux", "a=sendrecv"},
		},
		{
			name:  "GivenRemovedStream_ThenPort0KeepingMediaType",
			i:     1,
			want:  []string{"m=video 0 RTP/AVP 0", "a=mid:1"},
			never: []string{"a=rtpmap", "a=sendrecv", "a=rtcp-mux"},
		},
		{
			name:  "GivenSendOnlyVideo_ThenSendOnlyAndNoPtime",
			i:     2,
			want:  []string{"m=video 10002 RTP/AVP 99 100", "a=rtpmap:99 H264/90000", "a=rtpmap:100 VP8/90000", "a=sendonly"},
			never: []string{"a=ptime", "a=rtpmap:97", "telephone-event"},
		},
		{
			name: "GivenRecvOnlyText_ThenRecvOnly",
			i:    3,
			want: []string{"m=text 10004 RTP/AVP 101", "a=rtpmap:101 t140/1000", "a=recvonly"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines := msection(t, off, tc.i)
			for _, w := range tc.want {
				wantLine(t, lines, w)
			}
			for _, n := range tc.never {
				for _, l := range lines {
					if strings.Contains(l, n) {
						t.Errorf("unexpected %q in %q", n, l)
					}
				}
			}
		})
	}
	if !slices.Equal(p.calls, []string{"0:audio", "2:video", "3:text"}) {
		t.Errorf("port calls = %v", p.calls)
	}
	if !strings.HasSuffix(string(off), "\r\n") || strings.Contains(strings.ReplaceAll(string(off), "\r\n", ""), "\n") {
		t.Error("offer lines must end with CRLF")
	}
}

func TestMakeOffer_Edges(t *testing.T) {
	t.Run("GivenNilOrEmptyTopology_ThenErrEmptyTopology", func(t *testing.T) {
		s, _ := newSession(t)
		_, err := s.MakeOffer(nil)
		wantErr(t, err, ErrEmptyTopology)
		_, err = s.MakeOffer(topology.New())
		wantErr(t, err, ErrEmptyTopology)
	})
	t.Run("GivenTooManyStreams_ThenErrTooManyStreams", func(t *testing.T) {
		s, _ := newSession(t)
		tp := topology.New()
		for range MaxStreams + 1 {
			mustAppend(tp, mkStream(format.Audio, stream.SendRecv, format.ULaw))
		}
		_, err := s.MakeOffer(tp)
		wantErr(t, err, ErrTooManyStreams)
	})
	t.Run("GivenStreamWithoutFormats_ThenPort0", func(t *testing.T) {
		s, _ := newSession(t)
		off, err := s.MakeOffer(topo(mkStream(format.Audio, stream.SendRecv, format.ULaw), mkStream(format.Video, stream.Inactive)))
		noErr(t, err)
		if got := msection(t, off, 1)[0]; got != "m=video 0 RTP/AVP 0" {
			t.Errorf("m-line = %q", got)
		}
	})
	t.Run("GivenImageStream_ThenPort0T38Line", func(t *testing.T) {
		s, _ := newSession(t)
		off, err := s.MakeOffer(topo(mkStream(format.Audio, stream.SendRecv, format.ULaw), mkStream(format.Image, stream.SendRecv)))
		noErr(t, err)
		if got := msection(t, off, 1)[0]; got != "m=image 0 udptl t38" {
			t.Errorf("m-line = %q", got)
		}
	})
	t.Run("GivenTelephoneEventInStreamFormats_ThenOfferedOnceNotAsCodec", func(t *testing.T) {
		s, _ := newSession(t)
		off, err := s.MakeOffer(topology.FromFormats(format.NewCaps(format.ULaw, format.TelephoneEvent)))
		noErr(t, err)
		if got := msection(t, off, 0)[0]; got != "m=audio 10000 RTP/AVP 0 96" {
			t.Errorf("m-line = %q", got)
		}
	})
	t.Run("GivenTelephoneEventDisabled_ThenNotOffered", func(t *testing.T) {
		s, _ := newSession(t, func(c *Config) { c.NoTelephoneEvent = true; c.NoRTCPMux = true })
		off, err := s.MakeOffer(topology.FromFormats(format.NewCaps(format.ULaw)))
		noErr(t, err)
		lines := msection(t, off, 0)
		if lines[0] != "m=audio 10000 RTP/AVP 0" {
			t.Errorf("m-line = %q", lines[0])
		}
		noLine(t, lines, "a=rtcp-mux")
	})
	t.Run("GivenMetadataMidAndLabel_ThenUsed", func(t *testing.T) {
		s, _ := newSession(t)
		a := mkStream(format.Audio, stream.SendRecv, format.ULaw)
		a.SetMetadata("mid", "voice")
		a.SetMetadata("label", "agent")
		b := mkStream(format.Audio, stream.SendRecv, format.ULaw)
		b.SetMetadata("mid", "voice") // duplicate: replaced by the index
		c := mkStream(format.Audio, stream.SendRecv, format.ULaw)
		c.SetMetadata("mid", "bad\r\na=inject")
		off, err := s.MakeOffer(topo(a, b, c))
		noErr(t, err)
		wantLine(t, msection(t, off, 0), "a=mid:voice")
		wantLine(t, msection(t, off, 0), "a=label:agent")
		wantLine(t, msection(t, off, 1), "a=mid:1")
		wantLine(t, msection(t, off, 2), "a=mid:2")
		if strings.Contains(string(off), "inject") {
			t.Error("metadata injected a line")
		}
	})
	t.Run("GivenFormatFMTPWithNewline_ThenNotWritten", func(t *testing.T) {
		s, _ := newSession(t)
		off, err := s.MakeOffer(topo(mkStream(format.Video, stream.SendRecv, withFMTP(format.H264, "x=1\r\na=evil"))))
		noErr(t, err)
		if strings.Contains(string(off), "evil") {
			t.Errorf("fmtp injected a line:\n%s", off)
		}
	})
	t.Run("GivenIPv6Address_ThenIP6Lines", func(t *testing.T) {
		s, _ := newSession(t, func(c *Config) { c.Address = netip.MustParseAddr("2001:db8::10") })
		off, err := s.MakeOffer(topology.FromFormats(format.NewCaps(format.ULaw)))
		noErr(t, err)
		if !strings.Contains(string(off), "o=- 4242 1 IN IP6 2001:db8::10\r\n") || !strings.Contains(string(off), "c=IN IP6 2001:db8::10\r\n") {
			t.Errorf("offer:\n%s", off)
		}
		// And it reads back.
		_, err = ParseOffer(off)
		noErr(t, err)
	})
	t.Run("GivenPendingOffer_WhenMakeOfferAgain_ThenErrOfferPending", func(t *testing.T) {
		s, _ := newSession(t)
		_, err := s.MakeOffer(topology.FromFormats(format.NewCaps(format.ULaw)))
		noErr(t, err)
		_, err = s.MakeOffer(topology.FromFormats(format.NewCaps(format.ULaw)))
		wantErr(t, err, ErrOfferPending)
		if !s.Pending() {
			t.Error("Pending() = false")
		}
	})
}

// RFC 3264 §8.3.2: payload type numbers are stable per m-line, and a
// dynamic number is never reused for another codec in the session.
func TestMakeOffer_PayloadTypes(t *testing.T) {
	t.Run("GivenSameCodecOnTwoVideoStreams_ThenSameNumber", func(t *testing.T) {
		s, _ := newSession(t)
		off, err := s.MakeOffer(topo(mkStream(format.Video, stream.SendRecv, format.H264), mkStream(format.Video, stream.SendRecv, format.VP8, format.H264)))
		noErr(t, err)
		wantLine(t, msection(t, off, 0), "m=video 10000 RTP/AVP 96")
		wantLine(t, msection(t, off, 1), "m=video 10002 RTP/AVP 97 96")
	})
	t.Run("GivenCodecDropped_WhenNewCodecOffered_ThenOldNumberNotReused", func(t *testing.T) {
		s, _ := newSession(t, func(c *Config) { c.NoTelephoneEvent = true })
		off, err := s.MakeOffer(topology.FromFormats(format.NewCaps(format.Opus)))
		noErr(t, err)
		wantLine(t, msection(t, off, 0), "a=rtpmap:96 opus/48000/2")
		_, err = s.Answer(answerTo("m=audio 5000 RTP/AVP 96\na=rtpmap:96 opus/48000/2\n"))
		noErr(t, err)

		off, err = s.MakeOffer(topology.FromFormats(format.NewCaps(format.SLin16)))
		noErr(t, err)
		wantLine(t, msection(t, off, 0), "a=rtpmap:97 L16/16000")
		_, err = s.Answer(answerTo("m=audio 5000 RTP/AVP 97\na=rtpmap:97 L16/16000\n"))
		noErr(t, err)

		// Opus comes back with its old number.
		off, err = s.MakeOffer(topology.FromFormats(format.NewCaps(format.SLin16, format.Opus)))
		noErr(t, err)
		wantLine(t, msection(t, off, 0), "m=audio 10000 RTP/AVP 97 96")
	})
	t.Run("GivenRemoteOfferedNumbers_WhenPBXReOffers_ThenItKeepsThem", func(t *testing.T) {
		s, _ := newSession(t)
		a, err := s.Offer(desc("m=audio 4000 RTP/AVP 111 0 101\na=rtpmap:111 opus/48000/2\na=rtpmap:101 telephone-event/48000\n"), Capabilities{Formats: allFormats})
		noErr(t, err)
		off, err := s.MakeOffer(a.Topology)
		noErr(t, err)
		lines := msection(t, off, 0)
		// ulaw|opus in local order; telephone-event/48000 keeps 101, the
		// 8000 one gets a fresh number that is not 111 or 101.
		wantLine(t, lines, "m=audio 10000 RTP/AVP 0 111 96 101")
		wantLine(t, lines, "a=rtpmap:96 telephone-event/8000")
		wantLine(t, lines, "a=rtpmap:101 telephone-event/48000")
	})
	t.Run("GivenRemoteTookNumber96_WhenPBXAddsCodec_ThenItSkips96", func(t *testing.T) {
		s, _ := newSession(t, func(c *Config) { c.NoTelephoneEvent = true })
		a, err := s.Offer(desc("m=audio 4000 RTP/AVP 96\na=rtpmap:96 opus/48000/2\n"), Capabilities{Formats: allFormats})
		noErr(t, err)
		tp := a.Topology.Clone()
		mustAppend(tp, mkStream(format.Video, stream.SendRecv, format.VP8))
		off, err := s.MakeOffer(tp)
		noErr(t, err)
		wantLine(t, msection(t, off, 1), "a=rtpmap:97 VP8/90000")
	})
}

func TestMakeOffer_Version(t *testing.T) {
	tp := topology.FromFormats(format.NewCaps(format.ULaw, format.H264))
	t.Run("GivenSameOfferAfterRollback_ThenSameVersion", func(t *testing.T) {
		s, _ := newSession(t)
		a, err := s.MakeOffer(tp)
		noErr(t, err)
		s.Rollback()
		b, err := s.MakeOffer(tp)
		noErr(t, err)
		if string(a) != string(b) || origin(t, b) != "o=- 4242 1 IN IP4 192.0.2.10" {
			t.Errorf("re-sent offer differs:\n%s\n%s", a, b)
		}
	})
	t.Run("GivenHoldReOffer_ThenVersionPlusOne", func(t *testing.T) {
		s, _ := newSession(t)
		_, err := s.MakeOffer(tp)
		noErr(t, err)
		_, err = s.Answer(answerTo(mAudioPCMU, mVideoH264))
		noErr(t, err)
		hold := tp.Clone()
		streamOf(t, hold, 0).SetState(stream.SendOnly)
		off, err := s.MakeOffer(hold)
		noErr(t, err)
		if origin(t, off) != "o=- 4242 2 IN IP4 192.0.2.10" {
			t.Errorf("origin = %s, want version 2", origin(t, off))
		}
		wantLine(t, msection(t, off, 0), "a=sendonly")
	})
	t.Run("GivenRandomSessionID_ThenNonZeroAndStable", func(t *testing.T) {
		s, _ := newSession(t, func(c *Config) { c.SessionID = 0 })
		a, err := s.MakeOffer(tp)
		noErr(t, err)
		s.Rollback()
		b, err := s.MakeOffer(tp)
		noErr(t, err)
		if origin(t, a) != origin(t, b) || strings.HasPrefix(origin(t, a), "o=- 0 ") {
			t.Errorf("origins %s / %s", origin(t, a), origin(t, b))
		}
	})
}

func TestAnswer(t *testing.T) {
	offerTopo := func() *topology.Topology {
		a := stream.New("voice", format.Audio)
		a.SetState(stream.SendRecv)
		a.SetFormats(format.NewCaps(format.Opus, format.ULaw, format.ALaw))
		a.SetMetadata("x-app", "ivr")
		return topo(a, mkStream(format.Video, stream.SendRecv, format.H264, format.VP8))
	}
	start := func(t *testing.T) *Session {
		t.Helper()
		s, _ := newSession(t)
		_, err := s.MakeOffer(offerTopo())
		noErr(t, err)
		return s
	}
	t.Run("GivenAnswer_ThenFormatsAreWhatItAcceptedInItsOrder", func(t *testing.T) {
		s := start(t)
		tp, err := s.Answer(answerTo(
			"m=audio 5000 RTP/AVP 8 0 99\na=rtpmap:99 telephone-event/8000\na=ptime:30\na=rtcp-mux\n",
			"m=video 5002 RTP/AVP 97\na=rtpmap:97 VP8/90000\na=recvonly\n",
		))
		noErr(t, err)
		if got, want := tp.String(), "<0:voice:audio:sendrecv (alaw|ulaw)> <1:video-1:video:sendonly (vp8)>"; got != want {
			t.Errorf("topology = %s, want %s", got, want)
		}
		if v, _ := streamOf(t, tp, 0).Metadata("x-app"); v != "ivr" {
			t.Error("metadata of the offered topology lost")
		}
		res := s.Negotiated()
		a, v := res.Media[0], res.Media[1]
		if a.Remote != netip.MustParseAddrPort("198.51.100.7:5000") || !a.RTCPMux || a.RemoteRTCP != a.Remote || a.PTime != 30 || a.LocalPort != 10000 {
			t.Errorf("audio media = %+v", a)
		}
		// The answer used 99 for telephone-event and the PBX offered 98.
		if a.SendDTMF.PT != 99 || a.RecvDTMF.PT != 98 {
			t.Errorf("dtmf send/recv = %v/%v, want 99/98", a.SendDTMF, a.RecvDTMF)
		}
		// VP8 was offered as 100, answered as 97: send 97, receive 100.
		if len(v.Send) != 1 || v.Send[0].PT != 97 || v.Recv[0].PT != 100 {
			t.Errorf("video send %v recv %v", v.Send, v.Recv)
		}
		if res.Change != ChangeTopology || s.Pending() {
			t.Errorf("change = %v pending = %v", res.Change, s.Pending())
		}
	})
	t.Run("GivenAnswerRemovesVideo_ThenRemovedAndPortReleased", func(t *testing.T) {
		s := start(t)
		tp, err := s.Answer(answerTo(mAudioPCMU, "m=video 0 RTP/AVP 96\n"))
		noErr(t, err)
		if !streamOf(t, tp, 1).IsRemoved() || s.Negotiated().Media[1].LocalPort != 0 {
			t.Errorf("topology = %v", tp)
		}
	})
	t.Run("GivenAnswerWithOldHold_ThenPBXDoesNotSend", func(t *testing.T) {
		s := start(t)
		tp, err := s.Answer(answerTo("m=audio 5000 RTP/AVP 0\nc=IN IP4 0.0.0.0\n", mVideoH264))
		noErr(t, err)
		if got := streamOf(t, tp, 0).State(); got != stream.RecvOnly {
			t.Errorf("state = %v, want recvonly", got)
		}
	})
	t.Run("GivenAnswerSendRecvToSendOnlyOffer_ThenOfferedDirectionWins", func(t *testing.T) {
		s, _ := newSession(t)
		_, err := s.MakeOffer(topo(mkStream(format.Audio, stream.SendOnly, format.ULaw)))
		noErr(t, err)
		tp, err := s.Answer(answerTo("m=audio 5000 RTP/AVP 0\na=sendrecv\n"))
		noErr(t, err)
		if got := streamOf(t, tp, 0).State(); got != stream.SendOnly {
			t.Errorf("state = %v, want sendonly", got)
		}
	})
	t.Run("GivenAnswerWithoutRtpmapForOfferedDynamicPT_ThenReadAsOffered", func(t *testing.T) {
		s := start(t)
		tp, err := s.Answer(answerTo("m=audio 5000 RTP/AVP 96\n", "m=video 5002 RTP/AVP 99\n"))
		noErr(t, err)
		if got := tp.String(); got != "<0:voice:audio:sendrecv (opus)> <1:video-1:video:sendrecv (h264)>" {
			t.Errorf("topology = %s", got)
		}
	})
	t.Run("GivenAnswerWithCodecNotOffered_ThenIgnored", func(t *testing.T) {
		s := start(t)
		tp, err := s.Answer(answerTo("m=audio 5000 RTP/AVP 9 0\n", mVideoH264))
		noErr(t, err)
		if got := streamOf(t, tp, 0).Formats().String(); got != "ulaw" {
			t.Errorf("formats = %s", got)
		}
	})
	t.Run("GivenAnswerWithNoCommonCodec_ThenStreamRemoved", func(t *testing.T) {
		s := start(t)
		tp, err := s.Answer(answerTo("m=audio 5000 RTP/AVP 9\n", mVideoH264))
		noErr(t, err)
		if !streamOf(t, tp, 0).IsRemoved() {
			t.Errorf("topology = %v", tp)
		}
		wantErr(t, s.Negotiated().Media[0].Declined, ErrNoCommonFormat)
	})
	t.Run("GivenAnswerWithSRTP_ThenStreamRemoved", func(t *testing.T) {
		s := start(t)
		tp, err := s.Answer(answerTo("m=audio 5000 RTP/SAVP 0\n", mVideoH264))
		noErr(t, err)
		if !streamOf(t, tp, 0).IsRemoved() {
			t.Errorf("topology = %v", tp)
		}
	})
	t.Run("GivenAnswerRemovesEverything_ThenNoErrorAndNoActiveStream", func(t *testing.T) {
		s := start(t)
		tp, err := s.Answer(answerTo("m=audio 0 RTP/AVP 0\n", "m=video 0 RTP/AVP 96\n"))
		noErr(t, err)
		if tp.ActiveLen() != 0 {
			t.Errorf("topology = %v", tp)
		}
	})
	errs := map[string]struct {
		answer []byte
		want   error
	}{
		"GivenFewerMLines_ThenErrMLineCount":   {answerTo(mAudioPCMU), ErrMLineCount},
		"GivenMoreMLines_ThenErrMLineCount":    {answerTo(mAudioPCMU, mVideoH264, mVideoVP8), ErrMLineCount},
		"GivenSwappedMLines_ThenErrMismatch":   {answerTo(mVideoH264, mAudioPCMU), ErrMLineMismatch},
		"GivenGarbage_ThenErrMalformed":        {[]byte("200 OK"), ErrMalformed},
		"GivenMissingConnection_ThenErrNoConn": {[]byte("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n" + mAudioPCMU + mVideoH264), ErrNoConnection},
	}
	for name, tc := range errs {
		t.Run(name, func(t *testing.T) {
			s := start(t)
			_, err := s.Answer(tc.answer)
			wantErr(t, err, tc.want)
			if !s.Pending() || s.Negotiated() != nil {
				t.Error("a bad answer changed the session")
			}
			// A good answer still applies.
			_, err = s.Answer(answerTo(mAudioPCMU, mVideoH264))
			noErr(t, err)
		})
	}
	t.Run("GivenNoPendingOffer_ThenErrNoPendingOffer", func(t *testing.T) {
		s, _ := newSession(t)
		_, err := s.Answer(answerTo(mAudioPCMU))
		wantErr(t, err, ErrNoPendingOffer)
		s = start(t)
		s.Rollback()
		_, err = s.Answer(answerTo(mAudioPCMU, mVideoH264))
		wantErr(t, err, ErrNoPendingOffer)
	})
}

func TestMakeOffer_ReOffer(t *testing.T) {
	caps := Capabilities{Formats: allFormats}
	t.Run("GivenTopologyShorterThanSession_ThenExtraMLinesPort0", func(t *testing.T) {
		s, _ := newSession(t)
		a, err := s.Offer(desc(mAudioPCMU, mVideoH264), caps)
		noErr(t, err)
		off, err := s.MakeOffer(topo(mkStream(format.Audio, stream.SendRecv, format.ULaw)))
		noErr(t, err)
		if mcount(off) != 2 || msection(t, off, 1)[0] != "m=video 0 RTP/AVP 97" {
			t.Errorf("offer:\n%s", off)
		}
		_ = a
	})
	t.Run("GivenRemovedSlot_WhenNewStreamOfOtherType_ThenSlotReused", func(t *testing.T) {
		s, p := newSession(t)
		_, err := s.MakeOffer(topo(mkStream(format.Audio, stream.SendRecv, format.ULaw), mkStream(format.Video, stream.Removed)))
		noErr(t, err)
		_, err = s.Answer(answerTo(mAudioPCMU, "m=video 0 RTP/AVP 0\n"))
		noErr(t, err)
		off, err := s.MakeOffer(topo(mkStream(format.Audio, stream.SendRecv, format.ULaw), mkStream(format.Text, stream.SendRecv, format.T140)))
		noErr(t, err)
		if got := msection(t, off, 1)[0]; got != "m=text 10002 RTP/AVP 97" {
			t.Errorf("m-line = %q", got)
		}
		if !slices.Equal(p.calls, []string{"0:audio", "1:text"}) {
			t.Errorf("port calls = %v", p.calls)
		}
	})
	t.Run("GivenSlotFromRemoteSAVPOffer_WhenPBXOffersStream_ThenRTPAVP", func(t *testing.T) {
		s, _ := newSession(t)
		_, err := s.Offer(desc(mAudioPCMU, "m=audio 4010 RTP/SAVP 0\n"), caps)
		noErr(t, err)
		off, err := s.MakeOffer(topology.FromFormats(format.NewCaps(format.ULaw)).Clone())
		noErr(t, err)
		if got := msection(t, off, 1)[0]; got != "m=audio 0 RTP/SAVP 0" {
			t.Errorf("kept removed slot = %q", got)
		}
		s.Rollback()
		off, err = s.MakeOffer(topo(mkStream(format.Audio, stream.SendRecv, format.ULaw), mkStream(format.Audio, stream.SendRecv, format.ULaw)))
		noErr(t, err)
		if got := msection(t, off, 1)[0]; !strings.HasPrefix(got, "m=audio 10002 RTP/AVP 0") {
			t.Errorf("reused slot = %q", got)
		}
	})
}
