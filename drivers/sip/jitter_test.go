package sip

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/internal/testphone"
)

// TestJitterBufferReorders: with the buffer on, packets arriving out of
// order come out in order, paced, and the lost packet 7 is concealed.
func TestJitterBufferReorders(t *testing.T) {
	r := newMediaRig(t)
	r.c.st.jitter = true
	r.c.streamJitter(r.s)
	// Drive the playout by hand on a synthetic clock, so a loaded machine
	// cannot turn the reordering into lateness.
	js := r.s.jb.Load()
	js.stop()
	a := netip.MustParseAddrPort("127.0.0.1:40000")
	send := func(i int) {
		p := make([]byte, 160)
		for j := range p {
			p[j] = byte(0x10 + i) // a distinct µ-law level per packet
		}
		r.s.receive(packet(t, 0, uint16(100+i), uint32(8000+160*i), i == 0, p), a)
	}
	for _, i := range []int{0, 2, 1, 3, 5, 4, 6, 8, 9, 10, 11} { // 7 is lost
		send(i)
	}
	now := time.Now()
	js.next = now
	var levels []byte
	for tick := 0; len(levels) < 11 && tick < 100; tick++ {
		now = r.s.playout(js, now)
		select {
		case f := <-r.c.rx:
			levels = append(levels, f.Payload[0])
			if f.Kind != frame.Voice || f.Stream != 0 || len(f.Payload) != 160 {
				t.Fatalf("frame %v", f)
			}
			f.Release()
		default:
		}
	}
	if len(levels) < 11 {
		t.Fatalf("levels %x", levels)
	}
	for i := range 7 {
		if levels[i] != byte(0x10+i) {
			t.Fatalf("frame %d level %#x, want %#x (levels %x)", i, levels[i], 0x10+i, levels)
		}
	}
	// Frame 8 is cross-faded out of the concealment; 9 and 10 are intact.
	if levels[9] != 0x19 || levels[10] != 0x1a {
		t.Fatalf("after the concealed frame: %x", levels)
	}
	st := r.s.Stats()
	if !st.JitterBuffer || st.JitterConcealed != 1 || st.JitterTarget <= 0 {
		t.Errorf("jitter counters %+v, want the buffer on with one frame concealed", st)
	}
}

// TestInboundEchoJitter: the echo test with the dialplan's jitter switch
// on.
func TestInboundEchoJitter(t *testing.T) {
	e := newEnv(t)
	type jitterSwitch interface{ SetJitterBuffer(on bool) error }
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		js, ok := ch.Tech().(jitterSwitch)
		if !ok {
			t.Error("no jitter switch on the SIP tech")
			return
		}
		if err := js.SetJitterBuffer(true); err != nil {
			t.Error(err)
		}
		echo(ctx, ch)
	})
	ctx := ctxT(t)
	p := e.phone(t, "carol", "")
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := call.Streams()[0]
	stop, err := m.StartTone(440)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WaitTone(ctx, 440, 500*time.Millisecond); err != nil {
		t.Errorf("echo through the jitter buffer: %v", err)
	}
	stop()
	call.Hangup(ctx)
	e.waitNoChannels(t)
}
