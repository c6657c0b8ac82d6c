package sip

import (
	"context"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/internal/testphone"
)

// TestRequestTopologyAddVideo: the core asks for an extra video stream;
// the driver re-INVITEs, ACKs the 2xx and reports TopologyChanged with the
// new topology.
func TestRequestTopologyAddVideo(t *testing.T) {
	e := newEnv(t, videoEndpoints)
	result := make(chan *topology.Topology, 1)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			return
		}
		want := ch.Topology().Clone()
		v := stream.New("", format.Video)
		v.SetFormats(format.NewCaps(format.H264))
		v.SetState(stream.SendRecv)
		if _, err := want.Append(v); err != nil {
			t.Error(err)
			return
		}
		if err := ch.RequestTopologyChange(want, "test"); err != nil {
			t.Errorf("request: %v", err)
			return
		}
		for {
			f, err := ch.ReadStream()
			if err != nil {
				return
			}
			if f.Kind == frame.Control && f.Control == frame.TopologyChanged {
				result <- f.Topology
			}
			if f.IsMedia() {
				_ = ch.WriteStream(f.Stream, f)
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
	var got *topology.Topology
	select {
	case got = <-result:
	case <-ctx.Done():
		t.Fatal("no TopologyChanged")
	}
	if got.Len() != 2 {
		t.Fatalf("topology %s, want audio + video", got)
	}
	if s, _ := got.Stream(1); s.Type() != format.Video || s.State() != stream.SendRecv {
		t.Fatalf("video stream %s", s)
	}
	ms := call.Streams()
	if len(ms) != 2 || ms[1].Kind() != testphone.KindVideo || !ms[1].Enabled() {
		t.Fatalf("phone streams %d", len(ms))
	}
	if err := ms[1].SendVideo(3); err != nil {
		t.Fatal(err)
	}
	if err := ms[1].WaitPackets(ctx, 3); err != nil {
		t.Errorf("video on the added stream: %v", err)
	}
	call.Hangup(ctx)
	e.waitNoChannels(t)
}

// TestIndicateHold: Hold and Unhold from the core re-INVITE with sendonly
// and sendrecv.
func TestIndicateHold(t *testing.T) {
	e := newEnv(t)
	states := make(chan stream.State, 4)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			return
		}
		if err := ch.Indicate(frame.Hold); err != nil {
			t.Errorf("hold: %v", err)
		}
		for {
			f, err := ch.ReadStream()
			if err != nil {
				return
			}
			if f.Kind == frame.Control && f.Control == frame.TopologyChanged {
				s, _ := f.Topology.Stream(0)
				states <- s.State()
				if s.State() == stream.SendOnly {
					if err := ch.Indicate(frame.Unhold); err != nil {
						t.Errorf("unhold: %v", err)
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
	for _, want := range []stream.State{stream.SendOnly, stream.SendRecv} {
		select {
		case got := <-states:
			if got != want {
				t.Fatalf("state %s, want %s", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("no TopologyChanged to %s", want)
		}
	}
	if err := call.WaitNegotiations(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if d := call.Streams()[0].Direction(); d != testphone.SendRecv {
		t.Errorf("phone direction %v after unhold", d)
	}
	call.Hangup(ctx)
	e.waitNoChannels(t)
}

// TestReinviteOutcome drives the end of a PBX re-INVITE through the
// mailbox logic with synthetic responses: a failure rolls the offer back
// and reports the old topology; 491 schedules a retry and reports nothing
// yet.
func TestReinviteOutcome(t *testing.T) {
	tests := map[string]struct {
		status      int
		wantChanged bool
		wantRetry   bool
	}{
		"488": {status: 488, wantChanged: true},
		"500": {status: 500, wantChanged: true},
		"491": {status: 491, wantRetry: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := newMediaRig(t)
			c := r.c
			c.d.cfg.MediaIP = r.pool.ip
			var err error
			c.sdp, err = c.newSDP(map[int]int{0: r.s.conn.port})
			if err != nil {
				t.Fatal(err)
			}
			c.sockets[r.s.conn.port] = r.s.conn
			old := topology.FromFormats(format.NewCaps(format.ULaw)).Freeze()
			c.setTopology(old)
			c.st.answered, c.st.confirmed = true, true
			want := old.Clone()
			s, _ := want.Stream(0)
			s.SetState(stream.SendOnly)
			if _, err := c.sdp.MakeOffer(want); err != nil {
				t.Fatal(err)
			}
			c.st.reinv = &reinvite{want: want}
			req := sipmsg.NewRequest(sipmsg.INVITE, sipmsg.Uri{Scheme: "sip", Host: "127.0.0.1"})
			req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: 2, MethodName: sipmsg.INVITE})
			res := sipmsg.NewResponseFromRequest(req, tc.status, "x", nil)
			c.reinviteDone(&event{kind: evReinvite, req: req, res: res})
			defer c.stopTimers()
			if c.sdp.Pending() {
				t.Error("offer still pending")
			}
			if !c.Topology().Equal(old) {
				t.Errorf("topology %s, want the old %s", c.Topology(), old)
			}
			var changed *frame.Frame
			select {
			case changed = <-c.ctl:
				defer changed.Release()
			default:
			}
			if (changed != nil) != tc.wantChanged {
				t.Fatalf("TopologyChanged %v, want %v", changed, tc.wantChanged)
			}
			if changed != nil && !changed.Topology.Equal(old) {
				t.Errorf("TopologyChanged carries %s, want the old topology", changed.Topology)
			}
			if (c.st.reinv != nil) != tc.wantRetry {
				t.Errorf("retry pending %v, want %v", c.st.reinv != nil, tc.wantRetry)
			}
		})
	}
}
