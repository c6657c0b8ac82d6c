package sip

import (
	"errors"
	"fmt"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/drivers/sip/sdp"
)

// Channel variables set on inbound channels. The dialplan entry point is
// [channel.Config].Context (the endpoint's Context, or
// [Config].GuestContext) and Exten (the user part of the Request-URI).
const (
	// VarUser is the authenticated (or claimed) endpoint user.
	VarUser = "SIP_USER"
	// VarCallID is the Call-ID of the dialog.
	VarCallID = "SIP_CALLID"
	// VarSource is the address the INVITE came from.
	VarSource = "SIP_SOURCE"
)

// handleInvite runs on the INVITE's sipgo goroutine. A new call is
// authenticated, negotiated, turned into a channel, and served by the
// dialplan handler on this goroutine until it ends; a re-INVITE goes to
// its call's mailbox.
func (d *Driver) handleInvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		if c := d.findCall(req); c != nil {
			c.request(req, tx)
		} else {
			d.respond(tx, req, 481)
		}
		return
	}
	if !d.track() {
		d.respond(tx, req, 503)
		return
	}
	defer d.wg.Done()
	d.mu.Lock()
	h := d.handler
	d.mu.Unlock()
	from := req.From()
	if h == nil || from == nil || req.CSeq() == nil || req.CallID() == nil {
		d.respond(tx, req, 400)
		return
	}
	if !from.Params.Has("tag") {
		d.respond(tx, req, 400)
		return
	}
	user := from.Address.User
	ep, known := d.cfg.Endpoints.Endpoint(user)
	context := ""
	switch {
	case known && ep.Auth:
		var ok bool
		if ep, ok = d.authorize(req, tx, user); !ok {
			return
		}
		context = ep.Context
	case known:
		context = ep.Context
	case d.cfg.GuestContext != "":
		context = d.cfg.GuestContext
		ep = Endpoint{User: user}
	default:
		d.log.Debug("invite from unknown user rejected", "user", user, "source", req.Source())
		d.respond(tx, req, 403)
		return
	}
	fromTag, _ := from.Params.Get("tag")
	key := callIDOf(req) + "\x00" + fromTag
	c := newCall(d, true, callIDOf(req))
	if !d.claimInvite(key, c) {
		d.respond(tx, req, 482)
		return
	}
	started := false
	defer func() {
		if !started {
			d.releaseInvite(key)
		}
	}()
	body := req.Body()
	dua := d.dialogUA(req.Transport())
	if dua == nil {
		d.respond(tx, req, 503)
		return
	}
	sess, err := dua.ReadInvite(req, tx)
	if err != nil {
		d.log.Debug("invite rejected", "error", err, "call_id", callIDOf(req))
		d.respond(tx, req, 400)
		return
	}
	_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 100, "Trying", nil))

	c.user = user
	c.log = c.log.With("user", user)
	c.caps = d.cfg.codecsOf(&ep)
	c.srv, c.inviteTx, c.inviteReq = sess, tx, sess.InviteRequest
	c.offerBody = body
	c.sdp, err = c.newSDP(nil)
	if err != nil {
		d.respond(tx, req, 500)
		return
	}
	if len(body) == 0 {
		// Late offer (RFC 3261 §13.2.1): the PBX offers in its 2xx and the
		// answer comes in the ACK. Until then the channel has the
		// topology the PBX will offer, and no media.
		c.setTopology(topology.FromFormats(c.caps.Without(format.NewCaps(format.TelephoneEvent))))
	} else {
		ans, err := c.sdp.Offer(body, sdp.Capabilities{Formats: c.caps})
		if err != nil {
			for _, s := range c.sockets {
				d.port.free(s)
			}
			c.log.Debug("offer rejected", "error", err)
			res := c.d.response(c.inviteReq, 488, nil)
			res.AppendHeader(sipmsg.NewHeader("Warning", `399 pbx "`+sanitizeWarning(err.Error())+`"`))
			_ = tx.Respond(res)
			return
		}
		if ans.Warnings != nil {
			c.log.Debug("offer warnings", "error", ans.Warnings)
		}
		c.applyMedia(ans.Media)
		c.setTopology(ans.Topology)
	}
	if !tx.OnCancel(func(*sipmsg.Request) { c.cancel() }) {
		c.cancel()
	}
	if !c.start() {
		for _, s := range c.sockets {
			d.port.free(s)
		}
		_ = tx.Respond(c.d.response(c.inviteReq, 503, nil))
		return
	}
	started = true // callDone forgets the key
	d.bindDialog(sess.ID, c)
	exten := req.Recipient.User
	ch, err := d.reg.NewChannel(channel.Config{
		Tech:       c,
		Name:       Name + "/" + displayUser(user),
		Inbound:    true,
		CallerNum:  user,
		CallerName: unquoteDisplayName(from.DisplayName),
		Context:    context,
		Exten:      exten,
		Vars: map[string]string{
			VarUser:   user,
			VarCallID: c.callID,
			VarSource: req.Source(),
		},
	})
	if err != nil {
		c.Hangup(channel.CauseSystemShutdown)
		<-c.done
		return
	}
	d.reg.Serve(ch.Context(), h, ch)
	<-c.done
}

// displayUser returns the user for channel names ("anonymous" for none).
func displayUser(u string) string {
	if u == "" {
		return "anonymous"
	}
	return u
}

// track counts a goroutine the driver must wait for; false after Close.
func (d *Driver) track() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return false
	}
	d.wg.Add(1)
	return true
}

// respondInvite sends a final error response to the INVITE, with a
// Reason header for cause.
func (c *call) respondInvite(status int, cause channel.Cause) {
	if c.st.finalSent {
		return
	}
	c.st.finalSent = true
	res := c.d.response(c.inviteReq, status, nil)
	if cause != 0 {
		res.AppendHeader(sipmsg.NewHeader("Reason", reasonHeader(cause)))
	}
	if err := c.inviteTx.Respond(res); err != nil {
		c.log.Debug("final response failed", "sip_status", status, "error", err)
	}
}

// hangupInbound ends an inbound call for the core (or shutdown): a final
// response before answer, a BYE after.
func (c *call) hangupInbound(cause channel.Cause) {
	switch {
	case !c.st.finalSent:
		status := CauseToStatus(cause)
		c.log.Debug("rejecting call", "cause", cause, "sip_status", status)
		c.respondInvite(status, cause)
	case c.st.answered:
		c.stopAck()
		c.sendBye(cause)
	}
}

// onCancel handles the caller's CANCEL: the transaction layer already
// answered 200 to it and 487 to the INVITE.
func (c *call) onCancel() {
	if c.st.finalSent || c.st.ended {
		return // too late: the call was answered or rejected first
	}
	c.st.finalSent = true
	c.log.Debug("caller cancelled")
	c.remoteEnd(channel.CauseNormalClearing)
}

// answer sends the 200 OK with the answer SDP. t, when not nil and no
// early media fixed the answer, narrows the streams: the offer is answered
// again with t as the local wishes.
func (c *call) answer(t *topology.Topology) error {
	switch {
	case c.st.ended:
		return channel.ErrHangup
	case c.st.answered:
		return nil
	case c.st.finalSent:
		return ErrRejected
	}
	select {
	case <-c.inviteTx.Done():
		return channel.ErrHangup
	default:
	}
	var body []byte
	switch {
	case c.offerBody == nil:
		// Late offer: our offer goes in the 2xx.
		want := c.Topology()
		if t != nil {
			want = t.Snapshot()
			c.want = want
		}
		offer, err := c.sdp.MakeOffer(want)
		if err != nil {
			return fmt.Errorf("sip: answer %s: %w", c.callID, err)
		}
		body = offer
	case t != nil && !c.st.early && !t.Equal(c.Topology()):
		if err := c.reanswer(t); err != nil {
			return err
		}
		body = c.sdp.Local()
	default:
		body = c.sdp.Local()
	}
	res := sipmsg.NewSDPResponseFromRequest(c.inviteReq, body)
	c.decorate(res)
	c.srv.InviteResponse = res
	if err := c.respond2xx(c.inviteTx, res); err != nil {
		c.stopAck()
		return fmt.Errorf("sip: answer %s: %w", c.callID, err)
	}
	select {
	case <-c.cancelled:
		// The CANCEL won inside the transaction: 487 went out, our 200
		// did not. run handles the cancel next.
		c.stopAck()
		return channel.ErrHangup
	default:
	}
	c.st.answered, c.st.finalSent = true, true
	c.startRTPTimer()
	return nil
}

// reanswer answers the INVITE's offer again with t as the local wishes,
// reusing the sockets already bound for each m-line.
func (c *call) reanswer(t *topology.Topology) error {
	prev := map[int]int{}
	for i, s := range c.media.Load().streams {
		if s != nil {
			prev[i] = s.conn.port
		}
	}
	s, err := c.newSDP(prev)
	if err != nil {
		return err
	}
	ans, err := s.Offer(c.offerBody, sdp.Capabilities{Formats: c.caps, Streams: t})
	if err != nil {
		return fmt.Errorf("sip: answer with %s: %w", t, err)
	}
	c.sdp = s
	c.want = t.Snapshot()
	c.applyMedia(ans.Media)
	c.queueTopology(frame.TopologyChanged, c.setTopology(ans.Topology))
	return nil
}

// decorate adds the headers every 2xx and 18x of ours carries.
func (c *call) decorate(res *sipmsg.Response) {
	if res.Contact() == nil {
		if ct := c.contact(); ct != nil {
			res.AppendHeader(ct)
		}
	}
	res.AppendHeader(sipmsg.NewHeader("Allow", allowed))
	res.AppendHeader(sipmsg.NewHeader("Server", c.d.cfg.UserAgent))
}

// indicate sends a provisional or final response, or changes the media
// direction, as the core indicates.
func (c *call) indicate(ct frame.ControlType) error {
	if c.st.ended {
		return channel.ErrHangup
	}
	switch ct {
	case frame.Hold, frame.Unhold:
		return c.hold(ct == frame.Hold)
	case frame.VideoUpdate:
		c.videoUpdate()
		return nil
	}
	if !c.inbound || c.st.finalSent {
		return nil
	}
	switch ct {
	case frame.Ringing:
		if c.st.ringing || c.st.early {
			return nil
		}
		c.st.ringing = true
		res := c.d.response(c.inviteReq, 180, nil)
		c.decorate(res)
		return c.inviteTx.Respond(res)
	case frame.Progress:
		if c.st.early || c.st.progress {
			return nil
		}
		c.st.progress = true
		if c.offerBody == nil {
			// Late offer: no answer to send yet, and no PRACK for an offer.
			res := c.d.response(c.inviteReq, 183, nil)
			c.decorate(res)
			return c.inviteTx.Respond(res)
		}
		c.st.early = true
		res := sipmsg.NewSDPResponseFromRequest(c.inviteReq, c.sdp.Local())
		res.StatusCode, res.Reason = 183, reasonPhrase(183)
		c.decorate(res)
		return c.inviteTx.Respond(res)
	case frame.Busy:
		c.respondInvite(486, channel.CauseUserBusy)
		c.st.ended = true
		c.stopMedia()
	case frame.Congestion:
		c.respondInvite(503, channel.CauseNormalCircuitCongestion)
		c.st.ended = true
		c.stopMedia()
	}
	return nil
}

// ackWaiter is a 2xx waiting for its ACK.
type ackWaiter struct {
	cseq   uint32
	acked  chan struct{}
	stop   chan struct{}
	once   sync.Once
	stopMu sync.Once
}

// errNoAck reports a 2xx that was never acknowledged (64·T1).
var errNoAck = errors.New("sip: no ACK for 2xx")

// respond2xx sends res, a 2xx to the INVITE in tx, with its ACK wait
// armed first: the ACK is read on a sipgo goroutine of its own and may be
// handled before tx.Respond has even returned, and an ACK finding no
// waiter is lost — over UDP the 2xx is retransmitted needlessly until the
// phone acknowledges again, over TCP the call is hung up after 64·T1
// (issue 5). On error the wait keeps retransmitting; the caller stops it
// when the call cannot go on.
func (c *call) respond2xx(tx sipmsg.ServerTransaction, res *sipmsg.Response) error {
	c.expectAck(tx, res)
	return tx.Respond(res)
}

// expectAck retransmits res (a 2xx to the INVITE in tx) until its ACK
// arrives or 64·T1 pass (RFC 3261 §13.3.1.4; over TCP there are no
// retransmissions but the wait is the same). The helper posts evAckDone.
func (c *call) expectAck(tx sipmsg.ServerTransaction, res *sipmsg.Response) {
	c.stopAck()
	w := &ackWaiter{cseq: res.CSeq().SeqNo, acked: make(chan struct{}), stop: make(chan struct{})}
	c.ack.Store(w)
	reliable := sipmsg.IsReliable(res.Transport())
	c.st.pending++
	c.wg.Go(func() {
		interval := sipmsg.T1
		retransmit := time.NewTimer(interval)
		defer retransmit.Stop()
		if reliable {
			retransmit.Stop()
		}
		deadline := time.NewTimer(64 * sipmsg.T1)
		defer deadline.Stop()
		for {
			select {
			case <-w.acked:
				c.post(event{kind: evAckDone, cseq: w.cseq})
				return
			case <-w.stop:
				c.post(event{kind: evAckDone, cseq: w.cseq, err: errStopped})
				return
			case <-deadline.C:
				c.post(event{kind: evAckDone, cseq: w.cseq, err: errNoAck})
				return
			case <-retransmit.C:
				_ = tx.Respond(res)
				interval = min(2*interval, sipmsg.T2)
				retransmit.Reset(interval)
			}
		}
	})
}

var errStopped = errors.New("sip: stopped")

// stopAck ends the retransmission of a 2xx.
func (c *call) stopAck() {
	if w := c.ack.Load(); w != nil {
		w.stopMu.Do(func() { close(w.stop) })
	}
}

// readAck runs on an ACK's sipgo goroutine: it confirms the dialog and
// stops the 2xx retransmission without going through the mailbox (which
// may be busy), then hands a body (an answer to an offer in our 2xx) to
// the mailbox.
//
// The driver matches the ACK to its 2xx itself, by CSeq (the initial
// INVITE's or a re-INVITE's). sipgo's ReadAck is only asked to confirm
// its dialog, once: it compares the CSeq with the last request read into
// the dialog, so an ACK of the initial 2xx arriving after a re-INVITE was
// read fails there — checkAcked has confirmed the dialog by then — and
// later ACKs (of re-INVITEs) have nothing to confirm.
func (c *call) readAck(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if req.CSeq() == nil {
		return
	}
	if c.srv != nil && c.srv.LoadState() < sipmsg.DialogStateConfirmed {
		if err := c.srv.ReadAck(req, tx); err != nil && c.srv.LoadState() < sipmsg.DialogStateConfirmed {
			c.log.Debug("ack", "error", err)
		}
	}
	if w := c.ack.Load(); w != nil && w.cseq == req.CSeq().SeqNo {
		w.once.Do(func() { close(w.acked) })
	}
	c.post(event{kind: evAck, req: req})
}

// ackBody handles an ACK: it carries the answer when our 2xx carried an
// offer (late-offer INVITE or offerless re-INVITE).
func (c *call) ackBody(req *sipmsg.Request) {
	if c.sdp == nil || !c.sdp.Pending() || c.st.reinv != nil {
		return // nothing awaited (or the offer is our re-INVITE's)
	}
	var t *topology.Topology
	err := errors.New("sip: no answer in ACK")
	if len(req.Body()) > 0 {
		t, err = c.sdp.Answer(req.Body())
	}
	if err == nil && t.ActiveLen() == 0 {
		err = errors.New("sip: answer in ACK removed every stream")
	}
	if err == nil {
		c.applyNegotiated(t)
		return
	}
	c.sdp.Rollback()
	if c.inbound && c.offerBody == nil && req.CSeq().SeqNo == c.inviteReq.CSeq().SeqNo && !c.st.ended {
		// The initial late-offer exchange failed: end the call (RFC 3261
		// §13.2.1 leaves no other way).
		c.log.Warn("unusable answer in ack: hanging up", "error", err)
		c.stopTimers()
		c.stopMedia()
		c.sendBye(channel.CauseIncompatibleDestination)
		c.remoteEnd(channel.CauseIncompatibleDestination)
		return
	}
	c.log.Warn("unusable answer in ack", "error", err)
}

// ackDone handles the end of a 2xx retransmission.
func (c *call) ackDone(cseq uint32, err error) {
	if w := c.ack.Load(); w != nil && w.cseq == cseq {
		c.ack.Store(nil)
	}
	switch {
	case err == nil:
		if c.inbound && !c.st.confirmed && cseq == c.inviteReq.CSeq().SeqNo {
			c.st.confirmed = true
			c.dispatchQueued()
		}
	case errors.Is(err, errNoAck):
		if c.st.ended {
			return
		}
		c.log.Warn("no ack for 2xx: hanging up")
		c.stopTimers()
		c.stopMedia()
		c.sendBye(channel.CauseRecoveryOnTimerExpiry)
		c.remoteEnd(channel.CauseRecoveryOnTimerExpiry)
	}
}
