package sip

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/internal/testphone"
)

// videoEndpoints lets carol (no auth) use video.
func videoEndpoints(c *Config) {
	eps := EndpointMap{}
	for k, v := range testEndpoints {
		eps[k] = v
	}
	carol := eps["carol"]
	carol.Codecs = format.NewCaps(format.ULaw, format.ALaw, format.TelephoneEvent, format.H264, format.VP8)
	eps["carol"] = carol
	c.Endpoints = eps
}

// streamEcho answers and writes every media frame back to its stream.
func streamEcho(ctx context.Context, ch *channel.Channel) {
	if err := ch.Answer(ctx); err != nil {
		return
	}
	for {
		f, err := ch.ReadStream()
		if err != nil {
			return
		}
		if f.IsMedia() {
			_ = ch.WriteStream(f.Stream, f)
		}
		f.Release()
	}
}

// TestMultistream: an offer of audio and two video m-lines is answered
// with three m-lines in the same order, and media flows on each.
func TestMultistream(t *testing.T) {
	e := newEnv(t, videoEndpoints)
	e.handle(streamEcho)
	ctx := ctxT(t)
	p := e.phone(t, "carol", "")
	call, err := p.Dial(ctx, "800", testphone.DialOptions{Streams: []testphone.StreamSpec{
		testphone.Audio(), testphone.Video("H264"), testphone.Video("VP8", "H264"),
	}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ch := e.nextChannel(t)
	topo := ch.Topology()
	if topo.Len() != 3 {
		t.Fatalf("topology %s, want 3 streams", topo)
	}
	for i, want := range []format.MediaType{format.Audio, format.Video, format.Video} {
		s, _ := topo.Stream(i)
		if s.Type() != want || s.State() != stream.SendRecv {
			t.Errorf("stream %d: %s, want sendrecv %s", i, s, want)
		}
	}
	if s, _ := topo.Stream(2); !s.Formats().Contains(format.VP8) {
		t.Errorf("stream 2 formats %s, want vp8 first offered", s.Formats())
	}
	ms := call.Streams()
	if len(ms) != 3 {
		t.Fatalf("phone sees %d streams", len(ms))
	}
	for i, want := range []testphone.Kind{testphone.KindAudio, testphone.KindVideo, testphone.KindVideo} {
		if ms[i].Kind() != want || !ms[i].Enabled() {
			t.Errorf("phone stream %d: kind %v enabled %v", i, ms[i].Kind(), ms[i].Enabled())
		}
	}
	for _, i := range []int{1, 2} {
		if err := ms[i].SendVideo(5); err != nil {
			t.Fatal(err)
		}
		if err := ms[i].WaitPackets(ctx, 5); err != nil {
			t.Errorf("video stream %d echo: %v", i, err)
		}
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	e.waitNoChannels(t)
}

// TestMalformedSDP: offers that cannot be parsed or accepted get 488 and
// leave no channel behind.
func TestMalformedSDP(t *testing.T) {
	bodies := map[string]string{
		"garbage":      "hello world\r\n",
		"no c line":    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
		"bad port":     "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 99999 RTP/AVP 0\r\n",
		"no codec":     "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 18\r\n",
		"only image":   "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=image 4000 udptl t38\r\n",
		"20 m-lines":   "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + strings.Repeat("m=audio 4000 RTP/AVP 0\r\n", 20),
		"srtp profile": "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\n",
	}
	e := newEnv(t)
	rc := newRawClient(t, e.udp())
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			req := rc.invite("carol", "600", body)
			res := rc.do(t, req)
			if res.StatusCode != 488 {
				t.Fatalf("%s, want 488", res.Short())
			}
			e.waitNoChannels(t)
		})
	}
	if n := e.d.port.inUse(); n != 0 {
		t.Errorf("%d RTP port pairs leaked", n)
	}
}

// invite builds an INVITE from user to exten with an SDP body.
func (rc *rawClient) invite(user, exten, body string) *sipmsg.Request {
	req := rc.register(user, sipmsg.GenerateTagN(12), 1, []string{"<sip:" + user + "@127.0.0.1:5997>"})
	req.Method = sipmsg.INVITE
	req.Recipient.User = exten
	req.CSeq().MethodName = sipmsg.INVITE
	to := req.To()
	to.Address.User = exten
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	req.SetBody([]byte(body))
	return req
}

// TestHoldResume: the phone holds (sendonly) and resumes; the channel
// hears TopologyChanged with the audio stream recvonly, then sendrecv.
func TestHoldResume(t *testing.T) {
	e := newEnv(t)
	states := make(chan stream.State, 4)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			return
		}
		for {
			f, err := ch.ReadStream()
			if err != nil {
				return
			}
			if f.Kind == frame.Control && f.Control == frame.TopologyChanged {
				s, _ := f.Topology.Stream(0)
				states <- s.State()
			}
			f.Release()
		}
	})
	ctx := ctxT(t)
	p := e.phone(t, "carol", "")
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ch := e.nextChannel(t)
	for _, step := range []struct {
		do   func(context.Context) error
		want stream.State
	}{{call.Hold, stream.RecvOnly}, {call.Resume, stream.SendRecv}} {
		if err := step.do(ctx); err != nil {
			t.Fatalf("re-INVITE: %v", err)
		}
		select {
		case st := <-states:
			if st != step.want {
				t.Fatalf("state %s, want %s", st, step.want)
			}
		case <-ctx.Done():
			t.Fatal("no TopologyChanged")
		}
		if s, _ := ch.Topology().Stream(0); s.State() != step.want {
			t.Errorf("channel topology %s", ch.Topology())
		}
	}
	if got := call.Streams()[0].Direction(); got != testphone.SendRecv {
		t.Errorf("phone direction after resume %v", got)
	}
	call.Hangup(ctx)
	e.waitNoChannels(t)
}

// TestDTMF: digits the phone sends arrive as DTMF frames; digits the
// dialplan sends arrive at the phone.
func TestDTMF(t *testing.T) {
	e := newEnv(t)
	got := make(chan rune, 8)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			return
		}
		for {
			f, err := ch.Read()
			if err != nil {
				return
			}
			if f.Kind == frame.DTMFEnd {
				got <- f.Digit
				if f.Digit == '#' {
					// The phone may hang up as soon as it heard the digit.
					if err := ch.SendDigit(ctx, '7', 100*time.Millisecond); err != nil && !errors.Is(err, channel.ErrHangup) {
						t.Errorf("SendDigit: %v", err)
					}
				}
			}
			f.Release()
		}
	})
	ctx := ctxT(t)
	p := e.phone(t, "carol", "")
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := call.Streams()[0]
	if err := m.SendDigits(ctx, "12#", 100*time.Millisecond, 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var digits []rune
	for len(digits) < 3 {
		select {
		case d := <-got:
			digits = append(digits, d)
		case <-ctx.Done():
			t.Fatalf("digits %q, want 12#", string(digits))
		}
	}
	if string(digits) != "12#" {
		t.Fatalf("digits %q, want 12#", string(digits))
	}
	if err := m.WaitDigits(ctx, "7"); err != nil {
		t.Fatal(err)
	}
	call.Hangup(ctx)
	e.waitNoChannels(t)
}

// TestDTMFWrittenAsFrames: digits a bridge passes as DTMFBegin/DTMFEnd
// frames (no SendDigit) go out as RFC 4733 events.
func TestDTMFWrittenAsFrames(t *testing.T) {
	e := newEnv(t)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			return
		}
		for _, k := range []frame.Kind{frame.DTMFBegin, frame.DTMFEnd} {
			f := frame.NewDTMF(k, '5', 120*time.Millisecond)
			err := ch.Write(f)
			f.Release()
			if err != nil {
				t.Errorf("write %v: %v", k, err)
				return
			}
		}
		<-ctx.Done()
	})
	ctx := ctxT(t)
	p := e.phone(t, "carol", "")
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := call.Streams()[0].WaitDigits(ctx, "5"); err != nil {
		t.Fatal(err)
	}
	call.Hangup(ctx)
	e.waitNoChannels(t)
}

// TestDriverCloseSaysGoodbye: closing the driver ends an established
// call with a BYE the phone receives.
func TestDriverCloseSaysGoodbye(t *testing.T) {
	e := newEnv(t)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			return
		}
		<-ctx.Done()
	})
	ctx := ctxT(t)
	p := e.phone(t, "carol", "")
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- e.d.Close() }()
	select {
	case <-call.Done():
	case <-ctx.Done():
		t.Fatal("the phone got no BYE when the driver closed")
	}
	if err := <-closed; err != nil {
		t.Errorf("close: %v", err)
	}
}
