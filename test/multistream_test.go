package test

import (
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/internal/testphone"
)

// TestMultistreamCallAnsweredInOrder calls the multistream echo (601) with
// audio plus two video m-lines: the answer keeps the m-line order, the
// audio tone comes back, and video sent on each video stream comes back on
// that stream.
func TestMultistreamCallAnsweredInOrder(t *testing.T) {
	s := startPBX(t, demoPlan)
	p := registered(t, s, "1001", "secret1001")
	ctx := ctxT(t, 30*time.Second)
	call, err := p.Dial(ctx, "601", testphone.DialOptions{Streams: []testphone.StreamSpec{
		testphone.Audio("PCMU"), testphone.Video("H264"), testphone.Video("H264"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	st := call.Streams()
	if len(st) != 3 || st[0].Kind() != testphone.KindAudio || st[1].Kind() != testphone.KindVideo || st[2].Kind() != testphone.KindVideo {
		t.Fatalf("answer streams %v, want audio, video, video:\n%s", st, call.RemoteSDP())
	}
	for i, m := range st {
		if !m.Enabled() {
			t.Fatalf("stream %d declined:\n%s", i, call.RemoteSDP())
		}
	}
	stop, _ := st[0].StartTone(900)
	defer stop()
	if err := st[0].WaitTone(ctx, 900, 300*time.Millisecond); err != nil {
		t.Fatalf("audio not echoed: %v", err)
	}
	for _, i := range []int{1, 2} {
		if err := st[i].SendVideo(10); err != nil {
			t.Fatal(err)
		}
		if err := st[i].WaitPackets(ctx, 5); err != nil {
			t.Fatalf("video stream %d not echoed on itself: %v", i, err)
		}
	}
	out, _ := s.CLI("channels")
	if strings.Count(out, ":video:sendrecv") != 2 {
		t.Fatalf("pbx channels does not show two video streams:\n%s", out)
	}
	call.Hangup(ctx)
}

// TestHoldResumeAndCancel: a re-INVITE to hold (sendonly) and back keeps
// the echo call up with media after resume; a call CANCELled before
// answer ends with 487 and leaves no channel.
func TestHoldResumeAndCancel(t *testing.T) {
	s := startPBX(t, demoPlan+"[default]\nexten => 610,1,Ringing()\n same => n,Wait(20)\n")
	p := registered(t, s, "1001", "secret1001")
	ctx := ctxT(t, 40*time.Second)
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := call.Hold(ctx); err != nil {
		t.Fatalf("hold: %v", err)
	}
	if d := call.Streams()[0].RemoteDirection(); d != testphone.RecvOnly && d != testphone.Inactive {
		t.Fatalf("PBX answered hold with %v, want recvonly or inactive", d)
	}
	if err := call.Resume(ctx); err != nil {
		t.Fatalf("resume: %v", err)
	}
	m := call.Streams()[0]
	m.ResetReceived()
	stop, _ := m.StartTone(1100)
	defer stop()
	if err := m.WaitTone(ctx, 1100, 300*time.Millisecond); err != nil {
		t.Fatalf("no echo after resume: %v", err)
	}
	call.Hangup(ctx)

	ring, err := p.Invite(ctx, "610", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.WaitResponse(ctx, 180); err != nil {
		t.Fatalf("no 180: %v", err)
	}
	if err := ring.Hangup(ctx); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if _, err := ring.WaitResponse(ctx, 487); err != nil {
		t.Fatalf("CANCEL did not end the INVITE with 487: %v", err)
	}
	out, _ := s.CLI("channels")
	if !strings.Contains(out, "0 active channel(s)") {
		t.Fatalf("channel left after CANCEL:\n%s", out)
	}
}

// TestReInviteAddingVideoIsMirroredToTheOtherLeg: in a bridged call, a
// re-INVITE from alice adding a video m-line makes the PBX re-INVITE bob
// with a video stream too, video then flows both ways through the bridge,
// and the exchange settles (bob sees exactly one more negotiation, alice
// none). Once the mirror completed, the PBX asks alice (whose first video
// was dropped while bob's leg had no video yet) and bob for a key frame
// with an RFC 5168 INFO picture_fast_update — and not before: alice gets
// none while the call is audio only.
func TestReInviteAddingVideoIsMirroredToTheOtherLeg(t *testing.T) {
	s := startPBX(t, demoPlan)
	alice := registered(t, s, "1001", "secret1001")
	bob := registered(t, s, "1002", "secret1002")
	ctx := ctxT(t, 40*time.Second)
	res := make(chan *testphone.Call, 1)
	go func() {
		c, err := alice.Dial(ctx, "1002", testphone.DialOptions{})
		if err != nil {
			t.Error(err)
		}
		res <- c
	}()
	in, err := bob.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	a := <-res
	if a == nil {
		t.FailNow()
	}
	before := in.Negotiations()
	if n := len(a.Infos()); n != 0 {
		t.Fatalf("alice got %d INFOs in an audio-only call", n)
	}
	if err := a.ReInvite(ctx, testphone.Audio("PCMU", "PCMA"), testphone.Video("H264")); err != nil {
		t.Fatalf("alice re-INVITE adding video: %v", err)
	}
	if err := in.WaitNegotiations(ctx, before+1); err != nil {
		t.Fatalf("bob never got the mirrored re-INVITE: %v", err)
	}
	st := in.Streams()
	if len(st) != 2 || st[1].Kind() != testphone.KindVideo || !st[1].Enabled() {
		t.Fatalf("bob's streams after the mirror: %v\n%s", st, in.LastOffer())
	}
	// Video flows both ways on the added stream. bob sends first: his
	// phone counts the negotiation once it has built its 200, before the
	// PBX has that 200. His packets wait in the socket of the stream the
	// PBX offered and cross once the PBX has applied his answer; alice's
	// packets sent in that window find no video stream on bob's leg yet
	// and are dropped by the bridge (issue 5). bob's video reaching alice
	// proves both legs carry the new slot, so alice's burst must arrive.
	if err := st[1].SendVideo(20); err != nil {
		t.Fatal(err)
	}
	if err := a.Streams()[1].WaitPackets(ctx, 5); err != nil {
		t.Fatalf("bob's video did not reach alice: %v", err)
	}
	if err := a.Streams()[1].SendVideo(20); err != nil {
		t.Fatal(err)
	}
	if err := st[1].WaitPackets(ctx, 5); err != nil {
		t.Fatalf("alice's video did not reach bob: %v", err)
	}
	if n := in.Negotiations(); n != before+1 {
		t.Fatalf("bob saw %d negotiations after the change, want exactly 1 (no storm)", n-before)
	}
	// Video reached both ways, so the mirror completed: each sender was
	// asked for a key frame.
	if _, err := a.WaitInfo(ctx, testphone.Info.PictureFastUpdate); err != nil {
		t.Fatalf("alice was not asked for a key frame after the mirror completed: %v", err)
	}
	if _, err := in.WaitInfo(ctx, testphone.Info.PictureFastUpdate); err != nil {
		t.Fatalf("bob was not asked for a key frame after the mirror completed: %v", err)
	}
	a.Hangup(ctx)
}
