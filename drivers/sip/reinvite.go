package sip

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/drivers/sip/sdp"
)

// reinvite is a PBX-initiated re-INVITE in flight.
type reinvite struct {
	want  *topology.Topology
	tries int
}

// maxReinviteTries bounds the retries after 491 Request Pending.
const maxReinviteTries = 3

// dialog returns the sipgo dialog of the call, nil before it exists.
func (c *call) dialog() *sipgo.Dialog {
	switch {
	case c.srv != nil:
		return &c.srv.Dialog
	case c.out != nil && c.out.sess != nil:
		return &c.out.sess.Dialog
	}
	return nil
}

// remoteTarget returns the far end's Contact URI.
func (c *call) remoteTarget() sipmsg.Uri {
	if c.srv != nil {
		if ct := c.inviteReq.Contact(); ct != nil {
			return *ct.Address.Clone()
		}
		return c.inviteReq.Recipient
	}
	s := c.out.sess
	if ct := s.InviteResponse.Contact(); ct != nil {
		return *ct.Address.Clone()
	}
	return s.InviteRequest.Recipient
}

// contact returns our Contact header for the call's transport.
func (c *call) contact() *sipmsg.ContactHeader {
	tr := "UDP"
	if c.inviteReq != nil {
		tr = c.inviteReq.Transport()
	} else if c.out != nil && c.out.sess != nil {
		tr = c.out.sess.InviteRequest.Transport()
	}
	if ua := c.d.dialogUA(tr); ua != nil {
		return ua.ContactHDR.Clone()
	}
	return nil
}

// onReinvite answers the far end's re-INVITE (RFC 3261 §14.2): 491 while
// our own offer is pending or our 2xx is unacknowledged, 488 for an offer
// that cannot be accepted, else 200 with the answer — and the core hears
// TopologyChanged or TopologySourceChanged as the negotiation changed.
func (c *call) onReinvite(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	dlg := c.dialog()
	c.checkAcked()
	switch {
	case dlg == nil || !c.st.answered || c.st.ended:
		c.d.respond(tx, req, 491, sipmsg.NewHeader("Retry-After", "1"))
		return
	case c.inbound && !c.st.confirmed, c.st.reinv != nil, c.sdp.Pending():
		c.d.respond(tx, req, 491)
		return
	}
	if err := dlg.ReadRequest(req, tx); err != nil {
		c.d.respond(tx, req, 500, sipmsg.NewHeader("Retry-After", "1"))
		return
	}
	var body []byte
	var ans *sdp.Answer
	if len(req.Body()) == 0 {
		// Offerless re-INVITE: offer the current streams in the 200, take
		// the answer from the ACK.
		offer, err := c.sdp.MakeOffer(c.currentWish())
		if err != nil {
			c.d.respond(tx, req, 500)
			return
		}
		body = offer
	} else {
		if ans = c.answerReoffer(req, tx); ans == nil {
			return
		}
		body = ans.SDP
	}
	res := sipmsg.NewSDPResponseFromRequest(req, body)
	c.decorate(res)
	if err := c.respond2xx(tx, res); err != nil {
		c.log.Debug("re-invite response failed", "error", err)
		if ans == nil {
			c.sdp.Rollback()
		}
		// The negotiation is committed; the far end will retransmit (and
		// the ACK wait retransmits the 2xx).
	}
	if ans == nil {
		return
	}
	c.applyReoffer(ans)
}

// answerReoffer answers the far end's offer within the dialog (re-INVITE
// or UPDATE) from the SDP session's current state, with the PBX's wishes
// as constraints. An offer that cannot be accepted is rejected here, and
// nil returned: 491 when our own offer is pending (RFC 3261 §14.2), 488
// otherwise, with a Warning saying why.
func (c *call) answerReoffer(req *sipmsg.Request, tx sipmsg.ServerTransaction) *sdp.Answer {
	ans, err := c.sdp.Offer(req.Body(), sdp.Capabilities{Formats: c.caps, Streams: c.want})
	if err != nil {
		status := 488
		if errors.Is(err, sdp.ErrOfferPending) {
			status = 491
		}
		c.log.Debug("re-offer rejected", "method", req.Method, "sip_status", status, "error", err)
		c.d.respond(tx, req, status, sipmsg.NewHeader("Warning", `399 pbx "`+sanitizeWarning(err.Error())+`"`))
		return nil
	}
	return ans
}

// applyReoffer installs the outcome of an answered re-offer: the RTP
// streams are reconfigured, and the core hears TopologyChanged or
// TopologySourceChanged as the negotiation changed.
func (c *call) applyReoffer(ans *sdp.Answer) {
	c.applyMedia(ans.Media)
	switch ans.Change {
	case sdp.ChangeTopology:
		c.queueTopology(frame.TopologyChanged, c.setTopology(ans.Topology))
	case sdp.ChangeSource:
		c.queueTopology(frame.TopologySourceChanged, c.setTopology(ans.Topology))
	}
}

// checkAcked treats a re-INVITE on an answered call whose 2xx is not
// acknowledged yet as the acknowledgement: the re-INVITE carries our To
// tag, so the caller has the 2xx and its ACK is only late (sipgo delivers
// messages unordered, LIBRARIES.md §0.4). The 2xx retransmission goes on
// until the ACK arrives or the re-INVITE's own 2xx replaces it. It runs
// before the re-INVITE is read into the dialog (see confirmDialog).
func (c *call) checkAcked() {
	if c.inbound && c.st.answered {
		c.st.confirmed = true
		c.confirmDialog()
	}
}

// confirmDialog moves sipgo's dialog to the confirmed state if the ACK of
// the initial 2xx has not done so yet. sipgo's WriteBye holds a BYE back
// until the dialog is confirmed (up to 64·T1), and its ReadAck only
// confirms for an ACK whose CSeq is that of the last request read into
// the dialog: once a re-INVITE has been read, a late ACK of the initial
// 2xx fails with "invalid CSEQ number" and never would. So a re-INVITE
// confirms the dialog itself, before dlg.ReadRequest moves the CSeq on
// (issue 5).
func (c *call) confirmDialog() {
	if c.srv == nil || c.srv.LoadState() >= sipmsg.DialogStateConfirmed {
		return
	}
	ack := sipmsg.NewRequest(sipmsg.ACK, c.inviteReq.Recipient)
	ack.AppendHeader(&sipmsg.CSeqHeader{SeqNo: c.inviteReq.CSeq().SeqNo, MethodName: sipmsg.ACK})
	if err := c.srv.ReadAck(ack, nil); err != nil && c.srv.LoadState() < sipmsg.DialogStateConfirmed {
		c.log.Debug("dialog not confirmed", "error", err)
	}
}

// sanitizeWarning makes text safe for a quoted Warning header.
func sanitizeWarning(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x7f {
			b[i] = ' '
		}
	}
	if len(b) > 120 {
		b = b[:120]
	}
	return string(b)
}

// currentWish returns the topology the PBX would offer now: its wishes,
// else the topology in force.
func (c *call) currentWish() *topology.Topology {
	if c.want != nil {
		return c.want
	}
	return c.Topology()
}

// requestTopology starts (or queues) a PBX re-INVITE towards t.
func (c *call) requestTopology(t *topology.Topology) {
	if c.st.ended {
		return
	}
	c.st.queued = t
	c.dispatchQueued()
}

// dispatchQueued starts the queued topology request once the dialog can
// carry a re-INVITE.
func (c *call) dispatchQueued() {
	t := c.st.queued
	switch {
	case t == nil, c.st.ended, !c.st.answered, !c.st.confirmed, c.st.reinv != nil:
		return
	}
	c.st.queued = nil
	c.startReinvite(&reinvite{want: t})
}

// startReinvite sends a re-INVITE offering r.want.
func (c *call) startReinvite(r *reinvite) {
	offer, err := c.sdp.MakeOffer(r.want)
	if err != nil {
		c.log.Debug("cannot offer topology", "error", err)
		c.queueTopology(frame.TopologyChanged, c.Topology())
		return
	}
	req := sipmsg.NewRequest(sipmsg.INVITE, c.remoteTarget())
	req.SetBody(offer)
	ct := sipmsg.ContentTypeHeader("application/sdp")
	req.AppendHeader(&ct)
	req.AppendHeader(sipmsg.NewHeader("Allow", allowed))
	var do func(context.Context, *sipmsg.Request) (*sipmsg.Response, error)
	if c.srv != nil {
		do = c.srv.Do
	} else {
		do = c.out.sess.Do
	}
	c.st.reinv = r
	c.st.pending++
	c.wg.Go(func() {
		ctx, cancel := context.WithTimeout(c.d.ctx, sipmsg.Timer_B)
		defer cancel()
		res, err := do(ctx, req)
		c.post(event{kind: evReinvite, req: req, res: res, err: err})
	})
}

// reinviteDone applies the outcome of a PBX re-INVITE. The core always
// hears a TopologyChanged: the new topology after a 2xx, the old one after
// a failure (491 is retried first, RFC 3261 §14.1).
func (c *call) reinviteDone(ev *event) {
	r := c.st.reinv
	c.st.reinv = nil
	res := ev.res
	if res != nil && res.IsSuccess() {
		ack := sipmsg.NewRequest(sipmsg.ACK, c.remoteTarget())
		ack.AppendHeader(&sipmsg.CSeqHeader{SeqNo: ev.req.CSeq().SeqNo, MethodName: sipmsg.ACK})
		var err error
		if c.srv != nil {
			err = c.srv.WriteRequest(ack)
		} else {
			err = c.out.sess.WriteRequest(ack)
		}
		if err != nil {
			c.log.Debug("re-invite ack failed", "error", err)
		}
	}
	if c.st.ended || r == nil {
		c.sdp.Rollback()
		return
	}
	switch {
	case res != nil && res.IsSuccess():
		t, err := c.sdp.Answer(res.Body())
		if err != nil {
			c.log.Warn("bad answer to re-invite", "error", err)
			c.sdp.Rollback()
			c.queueTopology(frame.TopologyChanged, c.Topology())
			break
		}
		c.want = r.want
		c.applyNegotiated(t)
	case res != nil && res.StatusCode == 491 && r.tries+1 < maxReinviteTries:
		c.sdp.Rollback()
		r.tries++
		c.scheduleRetry(r)
		return
	case res != nil && (res.StatusCode == 481 || res.StatusCode == 408):
		// The dialog is gone (RFC 3261 §14.1).
		c.sdp.Rollback()
		c.queueTopology(frame.TopologyChanged, c.Topology())
		c.stopTimers()
		c.stopMedia()
		if res.StatusCode == 408 {
			c.sendBye(channel.CauseRecoveryOnTimerExpiry)
		}
		c.remoteEnd(StatusToCause(res.StatusCode))
		return
	default:
		if ev.err != nil {
			c.log.Debug("re-invite failed", "error", ev.err)
		} else {
			c.log.Debug("re-invite rejected", "sip_status", res.StatusCode)
		}
		c.sdp.Rollback()
		c.queueTopology(frame.TopologyChanged, c.Topology())
	}
	c.dispatchQueued()
}

// scheduleRetry retries a re-INVITE that got 491 after the RFC 3261 §14.1
// back-off: 2.1–4 s when we own the Call-ID (we sent the INVITE), else
// 0–2 s, in units of 10 ms.
func (c *call) scheduleRetry(r *reinvite) {
	var delay time.Duration
	if c.inbound {
		delay = time.Duration(rand.IntN(201)) * 10 * time.Millisecond
	} else {
		delay = time.Duration(210+rand.IntN(190)) * 10 * time.Millisecond
	}
	c.st.retryGen++
	gen := c.st.retryGen
	c.st.reinv = r // holds off other requests until the retry
	time.AfterFunc(delay, func() { c.post(event{kind: evRetryReinvite, gen: gen}) })
}

// retryReinvite sends the re-INVITE again after a 491 back-off.
func (c *call) retryReinvite() {
	r := c.st.reinv
	if r == nil || c.st.ended {
		return
	}
	c.st.reinv = nil
	c.startReinvite(r)
}

// applyNegotiated installs a completed negotiation: media, topology, and
// a TopologyChanged for the core.
func (c *call) applyNegotiated(t *topology.Topology) {
	res := c.sdp.Negotiated()
	c.applyMedia(res.Media)
	c.queueTopology(frame.TopologyChanged, c.setTopology(t))
}

// hold puts the far end on hold (the PBX stops listening: sendonly or
// inactive streams) or takes it off hold, with a re-INVITE.
func (c *call) hold(on bool) error {
	if !c.st.answered || on == c.st.held {
		return nil
	}
	c.st.held = on
	base := c.currentWish()
	t := base.Clone()
	for _, s := range t.Streams() {
		if s.IsRemoved() || s.Type() != format.Audio {
			continue
		}
		st := s.State()
		if on {
			s.SetState(holdState(st))
		} else {
			s.SetState(unholdState(st))
		}
	}
	c.want = t.Freeze()
	c.requestTopology(c.want)
	return nil
}

func holdState(s stream.State) stream.State {
	switch s {
	case stream.SendRecv:
		return stream.SendOnly
	case stream.RecvOnly:
		return stream.Inactive
	}
	return s
}

func unholdState(s stream.State) stream.State {
	switch s {
	case stream.SendOnly:
		return stream.SendRecv
	case stream.Inactive:
		return stream.RecvOnly
	}
	return s
}

// pictureFastUpdate is the RFC 5168 body asking the far end's video
// encoder for a key frame.
const pictureFastUpdate = `<?xml version="1.0" encoding="utf-8" ?>
<media_control><vc_primitive><to_encoder><picture_fast_update/></to_encoder></vc_primitive></media_control>`

// videoUpdate sends a SIP INFO with picture_fast_update (RFC 5168), at
// most one per second, on an established call with video. A request
// inside that second is deferred, not dropped: one INFO goes out when the
// second is up for every request made meanwhile. (A bridge asks for a key
// frame when a new video path starts; losing that request would leave the
// receiver's decoder waiting for the next periodic key frame.)
func (c *call) videoUpdate() {
	if !c.st.answered || c.st.ended || c.media.Load().stream(-1, format.Video) == nil {
		return
	}
	now := time.Now()
	if wait := time.Second - now.Sub(c.st.lastFIR); wait > 0 {
		if c.st.firTimer == nil {
			c.st.firTimer = time.AfterFunc(wait, func() { c.post(event{kind: evFIR}) })
		}
		return
	}
	c.st.lastFIR = now
	// RTCP PLI (RFC 4585 §6.3.1) on each video stream reaches phones
	// that ignore INFO; the INFO (RFC 5168) reaches those without
	// RTCP feedback.
	for _, st := range c.media.Load().streams {
		if st != nil && st.params.Load().typ == format.Video {
			st.sendPLI()
		}
	}
	req := sipmsg.NewRequest(sipmsg.INFO, c.remoteTarget())
	ct := sipmsg.ContentTypeHeader("application/media_control+xml")
	req.AppendHeader(&ct)
	req.SetBody([]byte(pictureFastUpdate))
	var do func(context.Context, *sipmsg.Request) (*sipmsg.Response, error)
	if c.srv != nil {
		do = c.srv.Do
	} else {
		do = c.out.sess.Do
	}
	c.st.pending++
	c.wg.Go(func() {
		ctx, cancel := context.WithTimeout(c.d.ctx, sipmsg.Timer_F)
		defer cancel()
		_, err := do(ctx, req)
		c.post(event{kind: evByeDone, err: err})
	})
}
