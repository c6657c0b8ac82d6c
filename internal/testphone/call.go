package testphone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// callState is where a call is in its INVITE and dialog lifecycle.
type callState int

const (
	stateUnknown   callState = iota
	stateCalling             // outbound: INVITE sent, no provisional with a tag yet
	stateEarly               // outbound: early dialog; inbound: INVITE not answered yet
	stateAnswered            // 2xx sent or received, ACK outstanding
	stateConfirmed           // ACK sent or received
	stateEnded
)

// Response is a response to the call's INVITE, as received.
type Response struct {
	Code   int
	Reason string
	SDP    string // body, if any
}

// Info is an INFO request received within a call (RFC 6086), for
// example an RFC 5168 picture_fast_update.
type Info struct {
	ContentType string
	Body        string
}

// PictureFastUpdate reports whether the INFO asks for a video key frame
// (RFC 5168 media control).
func (i Info) PictureFastUpdate() bool {
	return strings.HasPrefix(strings.ToLower(i.ContentType), "application/media_control+xml") &&
		strings.Contains(i.Body, "picture_fast_update")
}

// uasCmd asks an inbound call's INVITE handler goroutine to respond.
type uasCmd struct {
	code   int
	body   []byte
	result chan error
}

// pendingOffer is an offer this phone sent that awaits its answer.
type pendingOffer struct {
	specs   []StreamSpec
	lines   []mediaLine
	added   []*Media // Media for m-lines the offer adds
	body    []byte
	applied bool // the answer (or an early answer) was applied
}

// nameAddr is one end of a dialog: display name and URI.
type nameAddr struct {
	name string
	uri  sip.Uri
}

// Call is one call (a SIP dialog and its media). Outbound calls come from
// [Phone.Invite] or [Phone.Dial], inbound ones from [Phone.Incoming].
//
// Goroutines: an outbound call has one goroutine running its INVITE
// transaction until the final response; an inbound call is served by the
// sipgo goroutine that delivered the INVITE, which stays until the ACK for
// the 2xx (or the non-2xx response). Both stop when the call ends.
type Call struct {
	p        *Phone
	log      *slog.Logger
	outbound bool

	// ctx is the call's lifetime, cancelled with the end reason.
	ctx       context.Context
	cancel    context.CancelCauseFunc
	answered  chan struct{} // closed on 2xx sent or received
	confirmed chan struct{} // closed on ACK sent or received
	cancelReq chan struct{} // outbound: hang-up requested before the answer
	cancelOne sync.Once
	cmds      chan uasCmd   // inbound: responses for the INVITE handler to send
	uasDone   chan struct{} // inbound: the INVITE handler has returned
	reqMu     sync.Mutex    // serialises this phone's in-dialog requests

	mu             sync.Mutex // guards the fields below; taken before Media.mu
	state          callState
	callID         string
	localTag       string
	remoteTag      string
	local, remote  nameAddr
	localCSeq      uint32
	remoteCSeq     uint32
	haveRemoteCSeq bool
	remoteTarget   sip.Uri
	routeSet       []string
	invite         *sip.Request // outbound: latest INVITE sent; inbound: INVITE received, with our To tag
	inviteTx       sip.ClientTransaction
	headers        interface{ GetHeader(string) sip.Header } // inbound: the INVITE; outbound: the final response
	responses      []Response
	provisional    bool
	media          []*Media
	prefs          []StreamSpec // outbound without SDP: preferences for answering the 2xx offer
	offer          []byte       // inbound: offer in the INVITE
	earlyAnswer    []byte       // inbound: answer sent in a 183, repeated in the 2xx
	pending        *pendingOffer
	sessID         uint64
	sessVer        uint64
	lastBody       string
	localSDP       string
	remoteSDP      string
	lastOffer      string
	lastAnswer     string
	negotiations   int
	offering       bool                   // our re-INVITE is outstanding (glare → 491)
	acks           map[uint32]chan []byte // ACK body by CSeq, for 2xx this phone sent
	lastAck        *sip.Request           // ACK to our latest 2xx-answered INVITE
	infos          []Info                 // INFO requests received, in order
	notify         chan struct{}          // closed and replaced on every change
}

func (p *Phone) newCall(outbound bool) *Call {
	ctx, cancel := context.WithCancelCause(context.Background())
	c := &Call{
		p:         p,
		outbound:  outbound,
		ctx:       ctx,
		cancel:    cancel,
		answered:  make(chan struct{}),
		confirmed: make(chan struct{}),
		cancelReq: make(chan struct{}),
		cmds:      make(chan uasCmd),
		uasDone:   make(chan struct{}),
		localTag:  sip.GenerateTagN(16),
		sessID:    rand.Uint64N(1 << 62),
		sessVer:   1,
		acks:      map[uint32]chan []byte{},
		notify:    make(chan struct{}),
	}
	return c
}

func (c *Call) notifyLocked() {
	close(c.notify)
	c.notify = make(chan struct{})
}

// startCall builds and sends the initial INVITE of an outbound call.
func (p *Phone) startCall(ctx context.Context, uri sip.Uri, dest string, opts DialOptions) (*Call, sip.ClientTransaction, error) {
	c := p.newCall(true)
	c.callID = sip.GenerateTagN(24)
	c.log = p.log.With("call_id", c.callID)
	c.local = nameAddr{name: p.cfg.DisplayName, uri: p.aor()}
	c.remote = nameAddr{uri: sip.Uri{Scheme: uri.Scheme, User: uri.User, Host: uri.Host, Port: uri.Port}}
	c.remoteTarget = uri
	c.localCSeq = 1
	c.state = stateCalling

	specs := opts.Streams
	if len(specs) == 0 {
		specs = []StreamSpec{Audio()}
	}
	c.mu.Lock()
	var body []byte
	if opts.NoSDP {
		c.prefs = specs
	} else {
		po, err := c.buildOfferLocked(specs)
		if err != nil {
			c.mu.Unlock()
			return nil, nil, err
		}
		c.pending = po
		c.offerSentLocked(po)
		body = po.body
	}
	req := c.dialogRequestLocked(sip.INVITE, c.localCSeq)
	c.mu.Unlock()
	req.AppendHeader(sip.NewHeader("Allow", allowHeader))
	for _, h := range opts.Headers {
		req.AppendHeader(sip.NewHeader(h.Name, h.Value))
	}
	setBody(req, body)
	if dest != "" {
		req.SetDestination(dest)
	}
	c.invite = req

	if !p.addCall(c, false) {
		c.end(ErrClosed)
		return nil, nil, ErrClosed
	}
	tx, err := p.cli.TransactionRequest(ctx, req)
	if err != nil {
		c.end(err)
		return nil, nil, fmt.Errorf("testphone: invite %s: %w", uri.String(), err)
	}
	c.mu.Lock()
	c.inviteTx = tx
	c.mu.Unlock()
	c.log.Debug("invite sent", "target", uri.String())
	return c, tx, nil
}

// setBody sets an SDP body (or none) with its Content-Type.
func setBody(m interface {
	RemoveHeader(name string) bool
	AppendHeader(h sip.Header)
	SetBody(body []byte)
}, body []byte) {
	if len(body) > 0 {
		m.RemoveHeader("Content-Type")
		m.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		m.SetBody(body)
		return
	}
	m.SetBody(nil)
}

// dialogRequestLocked builds a request within the dialog (RFC 3261
// §12.2.1.1): Request-URI is the remote target, Route is the route set,
// From/To carry the dialog tags. Via is added when it is sent.
func (c *Call) dialogRequestLocked(method sip.RequestMethod, cseq uint32) *sip.Request {
	req := sip.NewRequest(method, *c.remoteTarget.Clone())
	from := &sip.FromHeader{DisplayName: c.local.name, Address: *c.local.uri.Clone(), Params: sip.NewParams()}
	from.Params.Add("tag", c.localTag)
	to := &sip.ToHeader{DisplayName: c.remote.name, Address: *c.remote.uri.Clone(), Params: sip.NewParams()}
	if c.remoteTag != "" {
		to.Params.Add("tag", c.remoteTag)
	}
	callID := sip.CallIDHeader(c.callID)
	maxFwd := sip.MaxForwardsHeader(70)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: cseq, MethodName: method})
	req.AppendHeader(&maxFwd)
	for _, r := range c.routeSet {
		req.AppendHeader(sip.NewHeader("Route", r))
	}
	req.AppendHeader(c.p.contact())
	req.AppendHeader(sip.NewHeader("User-Agent", userAgent))
	req.SetTransport(c.p.transport)
	req.SetBody(nil)
	return req
}

// splitRoutes splits header values that may hold several comma-separated
// name-addrs (Record-Route) into single values.
func splitRoutes(values []string) []string {
	var out []string
	for _, v := range values {
		depth, start := 0, 0
		for i, r := range v {
			switch r {
			case '<':
				depth++
			case '>':
				depth--
			case ',':
				if depth == 0 {
					out = append(out, strings.TrimSpace(v[start:i]))
					start = i + 1
				}
			}
		}
		if s := strings.TrimSpace(v[start:]); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func headerValues(m sip.Message, name string) []string {
	var vs []string
	for _, h := range m.GetHeaders(name) {
		vs = append(vs, h.Value())
	}
	return vs
}

// marshalLocked writes an SDP body for lines. The origin version goes up
// by one whenever the body differs from the previous one this phone sent
// for the call, and stays when it does not (RFC 3264 §8).
func (c *Call) marshalLocked(lines []mediaLine) []byte {
	body := marshalSDP(c.sessID, c.sessVer, c.p.ip, lines)
	if c.lastBody != "" && string(body) != c.lastBody {
		c.sessVer++
		body = marshalSDP(c.sessID, c.sessVer, c.p.ip, lines)
	}
	c.lastBody = string(body)
	return body
}

// mediaAt returns the Media for m-line i of an offer: an existing one or
// one the offer adds.
func (c *Call) mediaAt(po *pendingOffer, i int) *Media {
	if i < len(c.media) {
		return c.media[i]
	}
	return po.added[i-len(c.media)]
}

// buildOfferLocked builds an offer with one m-line per spec; an empty
// specs re-offers the current streams unchanged. m-lines cannot be
// removed (use Disabled) nor change media type.
func (c *Call) buildOfferLocked(specs []StreamSpec) (*pendingOffer, error) {
	if len(specs) == 0 {
		for _, m := range c.media {
			specs = append(specs, c.reofferSpec(m))
		}
	}
	if len(specs) < len(c.media) {
		return nil, fmt.Errorf("testphone: offer has %d m-lines, the session has %d (disable streams instead of removing them)", len(specs), len(c.media))
	}
	po := &pendingOffer{specs: specs}
	fail := func(err error) (*pendingOffer, error) {
		for _, m := range po.added {
			m.close()
		}
		return nil, err
	}
	for i, spec := range specs {
		var m *Media
		if i < len(c.media) {
			m = c.media[i]
			if m.kind == KindUnknown {
				// An m-line of a type the phone does not speak stays rejected.
				l := m.localLine()
				l.port = 0
				po.lines = append(po.lines, l)
				continue
			}
			if spec.kind() != m.kind {
				return fail(fmt.Errorf("testphone: m-line %d is %s, cannot offer %s", i, m.kind, spec.kind()))
			}
		} else {
			m = newMedia(i, spec.kind(), c.p.ip, c.log)
			po.added = append(po.added, m)
		}
		port := 0
		if !spec.Disabled {
			var err error
			if port, err = m.ensureSocket(); err != nil {
				return fail(err)
			}
		}
		l, err := offerLine(spec, port)
		if err != nil {
			return fail(err)
		}
		po.lines = append(po.lines, l)
	}
	po.body = c.marshalLocked(po.lines)
	return po, nil
}

// reofferSpec returns the spec that re-offers m as it stands.
func (c *Call) reofferSpec(m *Media) StreamSpec {
	spec := m.preference()
	spec.Kind = m.kind
	if l := m.localLine(); l.port == 0 {
		spec.Disabled = true
	}
	return spec
}

// offerSentLocked records that po was sent.
func (c *Call) offerSentLocked(po *pendingOffer) {
	c.localSDP = string(po.body)
	c.lastOffer = string(po.body)
	c.lastAnswer = ""
	for i, l := range po.lines {
		c.mediaAt(po, i).expect(l)
	}
	c.notifyLocked()
}

// discardLocked forgets an offer whose answer never came.
func (c *Call) discardLocked(po *pendingOffer) {
	if c.pending == po {
		c.pending = nil
	}
	if !po.applied {
		for _, m := range po.added {
			m.close()
		}
	}
}

// applyAnswerLocked applies the answer to po (RFC 3264 §6: same number of
// m-lines, same media types, in order).
func (c *Call) applyAnswerLocked(po *pendingOffer, body []byte) error {
	if len(body) == 0 {
		return fmt.Errorf("%w: no answer", ErrBadSDP)
	}
	lines, err := parseSDP(body)
	if err != nil {
		return err
	}
	if len(lines) != len(po.lines) {
		return fmt.Errorf("%w: answer has %d m-lines, offer had %d", ErrBadSDP, len(lines), len(po.lines))
	}
	for i := range lines {
		if lines[i].media != po.lines[i].media {
			return fmt.Errorf("%w: answer m-line %d is %s, offer had %s", ErrBadSDP, i, lines[i].media, po.lines[i].media)
		}
	}
	if !po.applied {
		c.media = append(c.media, po.added...)
		po.applied = true
		c.negotiations++
	}
	for i, l := range po.lines {
		c.media[i].commit(po.specs[i], l, lines[i])
	}
	c.remoteSDP = string(body)
	c.lastAnswer = string(body)
	c.notifyLocked()
	return nil
}

// answerOfferLocked answers an offer from the far end, creating Media for
// new m-lines. specs[i], when present, is the preference for m-line i;
// otherwise the m-line's previous preference applies. With requireOne, an
// offer with no acceptable stream is an error (the caller answers 488).
func (c *Call) answerOfferLocked(body []byte, specs []StreamSpec, requireOne bool) ([]byte, error) {
	lines, err := parseSDP(body)
	if err != nil {
		return nil, err
	}
	if len(lines) < len(c.media) {
		return nil, fmt.Errorf("%w: offer has %d m-lines, the session has %d", ErrBadSDP, len(lines), len(c.media))
	}
	answers := make([]mediaLine, len(lines))
	prefs := make([]StreamSpec, len(lines))
	var created []*Media
	accepted := 0
	for i, ol := range lines {
		var spec StreamSpec
		switch {
		case i < len(specs):
			spec = specs[i]
		case i < len(c.media):
			spec = c.media[i].preference()
		}
		var m *Media
		if i < len(c.media) && c.media[i].kind == ol.kind() {
			m = c.media[i]
		} else {
			m = newMedia(i, ol.kind(), c.p.ip, c.log)
			created = append(created, m)
		}
		ans, ok := answerLine(ol, spec, 0)
		if ok {
			port, err := m.ensureSocket()
			if err != nil {
				for _, m := range created {
					m.close()
				}
				return nil, err
			}
			ans.port = port
			accepted++
		}
		answers[i] = ans
		if spec.Kind == KindUnknown {
			spec.Kind = ol.kind()
		}
		prefs[i] = spec
	}
	if requireOne && accepted == 0 {
		for _, m := range created {
			m.close()
		}
		return nil, fmt.Errorf("%w: no acceptable stream in the offer", ErrBadSDP)
	}
	var replaced []*Media
	for _, m := range created {
		if m.index < len(c.media) {
			replaced = append(replaced, c.media[m.index])
			c.media[m.index] = m
		} else {
			c.media = append(c.media, m)
		}
	}
	for _, m := range replaced {
		m.close()
	}
	for i := range lines {
		c.media[i].commit(prefs[i], answers[i], lines[i])
	}
	out := c.marshalLocked(answers)
	c.remoteSDP = string(body)
	c.localSDP = string(out)
	c.lastOffer = string(body)
	c.lastAnswer = string(out)
	c.negotiations++
	c.notifyLocked()
	return out, nil
}

// end ends the call with cause (idempotent): it closes the media and
// forgets the dialog. It sends nothing.
func (c *Call) end(cause error) {
	c.mu.Lock()
	if c.state == stateEnded {
		c.mu.Unlock()
		return
	}
	c.state = stateEnded
	media := slices.Clone(c.media)
	if po := c.pending; po != nil && !po.applied {
		media = append(media, po.added...)
	}
	tx := c.inviteTx
	c.notifyLocked()
	c.mu.Unlock()
	c.cancel(cause)
	c.p.removeCall(c)
	for _, m := range media {
		m.close()
	}
	if tx != nil {
		tx.Terminate()
	}
	c.log.Debug("call ended", "cause", cause)
}

// runUAC is the outbound call's goroutine: it reads the INVITE's
// responses until the final one, answers digest challenges, sends CANCEL
// when a hang-up is requested before the answer, and ACKs the 2xx.
func (c *Call) runUAC(tx sip.ClientTransaction) {
	p := c.p
	req := c.invite
	cancelReq := c.cancelReq
	cancelling := false
	var cancelTx sip.ClientTransaction
	var cancelResponses <-chan *sip.Response
	defer func() {
		if cancelTx != nil {
			cancelTx.Terminate()
		}
	}()
	cancelSent := false
	sendCancel := func() {
		cancelSent = true
		var err error
		cancelTx, err = p.cli.TransactionRequest(context.Background(), cancelFor(req))
		if err != nil {
			c.log.Warn("cancel failed", "error", err)
			cancelTx = nil
			return
		}
		cancelResponses = cancelTx.Responses()
	}
	authTries := 0
	for {
		select {
		case res := <-tx.Responses():
			switch {
			case res.IsProvisional():
				c.onProvisional(res)
				if cancelling && !cancelSent {
					sendCancel()
				}
			case res.IsSuccess():
				c.onAnswer(tx, req, res)
				if cancelling {
					// The 2xx crossed our CANCEL: the call exists, so end it
					// with BYE (RFC 3261 §9.1).
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					if err := c.bye(ctx); err != nil {
						c.log.Debug("bye after cancel", "error", err)
					}
					cancel()
				}
				return
			case p.challenged(res) && authTries < 2 && !cancelling:
				authTries++
				c.recordResponse(res)
				tx.Terminate()
				next := req.Clone()
				ntx, err := p.cli.TransactionDigestAuth(context.Background(), next, res, p.digest())
				if err != nil {
					c.end(fmt.Errorf("testphone: invite auth: %w", err))
					return
				}
				req, tx = next, ntx
				c.mu.Lock()
				c.invite, c.inviteTx = req, tx
				c.localCSeq = req.CSeq().SeqNo
				c.mu.Unlock()
			default:
				c.recordResponse(res)
				c.mu.Lock()
				c.headers = res
				c.mu.Unlock()
				if cancelling && res.StatusCode == sip.StatusRequestTerminated {
					c.end(ErrLocalHangup)
				} else {
					c.end(&StatusError{Code: res.StatusCode, Reason: res.Reason})
				}
				return
			}
		case <-cancelReq:
			cancelReq = nil
			cancelling = true
			c.mu.Lock()
			got := c.provisional
			c.mu.Unlock()
			if got {
				sendCancel() // else wait for a provisional response (RFC 3261 §9.1)
			}
		case res := <-cancelResponses:
			if !res.IsProvisional() {
				cancelTx.Terminate()
				cancelTx, cancelResponses = nil, nil
			}
		case <-tx.Done():
			err := tx.Err()
			if err == nil {
				err = sip.ErrTransactionTerminated
			}
			c.end(fmt.Errorf("testphone: INVITE transaction: %w", err))
			return
		case <-c.ctx.Done():
			return
		}
	}
}

// cancelFor builds the CANCEL for an INVITE (RFC 3261 §9.1): same
// Request-URI, top Via, Call-ID, From, To, Route and CSeq number.
func cancelFor(inv *sip.Request) *sip.Request {
	req := sip.NewRequest(sip.CANCEL, *inv.Recipient.Clone())
	req.AppendHeader(sip.HeaderClone(inv.Via()))
	req.AppendHeader(sip.HeaderClone(inv.From()))
	req.AppendHeader(sip.HeaderClone(inv.To()))
	req.AppendHeader(sip.HeaderClone(inv.CallID()))
	req.AppendHeader(&sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sip.CANCEL})
	maxFwd := sip.MaxForwardsHeader(70)
	req.AppendHeader(&maxFwd)
	sip.CopyHeaders("Route", inv, req)
	req.SetTransport(inv.Transport())
	req.SetDestination(inv.Destination())
	req.Laddr = inv.Laddr
	req.SetBody(nil)
	return req
}

func (c *Call) recordResponse(res *sip.Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.responses = append(c.responses, Response{Code: res.StatusCode, Reason: res.Reason, SDP: string(res.Body())})
	c.notifyLocked()
}

// onProvisional handles a 1xx to the INVITE: a tagged one creates the
// early dialog, and one with SDP is applied as an early answer so early
// media flows (RFC 3960 gateway model).
func (c *Call) onProvisional(res *sip.Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.responses = append(c.responses, Response{Code: res.StatusCode, Reason: res.Reason, SDP: string(res.Body())})
	c.provisional = true
	if tag, ok := res.To().Params.Get("tag"); ok && tag != "" && res.StatusCode > 100 && c.state == stateCalling {
		c.state = stateEarly
		c.remoteTag = tag
		c.dialogFromResponseLocked(res)
	}
	if body := res.Body(); len(body) > 0 && c.pending != nil {
		if err := c.applyAnswerLocked(c.pending, body); err != nil {
			c.log.Warn("bad early answer", "sip_status", res.StatusCode, "error", err)
		}
	}
	c.notifyLocked()
}

// dialogFromResponseLocked takes the remote target and route set from a
// response that creates a dialog (RFC 3261 §12.1.2).
func (c *Call) dialogFromResponseLocked(res *sip.Response) {
	if ct := res.Contact(); ct != nil {
		c.remoteTarget = ct.Address
	}
	rr := splitRoutes(headerValues(res, "Record-Route"))
	slices.Reverse(rr)
	c.routeSet = rr
}

// onAnswer handles the 2xx to the initial INVITE: it completes the
// dialog, applies the answer (or answers a delayed offer), sends the ACK
// and re-sends it for retransmitted 2xx.
func (c *Call) onAnswer(tx sip.ClientTransaction, req *sip.Request, res *sip.Response) {
	c.mu.Lock()
	if c.state == stateEnded {
		c.mu.Unlock()
		return
	}
	c.responses = append(c.responses, Response{Code: res.StatusCode, Reason: res.Reason, SDP: string(res.Body())})
	c.headers = res
	c.remoteTag, _ = res.To().Params.Get("tag")
	c.dialogFromResponseLocked(res)
	c.state = stateAnswered
	var sdpErr error
	var ackBody []byte
	if po := c.pending; po != nil {
		body := res.Body()
		if len(body) == 0 && po.applied {
			body = []byte(c.remoteSDP) // answer already came in a reliable 1xx
		}
		sdpErr = c.applyAnswerLocked(po, body)
		if sdpErr != nil {
			c.discardLocked(po)
		}
		c.pending = nil
	} else {
		ackBody, sdpErr = c.answerOfferLocked(res.Body(), c.prefs, true)
	}
	ack := c.dialogRequestLocked(sip.ACK, req.CSeq().SeqNo)
	setBody(ack, ackBody)
	c.notifyLocked()
	c.mu.Unlock()
	c.sendAck(ack, tx)
	c.mu.Lock()
	if c.state == stateAnswered {
		c.state = stateConfirmed
	}
	c.mu.Unlock()
	close(c.answered)
	close(c.confirmed)
	c.log.Debug("call answered")
	if sdpErr != nil {
		c.log.Warn("bad answer, hanging up", "error", sdpErr)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.byeWith(ctx, sdpErr)
	}
}

// resendAck re-sends the ACK for cseq if it is the latest one sent.
func (c *Call) resendAck(cseq uint32) {
	c.mu.Lock()
	ack := c.lastAck
	c.mu.Unlock()
	if ack != nil && ack.CSeq().SeqNo == cseq {
		_ = c.p.cli.WriteRequest(ack.Clone())
	}
}

// acceptInvite runs on the sipgo goroutine of a new INVITE: it creates the
// inbound call, queues it on Incoming and serves its INVITE transaction.
func (p *Phone) acceptInvite(req *sip.Request, tx sip.ServerTransaction) {
	from, to, callID, cseq, contact := req.From(), req.To(), req.CallID(), req.CSeq(), req.Contact()
	if from == nil || to == nil || callID == nil || cseq == nil || contact == nil {
		p.respond(tx, req, 400)
		return
	}
	c := p.newCall(false)
	c.callID = callID.Value()
	c.log = p.log.With("call_id", c.callID)
	c.remoteTag, _ = from.Params.Get("tag")
	c.remote = nameAddr{name: from.DisplayName, uri: from.Address}
	c.local = nameAddr{name: to.DisplayName, uri: to.Address}
	c.remoteCSeq, c.haveRemoteCSeq = cseq.SeqNo, true
	c.localCSeq = rand.Uint32N(1 << 15)
	c.remoteTarget = contact.Address
	c.routeSet = splitRoutes(headerValues(req, "Record-Route"))
	c.state = stateEarly
	c.headers = req
	inv := req.Clone()
	inv.To().Params.Add("tag", c.localTag)
	c.invite = inv
	if body := req.Body(); len(body) > 0 {
		if _, err := parseSDP(body); err != nil {
			p.respond(tx, req, 488)
			return
		}
		c.offer = body
		c.remoteSDP = string(body)
		c.lastOffer = string(body)
	}
	if !tx.OnCancel(func(*sip.Request) { c.end(ErrCanceled) }) {
		return // cancelled already
	}
	if !p.addCall(c, true) {
		p.respond(tx, req, 486)
		return
	}
	c.log.Debug("incoming call", "from", from.Address.String())
	c.serveUAS(tx)
}

// serveUAS owns an inbound call's INVITE server transaction until the
// final response (and, for a 2xx, its ACK).
func (c *Call) serveUAS(tx sip.ServerTransaction) {
	defer close(c.uasDone)
	for {
		select {
		case cmd := <-c.cmds:
			res := c.inviteResponse(cmd.code, cmd.body)
			var ack chan []byte
			if cmd.code >= 200 && cmd.code < 300 {
				ack = c.expectAck(c.invite.CSeq().SeqNo)
			}
			err := tx.Respond(res)
			cmd.result <- err
			switch {
			case err != nil && cmd.code >= 200:
				c.end(fmt.Errorf("testphone: respond %d: %w", cmd.code, err))
				return
			case err != nil:
			case cmd.code >= 300:
				c.end(ErrLocalHangup)
				return
			case cmd.code >= 200:
				c.mu.Lock()
				c.state = stateAnswered
				c.notifyLocked()
				c.mu.Unlock()
				close(c.answered)
				if c.awaitAck(tx, res, ack) {
					close(c.confirmed)
				}
				return
			}
		case <-c.ctx.Done():
			// Ended before the final response: by CANCEL (the transaction
			// already sent 487), an early BYE, or Close.
			if !errors.Is(context.Cause(c.ctx), ErrCanceled) {
				_ = tx.Respond(c.inviteResponse(sip.StatusRequestTerminated, nil))
			}
			return
		case <-tx.Done():
			err := tx.Err()
			if errors.Is(err, sip.ErrTransactionCanceled) {
				c.end(ErrCanceled)
			} else {
				c.end(fmt.Errorf("testphone: INVITE transaction: %w", err))
			}
			return
		}
	}
}

// inviteResponse builds a response to the inbound INVITE.
func (c *Call) inviteResponse(code int, body []byte) *sip.Response {
	res := sip.NewResponseFromRequest(c.invite, code, reasonPhrase(code), nil)
	if code > 100 && code < 300 {
		res.AppendHeader(c.p.contact())
	}
	if code >= 200 && code < 300 {
		res.AppendHeader(sip.NewHeader("Allow", allowHeader))
	}
	res.AppendHeader(sip.NewHeader("User-Agent", userAgent))
	setBody(res, body)
	return res
}

// expectAck registers interest in the ACK for the 2xx to the INVITE with
// cseq.
func (c *Call) expectAck(cseq uint32) chan []byte {
	ch := make(chan []byte, 1)
	c.mu.Lock()
	c.acks[cseq] = ch
	c.mu.Unlock()
	return ch
}

// handleAck delivers an ACK for a 2xx to whoever awaits it.
func (c *Call) handleAck(req *sip.Request) {
	cseq := req.CSeq()
	if cseq == nil {
		return
	}
	c.mu.Lock()
	ch := c.acks[cseq.SeqNo]
	delete(c.acks, cseq.SeqNo)
	c.mu.Unlock()
	if ch != nil {
		ch <- req.Body()
	}
}

// awaitAck retransmits the 2xx res until its ACK arrives (RFC 3261
// §13.3.1.4: T1 doubling to T2, for 64·T1), applies an answer carried by
// the ACK, and hangs up if none comes. It reports whether the ACK came.
func (c *Call) awaitAck(tx sip.ServerTransaction, res *sip.Response, ack chan []byte) bool {
	interval := sip.T1
	retransmit := time.NewTimer(interval)
	defer retransmit.Stop()
	giveUp := time.NewTimer(64 * sip.T1)
	defer giveUp.Stop()
	cseq := res.CSeq().SeqNo
	for {
		var body []byte
		select {
		case body = <-ack:
		case r := <-tx.Acks(): // an ACK that matched the transaction
			body = r.Body()
		case <-retransmit.C:
			if err := tx.Respond(res); err != nil {
				c.log.Debug("2xx retransmission failed", "error", err)
			}
			interval = min(2*interval, sip.T2)
			retransmit.Reset(interval)
			continue
		case <-giveUp.C:
			c.mu.Lock()
			delete(c.acks, cseq)
			c.mu.Unlock()
			c.log.Warn("no ACK for 2xx, hanging up")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = c.byeWith(ctx, ErrNoACK)
			return false
		case <-c.ctx.Done():
			return false
		}
		c.mu.Lock()
		if c.state == stateAnswered {
			c.state = stateConfirmed
		}
		if po := c.pending; po != nil {
			c.pending = nil
			if err := c.applyAnswerLocked(po, body); err != nil {
				c.log.Warn("bad answer in ACK", "error", err)
				c.discardLocked(po)
			}
		}
		c.notifyLocked()
		c.mu.Unlock()
		return true
	}
}

// handleReInvite answers a re-INVITE from the far end (RFC 3261 §14.2),
// on the sipgo goroutine that delivered it.
func (c *Call) handleReInvite(req *sip.Request, tx sip.ServerTransaction) {
	respond := func(code int, hdrs ...sip.Header) { c.p.respond(tx, req, code, hdrs...) }
	c.mu.Lock()
	switch {
	case c.state == stateEnded:
		c.mu.Unlock()
		respond(481)
		return
	case !c.checkCSeqLocked(req):
		c.mu.Unlock()
		respond(500)
		return
	case c.state < stateAnswered:
		c.mu.Unlock()
		respond(500, sip.NewHeader("Retry-After", "1"))
		return
	case c.offering || c.pending != nil:
		// Glare with our re-INVITE, or our offer in a 2xx still awaits its
		// answer in the ACK (RFC 3261 §14.2).
		c.mu.Unlock()
		respond(491)
		return
	}
	if ct := req.Contact(); ct != nil {
		c.remoteTarget = ct.Address // target refresh
	}
	var body []byte
	var err error
	if offer := req.Body(); len(offer) > 0 {
		body, err = c.answerOfferLocked(offer, nil, false)
	} else {
		var po *pendingOffer
		if po, err = c.buildOfferLocked(nil); err == nil {
			c.pending = po
			c.offerSentLocked(po)
			body = po.body
		}
	}
	if err != nil {
		c.mu.Unlock()
		c.log.Warn("re-INVITE rejected", "error", err)
		respond(488)
		return
	}
	c.mu.Unlock()

	res := sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil)
	res.AppendHeader(c.p.contact())
	res.AppendHeader(sip.NewHeader("Allow", allowHeader))
	res.AppendHeader(sip.NewHeader("User-Agent", userAgent))
	setBody(res, body)
	ack := c.expectAck(req.CSeq().SeqNo)
	if err := tx.Respond(res); err != nil {
		c.log.Warn("re-INVITE response failed", "error", err)
		return
	}
	c.awaitAck(tx, res, ack)
}

// checkCSeqLocked enforces increasing CSeq numbers on requests from the
// far end within the dialog (RFC 3261 §12.2.2).
func (c *Call) checkCSeqLocked(req *sip.Request) bool {
	n := req.CSeq().SeqNo
	if c.haveRemoteCSeq && n <= c.remoteCSeq {
		return false
	}
	c.remoteCSeq, c.haveRemoteCSeq = n, true
	return true
}

// handleInfo records an INFO and answers it 200. Unlike BYE and
// re-INVITE, an INFO with a CSeq lower than the last is accepted: a UA
// sends INFOs on transactions of their own that may overtake each other
// (sipgo absorbs retransmissions before they get here).
func (c *Call) handleInfo(req *sip.Request, tx sip.ServerTransaction) {
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	c.mu.Lock()
	if n := req.CSeq().SeqNo; !c.haveRemoteCSeq || n > c.remoteCSeq {
		c.remoteCSeq, c.haveRemoteCSeq = n, true
	}
	c.infos = append(c.infos, Info{ContentType: ct, Body: string(req.Body())})
	c.notifyLocked()
	c.mu.Unlock()
	c.p.respond(tx, req, 200)
}

// Infos returns the INFO requests received within the call so far, in
// order.
func (c *Call) Infos() []Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.infos)
}

// WaitInfo waits until an INFO satisfying ok has been received (INFOs
// already received count) and returns it. ok must not call methods of
// the call.
func (c *Call) WaitInfo(ctx context.Context, ok func(Info) bool) (Info, error) {
	got, err := c.WaitInfos(ctx, 1, ok)
	if err != nil {
		return Info{}, err
	}
	return got[0], nil
}

// WaitInfos waits until at least n INFOs satisfying ok have been received
// (INFOs already received count) and returns all of those received so
// far. ok must not call methods of the call.
func (c *Call) WaitInfos(ctx context.Context, n int, ok func(Info) bool) ([]Info, error) {
	var got []Info
	err := c.waitCall(ctx, func() bool {
		got = got[:0]
		for _, i := range c.infos {
			if ok(i) {
				got = append(got, i)
			}
		}
		return len(got) >= n
	})
	if err != nil {
		return nil, fmt.Errorf("testphone: waiting for %d INFOs: %w", n, err)
	}
	return got, nil
}

// SendInfo sends an INFO with body of contentType within the call and
// waits for the response; a non-2xx is a [*StatusError].
func (c *Call) SendInfo(ctx context.Context, contentType, body string) error {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	c.mu.Lock()
	switch c.state {
	case stateAnswered, stateConfirmed:
	case stateEnded:
		c.mu.Unlock()
		return ErrCallEnded
	default:
		c.mu.Unlock()
		return fmt.Errorf("testphone: info: %w", ErrState)
	}
	c.localCSeq++
	req := c.dialogRequestLocked(sip.INFO, c.localCSeq)
	c.mu.Unlock()
	req.AppendHeader(sip.NewHeader("Content-Type", contentType))
	req.SetBody([]byte(body))
	res, err := c.p.do(ctx, req)
	if err != nil {
		return fmt.Errorf("testphone: info: %w", err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("testphone: info: %w", &StatusError{Code: res.StatusCode, Reason: res.Reason})
	}
	return nil
}

// handleBye answers a BYE and ends the call.
func (c *Call) handleBye(req *sip.Request, tx sip.ServerTransaction) {
	c.mu.Lock()
	ok := c.checkCSeqLocked(req)
	c.mu.Unlock()
	if !ok {
		c.p.respond(tx, req, 500)
		return
	}
	c.p.respond(tx, req, 200)
	c.end(ErrRemoteHangup)
}

// command hands a response to the inbound call's INVITE handler and waits
// until it was sent.
func (c *Call) command(ctx context.Context, code int, body []byte) error {
	cmd := uasCmd{code: code, body: body, result: make(chan error, 1)}
	select {
	case c.cmds <- cmd:
	case <-c.uasDone:
		return ErrState
	case <-c.ctx.Done():
		return c.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-cmd.result:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// inbound checks that c is an inbound call still waiting for its final
// response.
func (c *Call) inboundLocked() error {
	switch {
	case c.outbound:
		return fmt.Errorf("%w: outbound call", ErrState)
	case c.state == stateEnded:
		return ErrCallEnded
	case c.state != stateEarly:
		return fmt.Errorf("%w: already answered", ErrState)
	}
	return nil
}

// Ringing sends 180 Ringing for an inbound call.
func (c *Call) Ringing(ctx context.Context) error {
	c.mu.Lock()
	err := c.inboundLocked()
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.command(ctx, 180, nil)
}

// answerBodyLocked returns the SDP for the inbound call's 183 or 2xx: the
// answer to the INVITE's offer (kept from an earlier 183), or an offer
// when the INVITE had none.
func (c *Call) answerBodyLocked(specs []StreamSpec) ([]byte, error) {
	switch {
	case c.earlyAnswer != nil:
		return c.earlyAnswer, nil
	case c.offer != nil:
		return c.answerOfferLocked(c.offer, specs, true)
	case c.pending != nil:
		return c.pending.body, nil
	}
	if len(specs) == 0 {
		specs = []StreamSpec{Audio()}
	}
	po, err := c.buildOfferLocked(specs)
	if err != nil {
		return nil, err
	}
	c.pending = po
	c.offerSentLocked(po)
	return po.body, nil
}

// EarlyMedia sends 183 Session Progress with the SDP answer for an inbound
// call, so media flows before the answer. specs[i] is the preference for
// offered m-line i (see [Call.Answer]); the later 2xx repeats this answer.
func (c *Call) EarlyMedia(ctx context.Context, specs ...StreamSpec) error {
	c.mu.Lock()
	err := c.inboundLocked()
	var body []byte
	if err == nil {
		body, err = c.answerBodyLocked(specs)
		if err == nil && c.offer != nil {
			c.earlyAnswer = body
		}
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.command(ctx, 183, body)
}

// Answer answers an inbound call with 200 OK and waits for the ACK.
// specs[i], if given, is the preference for the offer's m-line i: its
// Codecs, the most permissive Direction, Disabled to reject it; a zero
// Kind accepts the offered media type. Without specs every m-line the
// phone can handle is accepted (PCMU/PCMA audio, H264/VP8 video). If the
// INVITE had no offer, the 2xx carries an offer built from specs and the
// ACK must carry the answer.
func (c *Call) Answer(ctx context.Context, specs ...StreamSpec) error {
	c.mu.Lock()
	err := c.inboundLocked()
	var body []byte
	if err == nil {
		body, err = c.answerBodyLocked(specs)
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	if err := c.command(ctx, 200, body); err != nil {
		return err
	}
	select {
	case <-c.confirmed:
		return nil
	case <-c.ctx.Done():
		return c.Err()
	case <-ctx.Done():
		return fmt.Errorf("testphone: waiting for ACK: %w", ctx.Err())
	}
}

// Reject answers an inbound call with the final status code (>= 300, e.g.
// 486) and ends it.
func (c *Call) Reject(ctx context.Context, code int) error {
	if code < 300 || code > 699 {
		return fmt.Errorf("testphone: reject with %d: not a failure code", code)
	}
	c.mu.Lock()
	err := c.inboundLocked()
	c.mu.Unlock()
	if err != nil {
		return err
	}
	return c.command(ctx, code, nil)
}

// WaitAnswer waits for an outbound call's 2xx. It returns the reason the
// call ended instead, such as a [*StatusError] for a rejection.
func (c *Call) WaitAnswer(ctx context.Context) error {
	select {
	case <-c.answered:
		return nil
	default:
	}
	select {
	case <-c.answered:
		return nil
	case <-c.ctx.Done():
		select {
		case <-c.answered:
			return nil
		default:
		}
		return c.Err()
	case <-ctx.Done():
		return fmt.Errorf("testphone: waiting for answer: %w", ctx.Err())
	}
}

// waitCall blocks until cond (called with c.mu held) holds or ctx ends;
// it also gives up when the call has ended and cond still fails.
func (c *Call) waitCall(ctx context.Context, cond func() bool) error {
	for {
		c.mu.Lock()
		if cond() {
			c.mu.Unlock()
			return nil
		}
		ch, ended := c.notify, c.state == stateEnded
		c.mu.Unlock()
		if ended {
			return fmt.Errorf("%w: %w", ErrNotFound, c.Err())
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrNotFound, ctx.Err())
		}
	}
}

// WaitResponse waits until the outbound call's INVITE got a response with
// code (provisional or final) and returns it. Responses already received
// count.
func (c *Call) WaitResponse(ctx context.Context, code int) (Response, error) {
	var r Response
	err := c.waitCall(ctx, func() bool {
		for _, x := range c.responses {
			if x.Code == code {
				r = x
				return true
			}
		}
		return false
	})
	if err != nil {
		return r, fmt.Errorf("testphone: waiting for %d: %w", code, err)
	}
	return r, nil
}

// Responses returns the responses to the outbound call's INVITE received
// so far, in order (including challenges answered with credentials).
func (c *Call) Responses() []Response {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.responses)
}

// Hangup ends the call: BYE once answered, CANCEL for an outbound call
// still ringing (waiting for the 487), 603 Decline for an inbound call not
// yet answered. It is idempotent; the call ends locally even if the far
// end does not respond.
func (c *Call) Hangup(ctx context.Context) error {
	c.mu.Lock()
	st := c.state
	c.mu.Unlock()
	switch {
	case st == stateEnded:
		return nil
	case c.outbound && st < stateAnswered:
		c.cancelOne.Do(func() { close(c.cancelReq) })
		select {
		case <-c.ctx.Done():
			return nil
		case <-c.answered:
			// The 2xx won the race with the CANCEL request.
			return c.bye(ctx)
		case <-ctx.Done():
			return fmt.Errorf("testphone: cancel: %w", ctx.Err())
		}
	case !c.outbound && st < stateAnswered:
		err := c.Reject(ctx, 603)
		if errors.Is(err, ErrState) {
			return c.Hangup(ctx) // answered meanwhile
		}
		return err
	}
	if !c.outbound {
		// The callee must not send BYE before the ACK (RFC 3261 §15).
		select {
		case <-c.confirmed:
		case <-c.ctx.Done():
			return nil
		case <-ctx.Done():
			return fmt.Errorf("testphone: hangup before ACK: %w", ctx.Err())
		}
	}
	return c.bye(ctx)
}

// bye sends BYE and ends the call with ErrLocalHangup.
func (c *Call) bye(ctx context.Context) error { return c.byeWith(ctx, ErrLocalHangup) }

// byeWith ends the call with cause, then sends BYE and waits for its
// response.
func (c *Call) byeWith(ctx context.Context, cause error) error {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	c.mu.Lock()
	if c.state == stateEnded {
		c.mu.Unlock()
		return nil
	}
	c.localCSeq++
	req := c.dialogRequestLocked(sip.BYE, c.localCSeq)
	c.mu.Unlock()
	c.end(cause)
	res, err := c.p.do(ctx, req)
	if err != nil {
		return fmt.Errorf("testphone: bye: %w", err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("testphone: bye: %w", &StatusError{Code: res.StatusCode, Reason: res.Reason})
	}
	return nil
}

// ReInvite sends a re-INVITE with an offer of specs (one per m-line, at
// least as many as the call has; empty re-offers the current streams),
// applies the answer and ACKs the 2xx. A non-2xx answer (491 on glare,
// 488) is returned as a [*StatusError] and leaves the session unchanged.
func (c *Call) ReInvite(ctx context.Context, specs ...StreamSpec) error {
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	// Wait for the ACK of the initial 2xx, and for the answer to an offer
	// this phone put in a 2xx: only then is the previous offer/answer
	// exchange complete.
	for {
		err := c.waitCall(ctx, func() bool { return c.state == stateConfirmed && c.pending == nil })
		if err != nil {
			if c.Err() != nil {
				return ErrCallEnded
			}
			return fmt.Errorf("testphone: re-INVITE: %w", err)
		}
		c.mu.Lock()
		if c.state == stateConfirmed && c.pending == nil {
			break // with c.mu held
		}
		c.mu.Unlock()
	}
	po, err := c.buildOfferLocked(specs)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	c.offering = true
	c.pending = po
	c.offerSentLocked(po)
	c.localCSeq++
	req := c.dialogRequestLocked(sip.INVITE, c.localCSeq)
	c.mu.Unlock()
	req.AppendHeader(sip.NewHeader("Allow", allowHeader))
	setBody(req, po.body)

	res, tx, err := c.p.inviteTransaction(ctx, req)

	c.mu.Lock()
	c.offering = false
	c.localCSeq = max(c.localCSeq, req.CSeq().SeqNo)
	if err != nil || !res.IsSuccess() {
		c.discardLocked(po)
		c.notifyLocked()
		c.mu.Unlock()
		if err != nil {
			return fmt.Errorf("testphone: re-INVITE: %w", err)
		}
		return fmt.Errorf("testphone: re-INVITE: %w", &StatusError{Code: res.StatusCode, Reason: res.Reason})
	}
	if ct := res.Contact(); ct != nil {
		c.remoteTarget = ct.Address // target refresh
	}
	c.pending = nil
	sdpErr := c.applyAnswerLocked(po, res.Body())
	if sdpErr != nil {
		c.discardLocked(po)
	}
	ack := c.dialogRequestLocked(sip.ACK, req.CSeq().SeqNo)
	c.notifyLocked()
	c.mu.Unlock()
	c.sendAck(ack, tx)
	if sdpErr != nil {
		return fmt.Errorf("testphone: re-INVITE answer: %w", sdpErr)
	}
	return nil
}

// sendAck sends the ACK for a 2xx to an INVITE sent in tx and arranges
// for retransmitted 2xx to be acknowledged again (RFC 3261 §13.2.2.4).
func (c *Call) sendAck(ack *sip.Request, tx sip.ClientTransaction) {
	if err := c.p.cli.WriteRequest(ack); err != nil {
		c.log.Warn("ack failed", "error", err)
	}
	tpl := ack.Clone()
	c.mu.Lock()
	c.lastAck = tpl
	c.mu.Unlock()
	tx.OnRetransmission(func(r *sip.Response) {
		if r.IsSuccess() {
			_ = c.p.cli.WriteRequest(tpl.Clone())
		}
	})
}

// Hold re-INVITEs with every active stream's direction reduced to stop
// receiving (sendrecv becomes sendonly, recvonly becomes inactive, RFC
// 3264 §8.4).
func (c *Call) Hold(ctx context.Context) error {
	return c.ReInvite(ctx, c.respec(func(d Direction) Direction { return directionOf(d.Sends(), false) })...)
}

// Resume re-INVITEs with every active stream sendrecv.
func (c *Call) Resume(ctx context.Context) error {
	return c.ReInvite(ctx, c.respec(func(Direction) Direction { return SendRecv })...)
}

// respec returns re-offer specs of the current streams with directions
// mapped by f.
func (c *Call) respec(f func(Direction) Direction) []StreamSpec {
	c.mu.Lock()
	defer c.mu.Unlock()
	specs := make([]StreamSpec, len(c.media))
	for i, m := range c.media {
		specs[i] = c.reofferSpec(m)
		specs[i].Direction = f(m.localLine().dir)
	}
	return specs
}

// CallID returns the Call-ID of the call's dialog.
func (c *Call) CallID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.callID
}

// Inbound reports whether the far end placed the call.
func (c *Call) Inbound() bool { return !c.outbound }

// RemoteURI returns the far end's URI: the To URI of an outbound call, the
// From URI of an inbound one.
func (c *Call) RemoteURI() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remote.uri.String()
}

// RemoteDisplayName returns the far end's display name (the From display
// name of an inbound call).
func (c *Call) RemoteDisplayName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remote.name
}

// Header returns the value of the first header called name in the
// inbound call's INVITE, or in the final response to the outbound call's
// INVITE; "" if absent.
func (c *Call) Header(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.headers == nil {
		return ""
	}
	if h := c.headers.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

// Streams returns the call's media, one per m-line of the latest
// negotiated SDP, in order.
func (c *Call) Streams() []*Media {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.media)
}

// LocalSDP returns the latest SDP this phone sent for the call.
func (c *Call) LocalSDP() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.localSDP
}

// RemoteSDP returns the latest SDP the far end sent for the call.
func (c *Call) RemoteSDP() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remoteSDP
}

// LastOffer returns the offer of the latest offer/answer exchange,
// whichever side made it.
func (c *Call) LastOffer() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastOffer
}

// LastAnswer returns the answer of the latest completed offer/answer
// exchange ("" while an offer of this phone is outstanding).
func (c *Call) LastAnswer() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastAnswer
}

// Negotiations returns how many offer/answer exchanges completed.
func (c *Call) Negotiations() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.negotiations
}

// WaitNegotiations waits until at least n offer/answer exchanges have
// completed, for example for a re-INVITE the PBX sends.
func (c *Call) WaitNegotiations(ctx context.Context, n int) error {
	err := c.waitCall(ctx, func() bool { return c.negotiations >= n })
	if err != nil {
		return fmt.Errorf("testphone: waiting for negotiation %d: %w", n, err)
	}
	return nil
}

// Done is closed when the call ends.
func (c *Call) Done() <-chan struct{} { return c.ctx.Done() }

// Context returns the call's lifetime context; its cause is the end
// reason.
func (c *Call) Context() context.Context { return c.ctx }

// Err returns nil while the call lasts, then why it ended:
// [ErrLocalHangup], [ErrRemoteHangup], [ErrCanceled], [ErrNoACK],
// [ErrClosed], a [*StatusError] for a rejected outbound call, or a
// transport error.
func (c *Call) Err() error {
	if c.ctx.Err() == nil {
		return nil
	}
	return context.Cause(c.ctx)
}
