package sip

import (
	"context"
	"testing"
	"time"

	"github.com/emiago/sipgo"
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

// inDialog builds a request within the dialog that inv and its 2xx res
// established, with CSeq number cseq.
func (rc *rawClient) inDialog(method sipmsg.RequestMethod, inv *sipmsg.Request, res *sipmsg.Response, cseq uint32) *sipmsg.Request {
	target := inv.Recipient
	if ct := res.Contact(); ct != nil {
		target = *ct.Address.Clone()
	}
	req := sipmsg.NewRequest(method, target)
	req.AppendHeader(sipmsg.HeaderClone(inv.From()))
	req.AppendHeader(sipmsg.HeaderClone(res.To()))
	req.AppendHeader(sipmsg.HeaderClone(inv.CallID()))
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: cseq, MethodName: method})
	req.SetDestination(rc.dst)
	return req
}

// TestLateAckAfterReinvite: the ACK of the initial 2xx reaches the driver
// after a re-INVITE of the same dialog was read (sipgo hands messages
// over unordered, LIBRARIES.md §0.4). sipgo's ReadAck then rejects that
// ACK ("invalid CSEQ number": it compares with the re-INVITE's CSeq), so
// before the fix its dialog never became confirmed and sipgo's WriteBye
// held the PBX's BYE back for 64·T1. The re-INVITE counts as the
// acknowledgement: the BYE goes out at once. Regression test for issue 5.
func TestLateAckAfterReinvite(t *testing.T) {
	e := newEnv(t)
	hangup := make(chan struct{})
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			return
		}
		select {
		case <-hangup:
		case <-ch.Done():
		}
		ch.Hangup(channel.CauseNormalClearing)
	})
	byes := make(chan *sipmsg.Request, 1)
	rc := newRawClient(t, e.udp(), func(srv *sipgo.Server) {
		srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
			_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
			select {
			case byes <- req:
			default:
			}
		})
	})
	ctx := ctxT(t)
	sdpBody := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
	inv := rc.invite("carol", "600", sdpBody)
	inv.RemoveHeader("Via")
	inv.RemoveHeader("Contact")
	inv.AppendHeader(sipmsg.NewHeader("Contact", "<sip:carol@"+rc.laddr+">"))
	tx, err := rc.cli.TransactionRequest(ctx, inv, sipgo.ClientRequestBuild)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Terminate()
	var ok *sipmsg.Response
	for ok == nil {
		select {
		case res := <-tx.Responses():
			if res.IsSuccess() {
				ok = res
			}
		case <-ctx.Done():
			t.Fatal("no 2xx to the INVITE")
		}
	}
	// A re-INVITE before the ACK, with an offer the PBX refuses: 488, but
	// read into the dialog all the same.
	reinv := rc.inDialog(sipmsg.INVITE, inv, ok, inv.CSeq().SeqNo+1)
	reinv.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	reinv.SetBody([]byte("not sdp\r\n"))
	if res := rc.do(t, reinv); res.StatusCode != 488 {
		t.Fatalf("re-INVITE: %s, want 488", res.Short())
	}
	// The ACK of the initial 2xx, late.
	if err := rc.cli.WriteRequest(rc.inDialog(sipmsg.ACK, inv, ok, inv.CSeq().SeqNo), sipgo.ClientRequestBuild); err != nil {
		t.Fatal(err)
	}
	ch := e.nextChannel(t)
	close(hangup)
	select {
	case bye := <-byes:
		if h := bye.GetHeader("Reason"); h == nil {
			t.Errorf("BYE without a Reason header")
		}
	case <-time.After(testTimeout):
		t.Fatalf("no BYE within %s of the hang-up", testTimeout)
	}
	waitHangup(t, ch)
	e.waitNoChannels(t)
}

// TestVideoUpdateInfo: a VideoUpdate written to a call with video becomes
// an RFC 5168 INFO picture_fast_update at once; more inside the next
// second are coalesced into one INFO sent when the second is up, not
// dropped. The phone's own picture_fast_update INFO reaches the core as a
// VideoUpdate frame.
func TestVideoUpdateInfo(t *testing.T) {
	e := newEnv(t, videoEndpoints)
	burst := make(chan struct{})
	got := make(chan struct{}, 1)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			return
		}
		select {
		case <-burst:
		case <-ctx.Done():
			return
		}
		for range 3 {
			if err := ch.Indicate(frame.VideoUpdate); err != nil {
				t.Errorf("video update: %v", err)
			}
		}
		for {
			f, err := ch.ReadStream()
			if err != nil {
				return
			}
			if f.Kind == frame.Control && f.Control == frame.VideoUpdate {
				select {
				case got <- struct{}{}:
				default:
				}
			}
			f.Release()
		}
	})
	ctx := ctxT(t)
	p := e.phone(t, "carol", "")
	call, err := p.Dial(ctx, "600", testphone.DialOptions{Streams: []testphone.StreamSpec{
		testphone.Audio("PCMU"), testphone.Video("H264"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if ms := call.Streams(); len(ms) != 2 || !ms[1].Enabled() {
		t.Fatalf("no video negotiated: %s", call.RemoteSDP())
	}
	close(burst)
	if _, err := call.WaitInfo(ctx, testphone.Info.PictureFastUpdate); err != nil {
		t.Fatalf("no picture_fast_update INFO: %v", err)
	}
	first := time.Now()
	if _, err := call.WaitInfos(ctx, 2, testphone.Info.PictureFastUpdate); err != nil {
		t.Fatalf("the requests inside the first second were dropped: %v", err)
	}
	if d := time.Since(first); d < 900*time.Millisecond {
		t.Errorf("second INFO %v after the first, want about a second", d)
	}
	const fir = `<?xml version="1.0" encoding="utf-8" ?>
<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>`
	if err := call.SendInfo(ctx, "application/media_control+xml", fir); err != nil {
		t.Fatalf("phone's INFO: %v", err)
	}
	select {
	case <-got:
	case <-ctx.Done():
		t.Fatal("the phone's picture_fast_update did not reach the core as a VideoUpdate")
	}
	call.Hangup(ctx)
	e.waitNoChannels(t)
}
