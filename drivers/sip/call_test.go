package sip

import (
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/internal/testphone"
)

// statsOf returns the SIP counters of ch's streams.
func statsOf(t testing.TB, ch *channel.Channel) []StreamStats {
	t.Helper()
	s, ok := ch.Tech().(interface{ StreamStats() []StreamStats })
	if !ok {
		t.Fatalf("%s: tech %T has no StreamStats", ch.Name(), ch.Tech())
	}
	return s.StreamStats()
}

// TestStreamStatsSurviveRemoteBye: the phone hangs up an echo call with a
// BYE. The driver stops the call's media before the channel hangs up, and
// the counters (read by call records at hang-up) must survive that: the
// tone the phone sent and its echo are still counted afterwards.
func TestStreamStatsSurviveRemoteBye(t *testing.T) {
	e := newEnv(t)
	e.handle(echo)
	ctx := ctxT(t)
	p := e.phone(t, "alice", "alice-secret")
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ch := e.nextChannel(t)
	m := call.Streams()[0]
	stop, err := m.StartTone(440)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WaitTone(ctx, 440, 300*time.Millisecond); err != nil {
		t.Fatalf("echo: %v", err)
	}
	stop()
	live := statsOf(t, ch)
	if len(live) != 1 || live[0].PacketsReceived == 0 || live[0].PacketsSent == 0 {
		t.Fatalf("live counters %+v, want packets both ways on one stream", live)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatalf("hangup: %v", err)
	}
	waitHangup(t, ch)
	final := statsOf(t, ch)
	if len(final) != 1 {
		t.Fatalf("after the BYE: %d streams, want 1", len(final))
	}
	if got := final[0]; got.PacketsReceived < live[0].PacketsReceived || got.PacketsSent < live[0].PacketsSent {
		t.Errorf("after the BYE: rx %d tx %d, want at least rx %d tx %d (counted while live)",
			got.PacketsReceived, got.PacketsSent, live[0].PacketsReceived, live[0].PacketsSent)
	}
	e.waitNoChannels(t)
	// The mailbox has finished (media stopped twice over): still there.
	if again := statsOf(t, ch); len(again) != 1 || again[0].PacketsReceived != final[0].PacketsReceived {
		t.Errorf("after the call finished: %+v, want %+v", again, final)
	}
}

// TestCancelBeforeChannel: the caller cancels in the window between the
// INVITE's CANCEL handler being armed and the channel being created (the
// mailbox ends the call before the core takes the queues). The channel
// must still hang up by itself, with the cause, for a handler that waits
// on Done instead of reading.
func TestCancelBeforeChannel(t *testing.T) {
	e := newEnv(t)
	c := newCall(e.d, true, "cancel-before-channel")
	if !c.start() {
		t.Fatal("driver closed")
	}
	c.cancel()
	select {
	case <-c.ended:
	case <-time.After(testTimeout):
		t.Fatal("the mailbox did not end the cancelled call")
	}
	ch, err := e.reg.NewChannel(channel.Config{Tech: c, Name: "SIP/test", Inbound: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ch.Hangup(channel.CauseNormalClearing)
		select {
		case <-c.done:
		case <-time.After(testTimeout):
			t.Error("call did not finish")
		}
	}()
	select {
	case <-ch.Done():
	case <-time.After(testTimeout):
		t.Fatal("channel never hung up: the CANCEL was lost")
	}
	if got := ch.HangupCause(); got != channel.CauseNormalClearing {
		t.Errorf("cause %v, want %v", got, channel.CauseNormalClearing)
	}
}
