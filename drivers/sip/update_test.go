package sip

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/internal/testphone"
)

// sdpOffer is a minimal audio offer from a raw client, with session
// version v and direction attribute dir ("" for none).
func sdpOffer(v int, dir string) string {
	s := "v=0\r\no=- 1 " + strconv.Itoa(v) + " IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
	if dir != "" {
		s += "a=" + dir + "\r\n"
	}
	return s
}

// byeCatcher makes a raw client answer BYE with 200 and report it on
// the channel returned.
func byeCatcher() (func(*sipgo.Server), <-chan struct{}) {
	byes := make(chan struct{}, 1)
	return func(srv *sipgo.Server) {
		srv.OnBye(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
			_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
			select {
			case byes <- struct{}{}:
			default:
			}
		})
	}, byes
}

// waitBye waits for a BYE caught by byeCatcher.
func waitBye(t *testing.T, byes <-chan struct{}) {
	t.Helper()
	select {
	case <-byes:
	case <-time.After(testTimeout):
		t.Fatal("no BYE")
	}
}

// rawDialog is a call a raw client placed to the driver.
type rawDialog struct {
	rc   *rawClient
	inv  *sipmsg.Request  // the INVITE
	resp *sipmsg.Response // its 2xx (or the 18x of an early dialog)
	tx   sipmsg.ClientTransaction
	cseq uint32
}

// rawCall sends an INVITE with an audio offer (Contact: the raw client)
// and returns once a response with status want (180 or 200) arrived;
// after a 200 the ACK is sent.
func rawCall(t *testing.T, rc *rawClient, want int) *rawDialog {
	t.Helper()
	ctx := ctxT(t)
	inv := rc.invite("carol", "600", sdpOffer(1, ""))
	inv.RemoveHeader("Via")
	inv.RemoveHeader("Contact")
	inv.AppendHeader(sipmsg.NewHeader("Contact", "<sip:carol@"+rc.laddr+">"))
	tx, err := rc.cli.TransactionRequest(ctx, inv, sipgo.ClientRequestBuild)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tx.Terminate)
	for {
		select {
		case res := <-tx.Responses():
			if res.StatusCode != want {
				if res.IsProvisional() {
					continue
				}
				t.Fatalf("INVITE: %s, want %d", res.Short(), want)
			}
			rd := &rawDialog{rc: rc, inv: inv, resp: res, tx: tx, cseq: inv.CSeq().SeqNo}
			if res.IsSuccess() {
				if err := rc.cli.WriteRequest(rc.inDialog(sipmsg.ACK, inv, res, rd.cseq), sipgo.ClientRequestBuild); err != nil {
					t.Fatal(err)
				}
			}
			return rd
		case <-ctx.Done():
			t.Fatalf("no %d to the INVITE", want)
		}
	}
}

// update sends an UPDATE in the dialog with body (none when empty) and
// returns the final response.
func (rd *rawDialog) update(t *testing.T, body string) *sipmsg.Response {
	t.Helper()
	rd.cseq++
	return rd.updateCSeq(t, rd.cseq, "application/sdp", body)
}

func (rd *rawDialog) updateCSeq(t *testing.T, cseq uint32, contentType, body string) *sipmsg.Response {
	t.Helper()
	req := rd.rc.inDialog(sipmsg.UPDATE, rd.inv, rd.resp, cseq)
	if body != "" {
		req.AppendHeader(sipmsg.NewHeader("Content-Type", contentType))
		req.SetBody([]byte(body))
	}
	return rd.rc.do(t, req)
}

// waitConfirmed waits until sipgo's dialog of the inbound channel ch has
// been confirmed by the ACK.
func waitConfirmed(t *testing.T, ch *channel.Channel) {
	t.Helper()
	c := ch.Tech().(*call)
	confirmed := make(chan struct{})
	var once sync.Once
	c.srv.OnStateReplay(func(s sipmsg.DialogState) {
		if s >= sipmsg.DialogStateConfirmed {
			once.Do(func() { close(confirmed) })
		}
	})
	select {
	case <-confirmed:
	case <-time.After(testTimeout):
		t.Fatal("dialog not confirmed")
	}
}

// holdResult is what a hold left behind, seen from every side.
type holdResult struct {
	changed  stream.State        // the TopologyChanged the core read
	topology stream.State        // the channel's topology afterwards
	media    stream.State        // the driver's RTP stream
	phone    testphone.Direction // the phone's negotiated direction
	answered testphone.Direction // the direction the PBX answered
}

// TestUpdateHold: a phone holding with an UPDATE offering a=sendonly, and
// resuming with one offering sendrecv, leaves the channel, the core and
// the RTP stream exactly as holding and resuming with a re-INVITE does.
func TestUpdateHold(t *testing.T) {
	type steps struct {
		hold, resume func(*testphone.Call, context.Context) error
	}
	methods := []struct {
		name string
		steps
	}{
		{"re-INVITE", steps{(*testphone.Call).Hold, (*testphone.Call).Resume}},
		{"UPDATE", steps{(*testphone.Call).UpdateHold, (*testphone.Call).UpdateResume}},
	}
	results := map[string][2]holdResult{}
	for _, m := range methods {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t)
			changed := make(chan stream.State, 4)
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
						changed <- s.State()
					}
					f.Release()
				}
			})
			ctx := ctxT(t)
			p := e.phone(t, "carol", "")
			pc, err := p.Dial(ctx, "600", testphone.DialOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ch := e.nextChannel(t)
			c := ch.Tech().(*call)
			var got [2]holdResult
			for i, do := range []func(*testphone.Call, context.Context) error{m.hold, m.resume} {
				if err := do(pc, ctx); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				r := &got[i]
				select {
				case r.changed = <-changed:
				case <-ctx.Done():
					t.Fatalf("step %d: no TopologyChanged", i)
				}
				s, _ := ch.Topology().Stream(0)
				r.topology = s.State()
				r.media = c.media.Load().streams[0].params.Load().state
				r.phone = pc.Streams()[0].Direction()
				r.answered = pc.Streams()[0].RemoteDirection()
			}
			want := [2]holdResult{
				{stream.RecvOnly, stream.RecvOnly, stream.RecvOnly, testphone.SendOnly, testphone.RecvOnly},
				{stream.SendRecv, stream.SendRecv, stream.SendRecv, testphone.SendRecv, testphone.SendRecv},
			}
			if got != want {
				t.Errorf("hold, resume: %+v, want %+v", got, want)
			}
			results[m.name] = got
			pc.Hangup(ctx)
			e.waitNoChannels(t)
		})
	}
	if results["UPDATE"] != results["re-INVITE"] {
		t.Errorf("UPDATE left %+v, re-INVITE %+v", results["UPDATE"], results["re-INVITE"])
	}
}

// TestUpdateConfirmed: UPDATE on a confirmed dialog. Without a body it is
// a session refresh (200, Allow lists UPDATE); an unusable offer gets 488
// (with a Warning) and 415 for a body that is not SDP, a stale CSeq 500,
// and none of them disturbs the call, whose next offer is answered in the
// 200.
func TestUpdateConfirmed(t *testing.T) {
	e := newEnv(t)
	changed := make(chan *frame.Frame, 4)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			return
		}
		for {
			f, err := ch.ReadStream()
			if err != nil {
				return
			}
			if f.Kind == frame.Control && (f.Control == frame.TopologyChanged || f.Control == frame.TopologySourceChanged) {
				changed <- f
				continue
			}
			f.Release()
		}
	})
	catchBye, byes := byeCatcher()
	rc := newRawClient(t, e.udp(), catchBye)
	rd := rawCall(t, rc, 200)
	ch := e.nextChannel(t)
	waitConfirmed(t, ch)

	res := rd.update(t, "")
	if res.StatusCode != 200 || len(res.Body()) != 0 {
		t.Fatalf("bodyless UPDATE: %s with %d bytes, want 200 without a body", res.Short(), len(res.Body()))
	}
	if h := res.GetHeader("Allow"); h == nil || !strings.Contains(h.Value(), "UPDATE") {
		t.Errorf("200 to UPDATE: Allow %v, want UPDATE listed", h)
	}
	if res.Contact() == nil {
		t.Errorf("200 to UPDATE without Contact (UPDATE is a target refresh)")
	}
	for name, body := range map[string]string{
		"garbage":  "not sdp\r\n",
		"no codec": strings.Replace(sdpOffer(2, ""), "RTP/AVP 0", "RTP/AVP 18", 1),
		"no c":     strings.Replace(sdpOffer(2, ""), "c=IN IP4 127.0.0.1\r\n", "", 1),
	} {
		res := rd.update(t, body)
		if res.StatusCode != 488 || res.GetHeader("Warning") == nil {
			t.Errorf("UPDATE with %s: %s, want 488 with a Warning", name, res.Short())
		}
	}
	rd.cseq++
	if res := rd.updateCSeq(t, rd.cseq, "text/plain", "hello\r\n"); res.StatusCode != 415 {
		t.Errorf("UPDATE with text/plain: %s, want 415", res.Short())
	}
	if res := rd.updateCSeq(t, rd.cseq-1, "", ""); res.StatusCode != 500 {
		t.Errorf("UPDATE with a stale CSeq: %s, want 500", res.Short())
	}
	select {
	case f := <-changed:
		t.Errorf("refused UPDATEs changed the topology: %v", f)
		f.Release()
	default:
	}

	res = rd.update(t, sdpOffer(2, "sendonly"))
	if res.StatusCode != 200 || !strings.Contains(string(res.Body()), "a=recvonly") {
		t.Fatalf("hold UPDATE: %s\n%s", res.Short(), res.Body())
	}
	select {
	case f := <-changed:
		s, _ := f.Topology.Stream(0)
		if f.Control != frame.TopologyChanged || s.State() != stream.RecvOnly {
			t.Errorf("after hold: %v, want TopologyChanged with the stream recvonly", f)
		}
		f.Release()
	case <-time.After(testTimeout):
		t.Fatal("no TopologyChanged after the hold UPDATE")
	}
	// A later re-INVITE goes on from the UPDATE's session version.
	rd.cseq++
	reinv := rc.inDialog(sipmsg.INVITE, rd.inv, rd.resp, rd.cseq)
	reinv.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	reinv.SetBody([]byte(sdpOffer(3, "")))
	ctx := ctxT(t)
	tx, err := rc.cli.TransactionRequest(ctx, reinv, sipgo.ClientRequestBuild)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Terminate()
	for ok := false; !ok; {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			if !res.IsSuccess() {
				t.Fatalf("re-INVITE after UPDATE: %s", res.Short())
			}
			ok = true
			if err := rc.cli.WriteRequest(rc.inDialog(sipmsg.ACK, rd.inv, rd.resp, rd.cseq), sipgo.ClientRequestBuild); err != nil {
				t.Fatal(err)
			}
		case <-ctx.Done():
			t.Fatal("no response to the re-INVITE")
		}
	}
	select {
	case f := <-changed:
		s, _ := f.Topology.Stream(0)
		if s.State() != stream.SendRecv {
			t.Errorf("after resume: %v, want the stream sendrecv", f)
		}
		f.Release()
	case <-time.After(testTimeout):
		t.Fatal("no TopologyChanged after the resuming re-INVITE")
	}
	ch.Hangup(channel.CauseNormalClearing)
	waitBye(t, byes)
	waitHangup(t, ch)
	e.waitNoChannels(t)
}

// TestUpdateEarly: in an early dialog (ringing, not answered) a bodyless
// UPDATE gets 200, and an offer 500 with Retry-After: without reliable
// provisional responses the INVITE's own offer/answer exchange is not
// complete yet (RFC 3311 §5.2).
func TestUpdateEarly(t *testing.T) {
	e := newEnv(t)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Indicate(frame.Ringing); err != nil {
			t.Errorf("ringing: %v", err)
		}
		drain(ch)
	})
	rc := newRawClient(t, e.udp())
	rd := rawCall(t, rc, 180)
	ch := e.nextChannel(t)
	if res := rd.update(t, ""); res.StatusCode != 200 {
		t.Errorf("bodyless UPDATE in the early dialog: %s, want 200", res.Short())
	}
	res := rd.update(t, sdpOffer(2, "sendonly"))
	if res.StatusCode != 500 || res.GetHeader("Retry-After") == nil {
		t.Errorf("UPDATE offer in the early dialog: %s, want 500 with Retry-After", res.Short())
	}
	ch.Hangup(channel.CauseNormalClearing)
	waitHangup(t, ch)
	e.waitNoChannels(t)
}

// TestUpdateUnknownDialog: an UPDATE matching no dialog (unknown Call-ID,
// or the tags of a call that has ended) gets 481.
func TestUpdateUnknownDialog(t *testing.T) {
	e := newEnv(t)
	rc := newRawClient(t, e.udp())
	req := rc.register("carol", "no-such-call", 2, nil)
	req.Method = sipmsg.UPDATE
	req.CSeq().MethodName = sipmsg.UPDATE
	req.To().Params.Add("tag", "nosuchtag")
	if res := rc.do(t, req); res.StatusCode != 481 {
		t.Errorf("UPDATE for an unknown Call-ID: %s, want 481", res.Short())
	}

	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if err := ch.Answer(ctx); err != nil {
			return
		}
		ch.Hangup(channel.CauseNormalClearing)
	})
	catchBye, byes := byeCatcher()
	rc2 := newRawClient(t, e.udp(), catchBye)
	rd := rawCall(t, rc2, 200)
	waitBye(t, byes)
	e.waitNoChannels(t)
	if res := rd.update(t, sdpOffer(2, "")); res.StatusCode != 481 {
		t.Errorf("UPDATE after the call ended: %s, want 481", res.Short())
	}
}

// TestUpdateGlare: an UPDATE with an offer while the PBX's own re-INVITE
// (a hold) awaits its answer gets 491 (RFC 3311 §5.2); once that
// re-INVITE failed, the same UPDATE is answered.
func TestUpdateGlare(t *testing.T) {
	e := newEnv(t)
	changed := make(chan *frame.Frame, 4)
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
				changed <- f
				continue
			}
			f.Release()
		}
	})
	reinvites := make(chan *sipmsg.Request, 1)
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	defer unblock()
	catchBye, byes := byeCatcher()
	rc := newRawClient(t, e.udp(), catchBye, func(srv *sipgo.Server) {
		srv.OnInvite(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
			_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 100, "Trying", nil))
			select {
			case reinvites <- req:
			default:
			}
			select {
			case <-release:
			case <-time.After(testTimeout):
			}
			_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
		})
	})
	rd := rawCall(t, rc, 200)
	ch := e.nextChannel(t)
	select {
	case req := <-reinvites:
		if !strings.Contains(string(req.Body()), "a=sendonly") {
			t.Errorf("hold re-INVITE offers\n%s", req.Body())
		}
	case <-time.After(testTimeout):
		t.Fatal("no hold re-INVITE from the PBX")
	}
	res := rd.update(t, sdpOffer(2, ""))
	if res.StatusCode != 491 {
		t.Fatalf("UPDATE during our re-INVITE: %s, want 491", res.Short())
	}
	if res := rd.update(t, ""); res.StatusCode != 200 {
		t.Errorf("bodyless UPDATE during our re-INVITE: %s, want 200", res.Short())
	}
	unblock()
	select {
	case f := <-changed:
		// The re-INVITE failed: the core hears the topology in force.
		if s, _ := f.Topology.Stream(0); s.State() != stream.SendRecv {
			t.Errorf("after the refused hold: %v, want the stream sendrecv", f)
		}
		f.Release()
	case <-time.After(testTimeout):
		t.Fatal("no TopologyChanged after the refused hold")
	}
	res = rd.update(t, sdpOffer(2, ""))
	if res.StatusCode != 200 || len(res.Body()) == 0 {
		t.Fatalf("UPDATE after the glare: %s, want 200 with an answer", res.Short())
	}
	// The PBX still wants the far end on hold: its answer says so.
	if !strings.Contains(string(res.Body()), "a=sendonly") {
		t.Errorf("answer to the UPDATE ignores the hold:\n%s", res.Body())
	}
	ch.Hangup(channel.CauseNormalClearing)
	waitBye(t, byes)
	waitHangup(t, ch)
	e.waitNoChannels(t)
}

// TestUpdateOutbound: UPDATE from a phone the PBX called (the driver is
// the dialog's UAC): a session refresh gets 200, and a hold is answered
// and reported as on an inbound call.
func TestUpdateOutbound(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	bob := e.registered(t, "bob", "bob-secret")
	ch, err := e.reg.Dial(ctx, "SIP/bob", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	in, err := bob.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	readUntil(t, ch, isControl(frame.Answer)).Release()
	if code, err := in.Refresh(ctx); err != nil || code != 200 {
		t.Fatalf("bodyless UPDATE: %d, %v; want 200", code, err)
	}
	if err := in.UpdateHold(ctx); err != nil {
		t.Fatal(err)
	}
	f := readUntil(t, ch, isControl(frame.TopologyChanged))
	s, _ := f.Topology.Stream(0)
	if s.State() != stream.RecvOnly {
		t.Errorf("after the hold UPDATE: %v, want the stream recvonly", f)
	}
	f.Release()
	if d := in.Streams()[0].Direction(); d != testphone.SendOnly {
		t.Errorf("phone direction %v after hold, want sendonly", d)
	}
	ch.Hangup(channel.CauseNormalClearing)
	drain(ch)
	select {
	case <-in.Done():
	case <-ctx.Done():
		t.Fatal("no BYE")
	}
	e.waitNoChannels(t)
}
