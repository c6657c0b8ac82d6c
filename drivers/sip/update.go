package sip

import (
	"math/rand/v2"
	"mime"
	"strconv"

	sipmsg "github.com/emiago/sipgo/sip"
)

// handleUpdate hands an UPDATE (RFC 3311) to its call's mailbox; an
// UPDATE matching no dialog gets 481.
func (d *Driver) handleUpdate(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	c := d.findCall(req)
	if c == nil {
		d.respond(tx, req, 481)
		return
	}
	c.request(req, tx)
}

// onUpdate answers the far end's UPDATE (RFC 3311) on the mailbox
// goroutine. Without a body it is a session refresh: 200. With an offer it
// is answered as a re-INVITE's offer is (answerReoffer: 491 while our own
// offer is pending, 488 when unacceptable), the answer going in the 200;
// no ACK follows, so the negotiation takes effect at once. An offer in an
// early dialog gets 500 with Retry-After: without reliable provisional
// responses (RFC 3262, not supported) the INVITE's offer/answer exchange
// is not complete until the 2xx (RFC 3311 §5.2).
func (c *call) onUpdate(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if c.st.ended {
		c.d.respond(tx, req, 481)
		return
	}
	if !c.readUpdate(req, tx) {
		return
	}
	if len(req.Body()) == 0 {
		res := sipmsg.NewResponseFromRequest(req, 200, reasonPhrase(200), nil)
		c.decorate(res)
		if err := tx.Respond(res); err != nil {
			c.log.Debug("update response failed", "error", err)
		}
		return
	}
	if ct := req.ContentType(); ct != nil {
		if mt, _, err := mime.ParseMediaType(ct.Value()); err != nil || mt != "application/sdp" {
			c.d.respond(tx, req, 415, sipmsg.NewHeader("Accept", "application/sdp"))
			return
		}
	}
	switch {
	case !c.st.answered:
		// RFC 3311 §5.2: an offer received before the previous exchange
		// (the INVITE's) completed gets 500 and a Retry-After of 0–10 s.
		c.d.respond(tx, req, 500, sipmsg.NewHeader("Retry-After", strconv.Itoa(rand.IntN(11))))
		return
	case c.st.reinv != nil, c.sdp.Pending():
		// Our re-INVITE (or our offer in a 2xx) awaits its answer.
		c.d.respond(tx, req, 491)
		return
	}
	ans := c.answerReoffer(req, tx)
	if ans == nil {
		return
	}
	res := sipmsg.NewSDPResponseFromRequest(req, ans.SDP)
	c.decorate(res)
	if err := tx.Respond(res); err != nil {
		// The negotiation is committed all the same: the far end
		// retransmits the UPDATE, and sipgo's transaction answers it
		// with the same 200.
		c.log.Debug("update response failed", "error", err)
	}
	c.applyReoffer(ans)
}

// readUpdate checks an UPDATE's CSeq against sipgo's dialog, answering
// 500 to one lower than a request already read (RFC 3261 §12.2.2). An
// UPDATE may precede the ACK of the initial 2xx (early dialog, or reordered
// by sipgo): it is then not read into sipgo's dialog, since sipgo's ReadAck
// compares the ACK's CSeq with the last request read and would refuse that
// ACK, leaving the dialog unconfirmed (see confirmDialog). Unlike a
// re-INVITE, an UPDATE does not prove that the 2xx arrived, so it does not
// count as the ACK.
func (c *call) readUpdate(req *sipmsg.Request, tx sipmsg.ServerTransaction) bool {
	dlg := c.dialog()
	if dlg == nil || dlg.LoadState() < sipmsg.DialogStateConfirmed {
		return true
	}
	if err := dlg.ReadRequest(req, tx); err != nil {
		c.d.respond(tx, req, 500)
		return false
	}
	return true
}
