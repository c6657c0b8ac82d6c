package testphone

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCallToneBothWaysAndBye(t *testing.T) {
	ctx := testContext(t, 15*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	ac, bc := connect(t, ctx, a, b, DialOptions{})

	if !bc.Inbound() || ac.Inbound() {
		t.Errorf("Inbound: caller %v, callee %v", ac.Inbound(), bc.Inbound())
	}
	if got := bc.RemoteURI(); !strings.Contains(got, "alice@") {
		t.Errorf("callee RemoteURI = %q, want alice", got)
	}
	am, bm := ac.Streams(), bc.Streams()
	if len(am) != 1 || len(bm) != 1 {
		t.Fatalf("streams: caller %d, callee %d, want 1 each", len(am), len(bm))
	}
	for _, m := range []*Media{am[0], bm[0]} {
		if m.Codec() != "PCMU" || m.Direction() != SendRecv || !m.TelephoneEvent() {
			t.Errorf("stream: codec %q direction %v dtmf %v, want PCMU sendrecv dtmf", m.Codec(), m.Direction(), m.TelephoneEvent())
		}
	}
	if am[0].RemoteAddr() != bm[0].LocalAddr() || bm[0].RemoteAddr() != am[0].LocalAddr() {
		t.Errorf("addresses: caller sends to %v, callee listens on %v; callee sends to %v, caller listens on %v",
			am[0].RemoteAddr(), bm[0].LocalAddr(), bm[0].RemoteAddr(), am[0].LocalAddr())
	}

	var wg sync.WaitGroup
	errs := make(chan error, 4)
	wg.Go(func() { errs <- am[0].SendTone(ctx, 440, 600*time.Millisecond) })
	wg.Go(func() { errs <- bm[0].SendTone(ctx, 1000, 600*time.Millisecond) })
	wg.Go(func() { errs <- bm[0].WaitTone(ctx, 440, 400*time.Millisecond) })
	wg.Go(func() { errs <- am[0].WaitTone(ctx, 1000, 400*time.Millisecond) })
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if d := bm[0].ToneDuration(1000); d != 0 {
		t.Errorf("callee heard its own tone for %v", d)
	}
	if st := bm[0].Stats(); st.LastSource != am[0].LocalAddr() {
		t.Errorf("callee got RTP from %v, want the caller's RTP socket %v (symmetric RTP)", st.LastSource, am[0].LocalAddr())
	}

	if err := ac.Hangup(ctx); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	if err := waitDone(t, ctx, bc); !errors.Is(err, ErrRemoteHangup) {
		t.Errorf("callee end reason = %v, want ErrRemoteHangup", err)
	}
	if err := ac.Err(); !errors.Is(err, ErrLocalHangup) {
		t.Errorf("caller end reason = %v, want ErrLocalHangup", err)
	}
	if err := ac.Hangup(ctx); err != nil {
		t.Errorf("second Hangup: %v", err)
	}
	if err := am[0].SendTone(ctx, 440, 20*time.Millisecond); !errors.Is(err, ErrCallEnded) {
		t.Errorf("SendTone after hangup = %v, want ErrCallEnded", err)
	}
}

func TestByeFromCallee(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	ac, bc := connect(t, ctx, a, b, DialOptions{})
	if err := bc.Hangup(ctx); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	if err := waitDone(t, ctx, ac); !errors.Is(err, ErrRemoteHangup) {
		t.Errorf("caller end reason = %v, want ErrRemoteHangup", err)
	}
}

// TestInfo: an INFO sent within a call is answered 200 and recorded by
// the receiving phone (the PBX asks for video key frames with RFC 5168
// INFOs).
func TestInfo(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	ac, bc := connect(t, ctx, a, b, DialOptions{})
	const body = `<?xml version="1.0" encoding="utf-8" ?>
<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>`
	if err := ac.SendInfo(ctx, "application/media_control+xml", body); err != nil {
		t.Fatalf("SendInfo: %v", err)
	}
	got, err := bc.WaitInfo(ctx, Info.PictureFastUpdate)
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != body {
		t.Errorf("INFO body %q, want %q", got.Body, body)
	}
	if err := bc.SendInfo(ctx, "application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"); err != nil {
		t.Fatalf("SendInfo back: %v", err)
	}
	infos, err := ac.WaitInfo(ctx, func(i Info) bool { return i.ContentType == "application/dtmf-relay" })
	if err != nil || infos.PictureFastUpdate() {
		t.Errorf("alice got %+v, %v; want the dtmf-relay INFO", infos, err)
	}
	if n := len(bc.Infos()); n != 1 {
		t.Errorf("bob recorded %d INFOs, want 1", n)
	}
	ac.Hangup(ctx)
	if err := ac.SendInfo(ctx, "text/plain", "x"); !errors.Is(err, ErrCallEnded) {
		t.Errorf("SendInfo after hangup: %v, want ErrCallEnded", err)
	}
}

func TestPCMAAndDTMF(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	ac, bc := connect(t, ctx, a, b, DialOptions{Streams: []StreamSpec{Audio("PCMA")}})
	am, bm := ac.Streams()[0], bc.Streams()[0]
	if am.Codec() != "PCMA" || bm.Codec() != "PCMA" || am.PayloadType() != 8 {
		t.Fatalf("codecs %q/%q pt %d, want PCMA/8", am.Codec(), bm.Codec(), am.PayloadType())
	}
	stop, err := am.StartTone(697)
	if err != nil {
		t.Fatal(err)
	}
	if err := bm.WaitTone(ctx, 697, 200*time.Millisecond); err != nil {
		t.Error(err)
	}
	if err := am.SendDigits(ctx, "12#*D", 80*time.Millisecond, 40*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	stop()
	stop()
	if err := bm.WaitDigits(ctx, "12#*D"); err != nil {
		t.Error(err)
	}
	if err := am.SendDTMF(ctx, 'x', 50*time.Millisecond); !errors.Is(err, ErrInvalidDigit) {
		t.Errorf("SendDTMF('x') = %v, want ErrInvalidDigit", err)
	}
}

func TestNoTelephoneEvent(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	ac, _ := connect(t, ctx, a, b, DialOptions{Streams: []StreamSpec{{NoDTMF: true}}})
	if err := ac.Streams()[0].SendDTMF(ctx, '1', 50*time.Millisecond); !errors.Is(err, ErrNoTelephoneEvent) {
		t.Errorf("SendDTMF = %v, want ErrNoTelephoneEvent", err)
	}
}

func TestHoldResume(t *testing.T) {
	ctx := testContext(t, 15*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	ac, bc := connect(t, ctx, a, b, DialOptions{})
	am, bm := ac.Streams()[0], bc.Streams()[0]

	if err := ac.Hold(ctx); err != nil {
		t.Fatalf("Hold: %v", err)
	}
	if am.Direction() != SendOnly || bm.Direction() != RecvOnly {
		t.Fatalf("on hold: caller %v, callee %v, want sendonly/recvonly", am.Direction(), bm.Direction())
	}
	if n := bc.Negotiations(); n != 2 {
		t.Errorf("callee negotiations = %d, want 2", n)
	}
	if !strings.Contains(bc.LastOffer(), "a=sendonly") || !strings.Contains(bc.LastAnswer(), "a=recvonly") {
		t.Errorf("hold offer/answer:\n%s\n%s", bc.LastOffer(), bc.LastAnswer())
	}
	if err := bm.SendTone(ctx, 1000, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if st := bm.Stats(); st.PacketsSent != 0 || st.PacketsSuppressed == 0 {
		t.Errorf("callee on hold sent %d packets, suppressed %d; want 0 sent", st.PacketsSent, st.PacketsSuppressed)
	}
	if err := am.SendTone(ctx, 440, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := bm.WaitTone(ctx, 440, 100*time.Millisecond); err != nil {
		t.Errorf("held party must still hear the holder: %v", err)
	}

	if err := ac.Resume(ctx); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if am.Direction() != SendRecv || bm.Direction() != SendRecv {
		t.Fatalf("resumed: caller %v, callee %v", am.Direction(), bm.Direction())
	}
	if err := bm.SendTone(ctx, 1000, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := am.WaitTone(ctx, 1000, 100*time.Millisecond); err != nil {
		t.Error(err)
	}
}

func TestReInviteFromCalleeAddsVideo(t *testing.T) {
	ctx := testContext(t, 15*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	ac, bc := connect(t, ctx, a, b, DialOptions{})

	if err := bc.ReInvite(ctx, Audio(), Video()); err != nil {
		t.Fatalf("ReInvite: %v", err)
	}
	am, bm := ac.Streams(), bc.Streams()
	if len(am) != 2 || len(bm) != 2 {
		t.Fatalf("streams after adding video: %d/%d", len(am), len(bm))
	}
	if am[1].Kind() != KindVideo || am[1].Codec() != "H264" || am[1].PayloadType() != 96 {
		t.Errorf("caller video: %v %q pt %d", am[1].Kind(), am[1].Codec(), am[1].PayloadType())
	}
	if err := bm[1].SendVideo(5); err != nil {
		t.Fatal(err)
	}
	if err := am[1].WaitPackets(ctx, 5); err != nil {
		t.Error(err)
	}
	if got := am[0].Stats().PacketsReceived; got != 0 {
		t.Errorf("video leaked into audio: %d packets", got)
	}

	// Remove the video again: the m-line stays, with port 0.
	if err := ac.ReInvite(ctx, Audio(), StreamSpec{Kind: KindVideo, Disabled: true}); err != nil {
		t.Fatalf("ReInvite disabling video: %v", err)
	}
	if bm[1].Enabled() || am[1].Enabled() {
		t.Errorf("video still enabled: caller %v callee %v", am[1].Enabled(), bm[1].Enabled())
	}
	if !strings.Contains(bc.LastAnswer(), "m=video 0 ") {
		t.Errorf("answer keeps a rejected video m-line:\n%s", bc.LastAnswer())
	}
	if err := ac.ReInvite(ctx, Audio()); err == nil {
		t.Error("re-offer removing an m-line succeeded")
	}
	// A session refresh re-offers the same SDP, version included.
	before := ac.LocalSDP()
	if err := ac.ReInvite(ctx); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if after := ac.LocalSDP(); after != before {
		t.Errorf("unchanged re-offer differs:\n%s\n%s", before, after)
	}
}

func TestMultistreamAnswerKeepsOrder(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	offer := []StreamSpec{Audio(), Video(), Audio("PCMA").With(SendOnly)}
	ac, bc := connect(t, ctx, a, b, DialOptions{Streams: offer}, StreamSpec{}, StreamSpec{Disabled: true}, StreamSpec{})

	ans, err := parseSDP([]byte(ac.RemoteSDP()))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		media string
		zero  bool
		dir   Direction
	}{{"audio", false, SendRecv}, {"video", true, Inactive}, {"audio", false, RecvOnly}}
	if len(ans) != len(want) {
		t.Fatalf("answer has %d m-lines, want %d:\n%s", len(ans), len(want), ac.RemoteSDP())
	}
	for i, w := range want {
		if ans[i].media != w.media || (ans[i].port == 0) != w.zero || (!w.zero && ans[i].dir != w.dir) {
			t.Errorf("answer m-line %d: %s port %d %v, want %s zero=%v %v", i, ans[i].media, ans[i].port, ans[i].dir, w.media, w.zero, w.dir)
		}
	}
	if n := len(bc.Streams()); n != 3 {
		t.Errorf("callee has %d streams, want 3", n)
	}
	if m := ac.Streams()[2]; m.Codec() != "PCMA" || m.Direction() != SendOnly {
		t.Errorf("third stream: %q %v", m.Codec(), m.Direction())
	}
}

func TestCancelBeforeAnswer(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	ac, err := a.Invite(ctx, b.URI(), DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bc, err := b.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := bc.Ringing(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.WaitResponse(ctx, 180); err != nil {
		t.Fatal(err)
	}
	if err := ac.Hangup(ctx); err != nil {
		t.Fatalf("Hangup (CANCEL): %v", err)
	}
	if err := ac.Err(); !errors.Is(err, ErrLocalHangup) {
		t.Errorf("caller end reason = %v, want ErrLocalHangup", err)
	}
	if _, err := ac.WaitResponse(ctx, 487); err != nil {
		t.Errorf("no 487: %v (responses %v)", err, ac.Responses())
	}
	if err := waitDone(t, ctx, bc); !errors.Is(err, ErrCanceled) {
		t.Errorf("callee end reason = %v, want ErrCanceled", err)
	}
	if err := bc.Answer(ctx); err == nil {
		t.Error("answering a cancelled call succeeded")
	}
}

func TestDialCancelledByContext(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	var dialErr error
	done := make(chan struct{})
	short, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(done)
		_, dialErr = a.Dial(short, b.URI(), DialOptions{})
	}()
	bc, err := b.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := bc.Ringing(ctx); err != nil {
		t.Fatal(err)
	}
	stop()
	<-done
	if dialErr == nil {
		t.Fatal("Dial succeeded after its context was cancelled")
	}
	if err := waitDone(t, ctx, bc); !errors.Is(err, ErrCanceled) {
		t.Errorf("callee end reason = %v, want ErrCanceled", err)
	}
}

func TestRejectBusy(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	go func() {
		bc, err := b.WaitIncoming(ctx)
		if err == nil {
			_ = bc.Reject(ctx, 486)
		}
	}()
	c, err := a.Dial(ctx, b.URI(), DialOptions{})
	if c != nil || StatusCode(err) != 486 {
		t.Fatalf("Dial = %v, %v; want a 486 StatusError", c, err)
	}
}

func TestEarlyMedia(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	ac, err := a.Invite(ctx, b.URI(), DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bc, err := b.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := bc.EarlyMedia(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := ac.WaitResponse(ctx, 183); err != nil || r.SDP == "" {
		t.Fatalf("183 = %+v, %v", r, err)
	}
	if err := bc.Streams()[0].SendTone(ctx, 425, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := ac.Streams()[0].WaitTone(ctx, 425, 200*time.Millisecond); err != nil {
		t.Errorf("early media: %v", err)
	}
	if err := bc.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ac.WaitAnswer(ctx); err != nil {
		t.Fatal(err)
	}
	if ac.Negotiations() != 1 || bc.Negotiations() != 1 {
		t.Errorf("negotiations %d/%d, want 1/1", ac.Negotiations(), bc.Negotiations())
	}
}

func TestDelayedOffer(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a := newPhone(t, Config{User: "alice"})
	b := newPhone(t, Config{User: "bob"})
	ac, bc := connect(t, ctx, a, b, DialOptions{NoSDP: true}, Audio("PCMA"))
	if bc.LastOffer() == "" || bc.LastOffer() != ac.LastOffer() {
		t.Fatalf("offer in 2xx: callee %q caller %q", bc.LastOffer(), ac.LastOffer())
	}
	if err := bc.WaitNegotiations(ctx, 1); err != nil {
		t.Fatal(err)
	}
	am, bm := ac.Streams()[0], bc.Streams()[0]
	if am.Codec() != "PCMA" || bm.Codec() != "PCMA" {
		t.Fatalf("codecs %q/%q", am.Codec(), bm.Codec())
	}
	if err := am.SendTone(ctx, 600, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := bm.WaitTone(ctx, 600, 100*time.Millisecond); err != nil {
		t.Error(err)
	}
}

func TestTCP(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a := newPhone(t, Config{User: "alice", Transport: "tcp"})
	b := newPhone(t, Config{User: "bob", Transport: "tcp"})
	if !strings.Contains(b.URI(), "transport=tcp") {
		t.Fatalf("URI %q lacks transport=tcp", b.URI())
	}
	ac, bc := connect(t, ctx, a, b, DialOptions{})
	if err := ac.Streams()[0].SendTone(ctx, 440, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := bc.Streams()[0].WaitTone(ctx, 440, 100*time.Millisecond); err != nil {
		t.Error(err)
	}
	if err := bc.Hold(ctx); err != nil {
		t.Fatalf("re-INVITE over TCP: %v", err)
	}
	if err := bc.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := waitDone(t, ctx, ac); !errors.Is(err, ErrRemoteHangup) {
		t.Errorf("caller end reason = %v", err)
	}
}

func TestCloseHangsUp(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	a, err := New(Config{User: "alice", Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	b := newPhone(t, Config{User: "bob"})
	_, bc := connect(t, ctx, a, b, DialOptions{})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := waitDone(t, ctx, bc); !errors.Is(err, ErrRemoteHangup) {
		t.Errorf("callee end reason = %v, want ErrRemoteHangup", err)
	}
	if _, err := a.Invite(ctx, b.URI(), DialOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Invite after Close = %v", err)
	}
	if _, ok := <-a.Incoming(); ok {
		t.Error("Incoming not closed")
	}
}

// TestClientOnlyTransports: over tls, ws and wss the phone listens for
// nothing and its Contact is unroutable (RFC 7118 §5); the PBX tests
// (drivers/sip) register and call over them.
func TestClientOnlyTransports(t *testing.T) {
	for _, tr := range []string{"tls", "ws", "wss"} {
		p := newPhone(t, Config{User: "alice", Transport: tr})
		if p.Addr().IsValid() {
			t.Errorf("%s: Addr %v, want none", tr, p.Addr())
		}
		if u := p.URI(); !strings.Contains(u, ".invalid;transport="+tr) {
			t.Errorf("%s: URI %q", tr, u)
		}
	}
	if _, err := New(Config{User: "alice", Transport: "sctp"}); err == nil {
		t.Error("sctp accepted")
	}
}
