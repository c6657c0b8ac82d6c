package testphone

import (
	"context"
	"fmt"

	"github.com/emiago/sipgo/sip"
)

// Update sends an UPDATE (RFC 3311) with an offer of specs (as for
// [Call.ReInvite]: one per m-line, empty re-offers the current streams)
// on the confirmed call and applies the answer in its 2xx; no ACK
// follows. A non-2xx answer (491 on glare, 488) is returned as a
// [*StatusError] and leaves the session unchanged.
func (c *Call) Update(ctx context.Context, specs ...StreamSpec) error {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	if err := c.waitOfferable(ctx); err != nil {
		return fmt.Errorf("testphone: UPDATE: %w", err)
	}
	// c.mu is held.
	po, err := c.buildOfferLocked(specs)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	c.offering = true
	c.pending = po
	c.offerSentLocked(po)
	c.localCSeq++
	req := c.dialogRequestLocked(sip.UPDATE, c.localCSeq)
	c.mu.Unlock()
	setBody(req, po.body)

	res, err := c.p.do(ctx, req)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.offering = false
	c.localCSeq = max(c.localCSeq, req.CSeq().SeqNo)
	if err != nil || !res.IsSuccess() {
		c.discardLocked(po)
		c.notifyLocked()
		if err != nil {
			return fmt.Errorf("testphone: UPDATE: %w", err)
		}
		return fmt.Errorf("testphone: UPDATE: %w", &StatusError{Code: res.StatusCode, Reason: res.Reason})
	}
	if ct := res.Contact(); ct != nil {
		c.remoteTarget = ct.Address // target refresh
	}
	c.pending = nil
	if err := c.applyAnswerLocked(po, res.Body()); err != nil {
		c.discardLocked(po)
		c.notifyLocked()
		return fmt.Errorf("testphone: UPDATE answer: %w", err)
	}
	return nil
}

// UpdateHold sends an UPDATE with every active stream's direction reduced
// to stop receiving, as [Call.Hold] does with a re-INVITE.
func (c *Call) UpdateHold(ctx context.Context) error {
	return c.Update(ctx, c.respec(func(d Direction) Direction { return directionOf(d.Sends(), false) })...)
}

// UpdateResume sends an UPDATE with every active stream sendrecv.
func (c *Call) UpdateResume(ctx context.Context) error {
	return c.Update(ctx, c.respec(func(Direction) Direction { return SendRecv })...)
}

// Refresh sends an UPDATE without a body (a session refresh) and returns
// its final status code.
func (c *Call) Refresh(ctx context.Context) (int, error) {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	c.mu.Lock()
	if c.state != stateConfirmed && c.state != stateAnswered {
		c.mu.Unlock()
		return 0, ErrCallEnded
	}
	c.localCSeq++
	req := c.dialogRequestLocked(sip.UPDATE, c.localCSeq)
	c.mu.Unlock()
	res, err := c.p.do(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("testphone: UPDATE: %w", err)
	}
	c.mu.Lock()
	c.localCSeq = max(c.localCSeq, req.CSeq().SeqNo)
	c.mu.Unlock()
	return res.StatusCode, nil
}

// waitOfferable waits until the call is confirmed with no offer of this
// phone outstanding, and returns with c.mu held (on success only).
func (c *Call) waitOfferable(ctx context.Context) error {
	for {
		err := c.waitCall(ctx, func() bool { return c.state == stateConfirmed && c.pending == nil })
		if err != nil {
			if c.Err() != nil {
				return ErrCallEnded
			}
			return err
		}
		c.mu.Lock()
		if c.state == stateConfirmed && c.pending == nil {
			return nil
		}
		c.mu.Unlock()
	}
}
