package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/google/uuid"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/drivers/sip/sdp"
)

// outbound is the UAC side of an outbound call: one branch per contact,
// rung in parallel; the first 2xx wins and the others are cancelled.
type outbound struct {
	dest     dest
	targets  []target
	want     *topology.Topology // offered
	branches []*branch
	winner   *branch
	sess     *sipgo.DialogClientSession // the winner's dialog
	ports    map[int]int                // m-line index -> port, shared by branches
	calling  bool
	caller   channel.CallerID // presented in every branch's From (CallAs)
	best     int              // best final failure status so far (RFC 3261 §16.7 style)
}

// target is one place an outbound call rings.
type target struct {
	uri         sipmsg.Uri
	to          sipmsg.Uri // To header address
	destination string     // host:port to send to ("" = from the URI)
	transport   string     // "UDP", "TCP", "TLS", "WS" or "WSS"
}

// branch is one INVITE of an outbound call.
type branch struct {
	n      int
	t      target
	sdp    *sdp.Session
	cancel context.CancelFunc
	sess   *sipgo.DialogClientSession
	done   bool
	early  []byte // SDP of a 183, applied as the answer
	status int
}

// Request implements [channel.Driver]. dest is "alice" (every registered
// contact of endpoint alice, rung in parallel), "alice@host[:port]" or a
// sip: URI (dialled directly). want is the topology to offer (already
// mirrored by the dialler); nil means one stream per media type of the
// endpoint's codecs. No signalling is sent until Call. A user with no
// registration gives an error carrying [channel.CauseSubscriberAbsent].
func (d *Driver) Request(ctx context.Context, dst string, want *topology.Topology) (channel.Tech, error) {
	ds, err := parseDest(dst)
	if err != nil {
		return nil, withCause(channel.CauseInvalidNumberFormat, err)
	}
	if d.isClosed() {
		return nil, channel.ErrDriverClosed
	}
	var ep *Endpoint
	user := ds.user
	if e, ok := d.cfg.Endpoints.Endpoint(user); ok {
		ep = &e
	}
	var targets []target
	if ds.isAOR() {
		bs, err := d.contacts(ctx, user)
		if err != nil {
			return nil, withCause(channel.CauseTemporaryFailure, fmt.Errorf("sip: lookup %s: %w", user, err))
		}
		if len(bs) == 0 {
			return nil, withCause(channel.CauseSubscriberAbsent, fmt.Errorf("%w: %s", ErrNotRegistered, user))
		}
		for _, b := range bs {
			var u sipmsg.Uri
			if err := sipmsg.ParseUri(b.Contact, &u); err != nil {
				continue
			}
			if usesFlow(b.Transport) && !d.flowOpen(b.Transport, b.Source) {
				// The phone can only be reached over the connection it
				// registered on, and that is gone.
				d.log.Debug("binding's connection is closed", "user", user, "contact", b.Contact, "source", b.Source)
				continue
			}
			targets = append(targets, target{
				uri:         u,
				to:          sipmsg.Uri{Scheme: "sip", User: user, Host: d.cfg.Host},
				destination: b.Source,
				transport:   strings.ToUpper(b.Transport),
			})
		}
		if len(targets) == 0 {
			return nil, withCause(channel.CauseSubscriberAbsent, fmt.Errorf("%w: %s", ErrNotRegistered, user))
		}
	} else {
		u := sipmsg.Uri{Scheme: "sip", User: ds.user, Host: ds.host, Port: ds.port}
		if strings.Contains(ds.host, ":") {
			u.Host = "[" + ds.host + "]"
		}
		tr := "UDP"
		if ds.transport == "tcp" {
			tr = "TCP"
			u.UriParams = sipmsg.HeaderParams{{K: "transport", V: "tcp"}}
		}
		to := sipmsg.Uri{Scheme: "sip", User: ds.user, Host: u.Host, Port: u.Port}
		targets = append(targets, target{uri: u, to: to, transport: tr})
	}
	caps := d.cfg.codecsOf(ep)
	offer := offerTopology(want, caps)
	c := newCall(d, false, uuid.NewString())
	c.user = user
	c.log = c.log.With("user", user)
	c.caps = caps
	c.out = &outbound{dest: ds, targets: targets, want: offer, ports: map[int]int{}}
	c.setTopology(offer)
	if !c.start() {
		return nil, channel.ErrDriverClosed
	}
	return c, nil
}

// offerTopology returns the topology to offer for want with the
// endpoint's codecs: each stream keeps want's formats the endpoint
// supports (in want's order, so no transcoding is needed when possible),
// followed by the endpoint's other formats of that type.
func offerTopology(want *topology.Topology, caps format.Caps) *topology.Topology {
	if want == nil || want.Len() == 0 {
		return topology.FromFormats(caps.Without(format.NewCaps(format.TelephoneEvent))).Freeze()
	}
	t := want.Clone()
	for _, s := range t.Streams() {
		if s.IsRemoved() {
			continue
		}
		own := caps.OfType(s.Type()).Without(format.NewCaps(format.TelephoneEvent))
		fs := s.Formats().Intersect(own).Union(own)
		s.SetFormats(fs)
		if fs.IsEmpty() {
			s.SetState(stream.Removed)
		}
	}
	return t.Freeze()
}

// Call implements [channel.Tech]: it sends the INVITEs, from "pbx", and
// returns once they are under way.
func (c *call) Call(ctx context.Context) error {
	return c.CallAs(ctx, channel.CallerID{})
}

// CallAs implements [channel.CallerIDCaller]: Call with the INVITEs' From
// presenting id (see fromHeader).
func (c *call) CallAs(ctx context.Context, id channel.CallerID) error {
	if c.inbound {
		return ErrWrongDirection
	}
	return c.ask(ctx, event{kind: evCall, ctx: ctx, caller: id})
}

// call starts one branch per target, each presenting caller.
func (c *call) call(ctx context.Context, caller channel.CallerID) error {
	o := c.out
	switch {
	case c.st.ended:
		return channel.ErrHangup
	case o.calling:
		return errors.New("sip: call already started")
	}
	o.calling = true
	o.caller = caller
	for i, t := range o.targets {
		br := &branch{n: i, t: t}
		s, err := c.newSDP(o.ports)
		if err != nil {
			continue
		}
		offer, err := s.MakeOffer(o.want)
		if err != nil {
			c.log.Warn("cannot make offer", "error", err)
			continue
		}
		br.sdp = s
		req, err := c.inviteRequest(br, offer)
		if err != nil {
			c.log.Debug("cannot build invite", "target", t.uri.String(), "error", err)
			continue
		}
		c.startBranch(br, req)
	}
	if len(o.branches) == 0 {
		c.remoteEnd(channel.CauseChannelNotAvailable)
		return withCause(channel.CauseChannelNotAvailable, fmt.Errorf("sip: call %s: no usable contact", o.dest))
	}
	return nil
}

// inviteRequest builds the INVITE of a branch.
func (c *call) inviteRequest(br *branch, offer []byte) (*sipmsg.Request, error) {
	d := c.d
	dua := d.dialogUA(br.t.transport)
	if dua == nil {
		return nil, errors.New("sip: driver is not serving")
	}
	req := sipmsg.NewRequest(sipmsg.INVITE, *br.t.uri.Clone())
	req.SetTransport(br.t.transport)
	if br.t.destination != "" {
		req.SetDestination(br.t.destination)
	}
	if la, ok := d.listenAddr(br.t.transport); ok && br.t.transport == "UDP" {
		// Send from the listening socket, so the phone sees the port it
		// registered with (and NAT bindings hold).
		req.Laddr = sipmsg.Addr{IP: net.IP(la.Addr().AsSlice()), Port: int(la.Port())}
	}
	callID := sipmsg.CallIDHeader(c.callID)
	if br.n > 0 {
		callID = sipmsg.CallIDHeader(uuid.NewString())
	}
	from := fromHeader(c.out.caller, d.cfg.Host)
	from.Params = sipmsg.HeaderParams{{K: "tag", V: sipmsg.GenerateTagN(16)}}
	to := &sipmsg.ToHeader{Address: br.t.to}
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(sipmsg.NewHeader("Allow", allowed))
	req.AppendHeader(sipmsg.NewHeader("User-Agent", d.cfg.UserAgent))
	ct := sipmsg.ContentTypeHeader("application/sdp")
	req.AppendHeader(&ct)
	req.SetBody(offer)
	return req, nil
}

// startBranch sends the INVITE and waits for its answer on a helper.
func (c *call) startBranch(br *branch, req *sipmsg.Request) {
	o := c.out
	o.branches = append(o.branches, br)
	dua := c.d.dialogUA(br.t.transport)
	ctx, cancel := context.WithCancel(c.d.ctx)
	br.cancel = cancel
	c.st.pending++
	c.wg.Go(func() {
		defer cancel()
		sess, err := dua.WriteInvite(ctx, req)
		if err == nil {
			err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sipmsg.Response) error {
				if r.IsProvisional() {
					c.post(event{kind: evBranch, br: br, res: r})
				}
				return nil
			}})
		}
		c.post(event{kind: evBranchDone, br: br, err: err, sess: sess})
	})
}

// branchResponse handles a provisional response of a branch: the first
// 180 queues Ringing, the first 183 Progress (and early media with SDP).
func (c *call) branchResponse(br *branch, res *sipmsg.Response) {
	o := c.out
	if c.st.ended || c.st.answered || o.winner != nil {
		return
	}
	switch {
	case res.StatusCode == 100:
	case res.StatusCode == 183:
		if body := res.Body(); len(body) > 0 && br.early == nil && !c.st.progress {
			// Unreliable 183: its SDP is taken as the answer (RFC 3261
			// §13.2.1 wants the 2xx to repeat it).
			if t, err := br.sdp.Answer(body); err == nil {
				br.early = body
				c.sdp = br.sdp
				c.applyMedia(br.sdp.Negotiated().Media)
				c.queueTopology(frame.TopologyChanged, c.setTopology(t))
			} else {
				c.log.Debug("bad early media answer", "error", err)
			}
		}
		if !c.st.progress {
			c.st.progress = true
			c.queueCtl(frame.NewControl(frame.Progress))
		}
	case res.StatusCode > 100 && res.StatusCode < 200:
		if !c.st.ringing {
			c.st.ringing = true
			c.queueCtl(frame.NewControl(frame.Ringing))
		}
	}
}

// branchDone handles the end of a branch's INVITE transaction: a 2xx (the
// first wins; later ones are acknowledged and hung up), or a failure.
func (c *call) branchDone(br *branch, sess *sipgo.DialogClientSession, err error) {
	o := c.out
	br.done = true
	br.sess = sess
	var res *sipmsg.Response
	if sess != nil {
		res = sess.InviteResponse
	}
	if res != nil && res.IsSuccess() {
		if o.winner != nil || c.st.ended {
			// Lost the race or already hung up: acknowledge and leave.
			c.ackAndBye(sess, channel.CauseAnsweredElsewhere)
			return
		}
		c.won(br, sess)
		return
	}
	status := 0
	var de *sipgo.ErrDialogResponse
	switch {
	case errors.As(err, &de):
		status = de.Res.StatusCode
	case res != nil && res.StatusCode >= 300:
		status = res.StatusCode
	}
	br.status = status
	if status != 0 && betterStatus(status, o.best) {
		o.best = status
	}
	if c.st.ended || o.winner != nil {
		return
	}
	for _, b := range o.branches {
		if !b.done {
			return
		}
	}
	cause := channel.CauseNoUserResponse // timeouts
	switch {
	case o.best != 0:
		cause = StatusToCause(o.best)
	case errors.Is(err, sipmsg.ErrTransactionTransport):
		cause = channel.CauseDestinationOutOfOrder
	}
	c.log.Debug("call failed", "sip_status", o.best, "cause", cause, "error", err)
	c.remoteEnd(cause)
}

// betterStatus reports whether final status a should be reported rather
// than b (RFC 3261 §16.7 step 6, simplified: 6xx first, then busy, then
// the lowest class).
func betterStatus(a, b int) bool {
	switch {
	case b == 0:
		return true
	case a >= 600 != (b >= 600):
		return a >= 600
	case (a == 486) != (b == 486):
		return a == 486
	case a == 487 || b == 487:
		return b == 487 && a != 487
	}
	return a/100 < b/100
}

// won makes br the call's dialog: apply the answer, acknowledge, report
// Answer, and cancel the other branches.
func (c *call) won(br *branch, sess *sipgo.DialogClientSession) {
	o := c.out
	o.winner, o.sess = br, sess
	res := sess.InviteResponse
	c.callID = callIDOf(res)
	if err := sess.Ack(c.d.ctx); err != nil {
		c.log.Debug("ack failed", "error", err)
	}
	c.st.answered, c.st.confirmed = true, true
	id, err := sipmsg.DialogIDFromResponse(res)
	if err == nil {
		c.d.bindDialog(id, c)
	}
	for _, b := range o.branches {
		if b != br && !b.done {
			b.cancel()
		}
	}
	c.sdp = br.sdp
	body := res.Body()
	var topo *topology.Topology
	switch {
	case br.early != nil && (len(body) == 0 || string(body) == string(br.early)):
		topo = br.sdp.Negotiated().Topology
	case len(body) == 0:
		err = errors.New("sip: 2xx without answer")
	default:
		if br.early != nil {
			c.log.Debug("2xx answer differs from the 183's; keeping the 183's")
			topo = br.sdp.Negotiated().Topology
		} else {
			topo, err = br.sdp.Answer(body)
		}
	}
	if err == nil && topo.ActiveLen() == 0 {
		err = errors.New("sip: answer removed every stream")
	}
	if err != nil {
		c.log.Warn("unusable answer: hanging up", "error", err)
		c.sendBye(channel.CauseIncompatibleDestination)
		c.remoteEnd(channel.CauseIncompatibleDestination)
		return
	}
	c.applyMedia(br.sdp.Negotiated().Media)
	c.queueTopology(frame.TopologyChanged, c.setTopology(topo))
	c.queueCtl(frame.NewControl(frame.Answer))
	c.startRTPTimer()
	c.dispatchQueued()
}

// ackAndBye acknowledges a 2xx the call does not want and ends that
// dialog (a fork that lost the race, or an answer after hang-up).
func (c *call) ackAndBye(sess *sipgo.DialogClientSession, cause channel.Cause) {
	if err := sess.Ack(c.d.ctx); err != nil {
		c.log.Debug("ack failed", "error", err)
	}
	res := sess.InviteResponse
	target := sess.InviteRequest.Recipient
	if ct := res.Contact(); ct != nil {
		target = *ct.Address.Clone()
	}
	bye := sipmsg.NewRequest(sipmsg.BYE, target)
	bye.AppendHeader(sipmsg.NewHeader("Reason", reasonHeader(cause)))
	c.st.pending++
	c.wg.Go(func() {
		ctx, cancel := context.WithTimeout(c.d.ctx, sipmsg.Timer_F)
		defer cancel()
		c.post(event{kind: evByeDone, err: sess.WriteBye(ctx, bye)})
	})
}

// hangupOutbound ends an outbound call for the core: CANCEL the branches
// still ringing, BYE the answered dialog.
func (c *call) hangupOutbound(cause channel.Cause) {
	o := c.out
	if o.winner != nil {
		c.sendBye(cause)
		return
	}
	for _, b := range o.branches {
		if !b.done {
			b.cancel() // sipgo sends CANCEL once a provisional came
		}
	}
}
