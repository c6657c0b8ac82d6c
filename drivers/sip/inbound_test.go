package sip

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/internal/testphone"
)

// TestInboundEcho: alice calls in (digest-authenticated INVITE), the
// dialplan answers and echoes; a 440 Hz tone alice sends comes back.
func TestInboundEcho(t *testing.T) {
	e := newEnv(t)
	e.handle(echo)
	ctx := ctxT(t)
	p := e.phone(t, "alice", "alice-secret")
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ch := e.nextChannel(t)
	if c, x := ch.DialplanTarget(); c != "default" || x != "600" {
		t.Errorf("dialplan target %q/%q, want default/600", c, x)
	}
	if num, _ := ch.CallerID(); num != "alice" {
		t.Errorf("caller id %q, want alice", num)
	}
	m := call.Streams()[0]
	stop, err := m.StartTone(440)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WaitTone(ctx, 440, 500*time.Millisecond); err != nil {
		t.Errorf("echo: %v", err)
	}
	stop()
	if err := call.Hangup(ctx); err != nil {
		t.Fatalf("hangup: %v", err)
	}
	if cause := waitHangup(t, ch); cause != channel.CauseNormalClearing {
		t.Errorf("hangup cause %v, want NORMAL_CLEARING", cause)
	}
	e.waitNoChannels(t)
}

// TestInboundHangupByPBX: the dialplan answers and hangs up; the phone
// gets a BYE with a Reason header.
func TestInboundHangupByPBX(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			t.Errorf("answer: %v", err)
			return
		}
		<-release
		ch.Hangup(channel.CauseUserBusy)
	})
	ctx := ctxT(t)
	p := e.phone(t, "carol", "")
	call, err := p.Dial(ctx, "700", testphone.DialOptions{})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	ch := e.nextChannel(t)
	if c, _ := ch.DialplanTarget(); c != "internal" {
		t.Errorf("context %q, want internal (carol's)", c)
	}
	close(release)
	select {
	case <-call.Done():
	case <-ctx.Done():
		t.Fatal("phone did not get a BYE")
	}
	if got := call.Header("Reason"); got != "" && got != reasonHeader(channel.CauseUserBusy) {
		t.Logf("reason %q", got)
	}
	e.waitNoChannels(t)
}

// TestInboundCancel: the phone cancels while ringing; it gets 487 and the
// channel hangs up with normal clearing.
func TestInboundCancel(t *testing.T) {
	e := newEnv(t)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		ch.Indicate(frame.Ringing)
		drain(ch)
	})
	ctx := ctxT(t)
	p := e.phone(t, "alice", "alice-secret")
	call, err := p.Invite(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := call.WaitResponse(ctx, 180); err != nil {
		t.Fatal(err)
	}
	ch := e.nextChannel(t)
	if err := call.Hangup(ctx); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if _, err := call.WaitResponse(ctx, 487); err != nil {
		t.Errorf("no 487: %v", err)
	}
	if cause := waitHangup(t, ch); cause != channel.CauseNormalClearing {
		t.Errorf("cause %v, want NORMAL_CLEARING", cause)
	}
	e.waitNoChannels(t)
}

// TestInboundRejections: final responses before answer.
func TestInboundRejections(t *testing.T) {
	tests := map[string]struct {
		user, pass string
		handler    channel.HandlerFunc
		want       int
	}{
		"unknown user":   {user: "mallory", pass: "x", want: 403},
		"wrong password": {user: "alice", pass: "wrong", want: 403},
		"busy": {user: "carol", handler: func(ctx context.Context, ch *channel.Channel) {
			ch.Indicate(frame.Busy)
		}, want: 486},
		"congestion": {user: "carol", handler: func(ctx context.Context, ch *channel.Channel) {
			ch.Indicate(frame.Congestion)
		}, want: 503},
		"hangup no answer": {user: "carol", handler: func(ctx context.Context, ch *channel.Channel) {
			ch.Hangup(channel.CauseNoAnswer)
		}, want: 480},
		"hangup unallocated": {user: "carol", handler: func(ctx context.Context, ch *channel.Channel) {
			ch.Hangup(channel.CauseUnallocated)
		}, want: 404},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.handle(tc.handler)
			ctx := ctxT(t)
			p := e.phone(t, tc.user, tc.pass)
			_, err := p.Dial(ctx, "600", testphone.DialOptions{})
			if got := testphone.StatusCode(err); got != tc.want {
				t.Fatalf("dial: %v (status %d), want %d", err, got, tc.want)
			}
			e.waitNoChannels(t)
		})
	}
}

// TestTCP registers and calls over TCP, then the PBX calls the phone back
// over the registered TCP connection.
func TestTCP(t *testing.T) {
	e := newEnv(t)
	e.handle(echo)
	ctx := ctxT(t)
	p := e.phone(t, "bob", "bob-secret", func(c *testphone.Config) {
		c.Transport = "tcp"
		c.Server = e.tcp()
	})
	if err := p.Register(ctx, time.Hour); err != nil {
		t.Fatalf("register over tcp: %v", err)
	}
	if bs := e.bindings(t, "bob"); len(bs) != 1 || bs[0].Transport != "TCP" {
		t.Fatalf("bindings %+v", bs)
	}
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatalf("dial over tcp: %v", err)
	}
	m := call.Streams()[0]
	stop, err := m.StartTone(700)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WaitTone(ctx, 700, 300*time.Millisecond); err != nil {
		t.Error(err)
	}
	stop()
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	e.waitNoChannels(t)

	ch, err := e.reg.Dial(ctx, "SIP/bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := p.WaitIncoming(ctx)
	if err != nil {
		t.Fatalf("no call over tcp: %v", err)
	}
	if err := in.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	readUntil(t, ch, isControl(frame.Answer)).Release()
	ch.Hangup(channel.CauseNormalClearing)
	drain(ch)
	select {
	case <-in.Done():
	case <-ctx.Done():
		t.Fatal("no BYE over tcp")
	}
	e.waitNoChannels(t)
}

// TestMergedInvite: a second INVITE with the Call-ID and From tag of a
// live call (another branch of a forked request, or a loop) gets 482;
// OPTIONS gets 200 with Allow.
func TestMergedInvite(t *testing.T) {
	e := newEnv(t)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		ch.Indicate(frame.Ringing)
		drain(ch)
	})
	rc := newRawClient(t, e.udp())
	sdpBody := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
	first := rc.invite("carol", "600", sdpBody)
	ctx := ctxT(t)
	tx, err := rc.cli.TransactionRequest(ctx, first, sipgo.ClientRequestBuild)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Terminate()
	for ringing := false; !ringing; {
		select {
		case res := <-tx.Responses():
			ringing = res.StatusCode == 180
		case <-ctx.Done():
			t.Fatal("no 180")
		}
	}
	second := first.Clone()
	second.RemoveHeader("Via")
	if res := rc.do(t, second); res.StatusCode != 482 {
		t.Fatalf("merged INVITE: %s, want 482", res.Short())
	}
	opts := rc.register("carol", "opt-1", 1, nil)
	opts.Method = sipmsg.OPTIONS
	opts.CSeq().MethodName = sipmsg.OPTIONS
	res := rc.do(t, opts)
	if res.StatusCode != 200 || res.GetHeader("Allow") == nil || !strings.Contains(res.GetHeader("Allow").Value(), "INVITE") {
		t.Fatalf("OPTIONS: %s", res.Short())
	}
	ch := e.nextChannel(t)
	ch.Hangup(channel.CauseNormalClearing)
	e.waitNoChannels(t)
}

// TestLateOffer: an INVITE without SDP gets the PBX's offer in the 200 and
// the phone's answer in the ACK; media then flows.
func TestLateOffer(t *testing.T) {
	e := newEnv(t)
	changed := make(chan struct{}, 1)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			return
		}
		for {
			f, err := ch.ReadStream()
			if err != nil {
				return
			}
			switch {
			case f.Kind == frame.Control && f.Control == frame.TopologyChanged:
				changed <- struct{}{}
			case f.Kind == frame.Voice:
				_ = ch.WriteStream(f.Stream, f)
			}
			f.Release()
		}
	})
	ctx := ctxT(t)
	p := e.phone(t, "carol", "")
	call, err := p.Dial(ctx, "600", testphone.DialOptions{NoSDP: true})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	select {
	case <-changed:
	case <-ctx.Done():
		t.Fatal("no TopologyChanged after the ACK's answer")
	}
	m := call.Streams()[0]
	stop, err := m.StartTone(440)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WaitTone(ctx, 440, 300*time.Millisecond); err != nil {
		t.Error(err)
	}
	stop()
	call.Hangup(ctx)
	e.waitNoChannels(t)
}

// BenchmarkInboundCall measures sequential call setups and tear-downs
// over loopback UDP (INVITE/100/200/ACK/BYE/200 into a dialplan that
// answers), with the UAC in the same process.
func BenchmarkInboundCall(b *testing.B) {
	e := newEnv(b)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if ch.Answer(ctx) == nil {
			drain(ch)
		}
	})
	rc := newRawClient(b, e.udp())
	laddr, _ := netip.ParseAddrPort(rc.laddr)
	dua := &sipgo.DialogUA{Client: rc.cli, ContactHDR: sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: "carol", Host: "127.0.0.1", Port: int(laddr.Port())}}}
	host, port, _ := net.SplitHostPort(e.udp())
	p, _ := strconv.Atoi(port)
	body := []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req := sipmsg.NewRequest(sipmsg.INVITE, sipmsg.Uri{Scheme: "sip", User: "600", Host: host, Port: p})
		from := &sipmsg.FromHeader{Address: sipmsg.Uri{Scheme: "sip", User: "carol", Host: "127.0.0.1"}, Params: sipmsg.HeaderParams{{K: "tag", V: sipmsg.GenerateTagN(8)}}}
		req.AppendHeader(from)
		req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
		req.SetBody(body)
		sess, err := dua.WriteInvite(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{}); err != nil {
			b.Fatal(err)
		}
		if err := sess.Ack(ctx); err != nil {
			b.Fatal(err)
		}
		if err := sess.Bye(ctx); err != nil {
			b.Fatal(err)
		}
		sess.Close()
	}
	b.StopTimer()
	e.waitNoChannels(b)
}

// TestGuestEarlyMedia: an unknown caller enters the guest context; the
// dialplan sends early media (183 with SDP) before answering, and the
// tone flows before the answer.
func TestGuestEarlyMedia(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.GuestContext = "guest" })
	answer := make(chan struct{})
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if c, _ := ch.DialplanTarget(); c != "guest" {
			t.Errorf("context %q, want guest", c)
		}
		if err := ch.Indicate(frame.Progress); err != nil {
			t.Errorf("progress: %v", err)
		}
		go func() {
			<-answer
			ch.Answer(ctx)
		}()
		for {
			f, err := ch.Read()
			if err != nil {
				return
			}
			if f.Kind == frame.Voice {
				_ = ch.Write(f)
			}
			f.Release()
		}
	})
	ctx := ctxT(t)
	p := e.phone(t, "stranger", "")
	call, err := p.Invite(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := call.WaitResponse(ctx, 183); err != nil {
		t.Fatal(err)
	} else if r.Code != 183 {
		t.Fatalf("response %+v", r)
	}
	m := call.Streams()[0]
	stop, err := m.StartTone(600)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WaitTone(ctx, 600, 200*time.Millisecond); err != nil {
		t.Errorf("early media: %v", err)
	}
	stop()
	close(answer)
	if err := call.WaitAnswer(ctx); err != nil {
		t.Fatal(err)
	}
	call.Hangup(ctx)
	e.waitNoChannels(t)
}

// ackingTx is a server transaction whose far end acknowledges a 2xx
// before Respond returns, as a fast phone can: sipgo reads the ACK on a
// goroutine of its own. Respond counts the responses sent.
type ackingTx struct {
	sipmsg.ServerTransaction // nil: only Respond is used
	c                        *call
	sent                     int
}

func (tx *ackingTx) Respond(res *sipmsg.Response) error {
	tx.sent++
	ack := sipmsg.NewRequest(sipmsg.ACK, sipmsg.Uri{Scheme: "sip", Host: "127.0.0.1"})
	ack.AppendHeader(&sipmsg.CSeqHeader{SeqNo: res.CSeq().SeqNo, MethodName: sipmsg.ACK})
	tx.c.readAck(ack, nil)
	return nil
}

// TestAckBeforeRespondReturns: an ACK handled while the 2xx is still
// being sent stops the 2xx retransmission. Before the fix the ACK wait
// was armed after sending, the ACK found no waiter, and the 2xx was
// retransmitted (over TCP, where nothing is retransmitted, the call was
// hung up after 64·T1). Regression test for issue 5.
func TestAckBeforeRespondReturns(t *testing.T) {
	for _, cseq := range []uint32{1, 7} { // the INVITE's 2xx, a re-INVITE's
		t.Run(strconv.Itoa(int(cseq)), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCall(&Driver{log: slog.New(slog.DiscardHandler)}, true, "ack")
				c.running.Store(true) // no mailbox goroutine: the test reads the events
				req := sipmsg.NewRequest(sipmsg.INVITE, sipmsg.Uri{Scheme: "sip", Host: "127.0.0.1"})
				req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: cseq, MethodName: sipmsg.INVITE})
				res := sipmsg.NewResponseFromRequest(req, 200, "OK", nil)
				tx := &ackingTx{c: c}
				if err := c.respond2xx(tx, res); err != nil {
					t.Fatal(err)
				}
				synctest.Wait() // the ACK wait ended, or waits for its retransmission timer
				if tx.sent != 1 {
					t.Errorf("2xx sent %d times, want once (the ACK was missed)", tx.sent)
				}
				var done *event
				for done == nil {
					select {
					case ev := <-c.events:
						if ev.kind == evAckDone {
							done = ev
						}
					default:
						c.stopAck() // let its goroutine end
						t.Fatal("the ACK wait did not end: the ACK was missed")
					}
				}
				if done.err != nil || done.cseq != cseq {
					t.Errorf("ACK wait ended with cseq %d, %v; want %d, acknowledged", done.cseq, done.err, cseq)
				}
			})
		})
	}
}
