package sip

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// Queue sizes of a call.
const (
	eventQueueLen = 64 // mailbox (senders wait when full)
	ctlQueueLen   = 64 // control and DTMF frames for the core
	rxQueueLen    = 64 // media frames for the core (drop oldest when full)
)

// evKind is the kind of a mailbox event.
type evKind uint8

const (
	evUnknown evKind = iota
	evAnswer
	evIndicate
	evRequestTopology
	evCall
	evRequest  // in-dialog request from the far end (BYE, INFO, re-INVITE, UPDATE)
	evAck      // an ACK carrying a body
	evAckDone  // a 2xx retransmitter ended (acknowledged or timed out)
	evByeDone  // a BYE (or INFO) transaction ended
	evReinvite // a PBX re-INVITE transaction ended
	evRetryReinvite
	evRTPCheck
	evBranch     // a response on an outbound branch
	evBranchDone // an outbound branch's INVITE transaction ended
	evShutdown
	evDigit     // a DTMF frame written by the core
	evDigitDone // a DTMF event finished sending
	evJitter    // SetJitterBuffer
	evFIR       // a deferred picture_fast_update INFO is due
)

// event is one mailbox entry. Requests from sipgo handlers and calls from
// the core carry a reply channel and wait for it.
type event struct {
	kind  evKind
	req   *sipmsg.Request
	tx    sipmsg.ServerTransaction
	res   *sipmsg.Response
	br    *branch
	err   error
	ctl   frame.ControlType
	topo  *topology.Topology
	ctx   context.Context
	sess  *sipgo.DialogClientSession
	digit rune
	dur   time.Duration
	begin bool
	cseq  uint32
	gen   int
	// caller is the calling party of an evCall.
	caller channel.CallerID
	reply  chan error
}

// state is a call's signalling state, owned by the mailbox goroutine.
type state struct {
	answered  bool // inbound: 2xx sent; outbound: 2xx received
	finalSent bool // inbound: a final response was sent
	confirmed bool // the initial 2xx was acknowledged
	ringing   bool // 180 sent / Ringing queued
	progress  bool // 183 sent / Progress queued
	early     bool // inbound: the answer SDP went out in a 183
	ended     bool // the dialog is over (or the attempt failed)
	hungup    bool // the core called Hangup
	shutdown  bool // the driver is closing
	pending   int  // helpers that will still post an event
	rtpTimer  *time.Timer
	held      bool               // the PBX put the far end on hold (Indicate Hold)
	jitter    bool               // SetJitterBuffer(true)
	lastFIR   time.Time          // last picture_fast_update INFO sent
	firTimer  *time.Timer        // a deferred picture_fast_update INFO, nil if none
	digit     context.CancelFunc // the DTMF event being sent, nil if none
	reinv     *reinvite
	queued    *topology.Topology // a RequestTopology waiting for reinv
	retryGen  int
}

// call is one SIP call leg: the [channel.Tech] of its channel and the
// owner of its dialog, SDP session and RTP streams.
//
// Every signalling event — requests and responses from sipgo, calls from
// the core, timers — goes through the mailbox (events) and is handled one
// at a time, in order, by the run goroutine, which owns st, sdp and
// sockets. sipgo handlers only enqueue and wait for the reply, so
// duplicated or reordered messages meet a consistent state. The run
// goroutine never waits on the network: transactions that wait for a
// response run on helper goroutines that post their outcome back.
type call struct {
	d       *Driver
	log     *slog.Logger
	inbound bool
	callID  string
	user    string // the endpoint (inbound: caller; outbound: callee), or ""
	caps    format.Caps

	// Inbound.
	srv       *sipgo.DialogServerSession
	inviteTx  sipmsg.ServerTransaction
	inviteReq *sipmsg.Request // with our To tag
	offerBody []byte

	// Outbound.
	out *outbound

	events    chan *event
	closed    chan struct{} // closed by Hangup
	cancelled chan struct{} // closed when the caller CANCELs
	ended     chan struct{} // closed once the far end is gone (after the Hangup frame)
	done      chan struct{} // closed when run returns
	closeOnce sync.Once
	cancOnce  sync.Once

	// The on-demand mailbox (see kick).
	qev        atomic.Pointer[channel.QueueEvents] // set when the core reads the queues itself
	running    atomic.Bool
	queued     atomic.Int32 // events sent on c.events and not yet received
	cancelSeen atomic.Bool  // the mailbox handled cancelled
	closedSeen atomic.Bool  // the mailbox handled closed
	endOnce    sync.Once
	cause      atomic.Int32 // the core's hangup cause
	// remoteCause is the far end's cause, set when it ended the call (0
	// until then); hangupSent records that qev's Hangup was called.
	remoteCause atomic.Int32
	hangupSent  atomic.Bool

	ctl chan *frame.Frame
	rx  chan *frame.Frame

	topo  atomic.Pointer[topology.Topology]
	media atomic.Pointer[mediaSet]
	ack   atomic.Pointer[ackWaiter]
	// final holds the streams' counters as they were when media last
	// stopped, so that StreamStats still reports them after a hang-up.
	final atomic.Pointer[[]StreamStats]

	// Owned by run.
	st      state
	sdp     *sdp.Session
	want    *topology.Topology // what the PBX wants per stream, nil: anything
	sockets map[int]*rtpConn   // by port
	wg      sync.WaitGroup     // RTP readers and helpers

	rxDropped  atomic.Uint64
	ctlDropped atomic.Uint64
}

var (
	_ channel.Tech             = (*call)(nil)
	_ channel.Multistream      = (*call)(nil)
	_ channel.TopologyChanger  = (*call)(nil)
	_ channel.TopologyAnswerer = (*call)(nil)
	_ channel.Indicator        = (*call)(nil)
	_ channel.DigitSender      = (*call)(nil)
	_ channel.Queued           = (*call)(nil)
	_ channel.CallerIDCaller   = (*call)(nil)
)

func newCall(d *Driver, inbound bool, callID string) *call {
	c := &call{
		d:         d,
		inbound:   inbound,
		callID:    callID,
		events:    make(chan *event, eventQueueLen),
		closed:    make(chan struct{}),
		cancelled: make(chan struct{}),
		ended:     make(chan struct{}),
		done:      make(chan struct{}),
		ctl:       make(chan *frame.Frame, ctlQueueLen),
		rx:        make(chan *frame.Frame, rxQueueLen),
		sockets:   map[int]*rtpConn{},
	}
	c.log = d.log.With("call_id", callID)
	c.media.Store(&mediaSet{})
	return c
}

// newSDP returns a fresh SDP session whose ports come from the call's
// sockets: m-line i reuses ports[i] when the call still holds that
// socket, else binds a new pair and records it in ports (nil: private
// map). Branches of an outbound call share one map, so they share sockets.
func (c *call) newSDP(ports map[int]int) (*sdp.Session, error) {
	if ports == nil {
		ports = map[int]int{}
	}
	return sdp.New(sdp.Config{
		Address:  c.d.cfg.MediaIP,
		Username: "pbx",
		Ports: func(i int, _ format.MediaType) (int, error) {
			if p, ok := ports[i]; ok && c.sockets[p] != nil {
				return p, nil
			}
			conn, err := c.d.port.alloc()
			if err != nil {
				return 0, err
			}
			c.sockets[conn.port] = conn
			ports[i] = conn.port
			return conn.port, nil
		},
	})
}

// start registers the call with the driver; false when the driver is
// closed. The mailbox runs when work arrives.
func (c *call) start() bool {
	return c.d.addCall(c)
}

// post delivers ev to the mailbox; false once the call has finished.
func (c *call) post(ev event) bool {
	select {
	case <-c.done:
		return false // checked first: select picks at random among ready cases
	default:
	}
	select {
	case c.events <- &ev:
		c.enqueued()
		return true
	case <-c.done:
		return false
	}
}

// enqueued counts an event sent on c.events and makes sure a mailbox
// goroutine will see it.
func (c *call) enqueued() {
	c.queued.Add(1)
	c.kick()
}

// ask posts ev with a reply channel and waits for the reply, ctx, or the
// end of the call.
func (c *call) ask(ctx context.Context, ev event) error {
	ev.reply = make(chan error, 1)
	if !c.post(ev) {
		return channel.ErrHangup
	}
	select {
	case err := <-ev.reply:
		return err
	case <-c.done:
		select {
		case err := <-ev.reply:
			return err
		default:
			return channel.ErrHangup
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

func reply(ev *event, err error) {
	if ev.reply != nil {
		ev.reply <- err
	}
}

// Topology implements [channel.Multistream].
func (c *call) Topology() *topology.Topology { return c.topo.Load() }

// setTopology installs t (frozen) as the topology in force.
func (c *call) setTopology(t *topology.Topology) *topology.Topology {
	t = t.Snapshot()
	c.topo.Store(t)
	return t
}

// Answer implements [channel.Tech].
func (c *call) Answer(ctx context.Context) error { return c.AnswerTopology(ctx, nil) }

// AnswerTopology implements [channel.TopologyAnswerer]: it answers with t
// narrowing the streams (nil: the topology negotiated at INVITE time).
func (c *call) AnswerTopology(ctx context.Context, t *topology.Topology) error {
	if !c.inbound {
		return ErrWrongDirection
	}
	return c.ask(ctx, event{kind: evAnswer, topo: t})
}

// Hangup implements [channel.Tech]. It never blocks: the mailbox sends
// the BYE, CANCEL or final response the call's state needs.
func (c *call) Hangup(cause channel.Cause) error {
	c.closeOnce.Do(func() {
		if cause == 0 {
			cause = channel.CauseNormalClearing
		}
		c.cause.Store(int32(cause))
		close(c.closed)
		c.kick()
	})
	return nil
}

// cancel records a CANCEL of the inbound INVITE for the mailbox.
func (c *call) cancel() {
	c.cancOnce.Do(func() {
		close(c.cancelled)
		c.kick()
	})
}

// isClosed reports whether Hangup was called.
func (c *call) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

// ReadFrame implements [channel.Tech]: control and DTMF frames first, then
// media; a Hangup frame when the far end ended the call, then (after the
// core's Hangup) io.EOF.
func (c *call) ReadFrame() (*frame.Frame, error) {
	if c.isClosed() {
		return nil, io.EOF
	}
	select {
	case f := <-c.ctl:
		return f, nil
	default:
	}
	select {
	case f := <-c.ctl:
		return f, nil
	case f := <-c.rx:
		return f, nil
	case <-c.closed:
		return nil, io.EOF
	case <-c.ended:
		select {
		case f := <-c.ctl:
			return f, nil
		default:
		}
		// The Hangup frame went out; io.EOF only once the core has acted
		// on it (an earlier EOF would read as a driver failure). A call
		// that finished without the core hanging up (the driver closed)
		// drained the frame: say it again.
		select {
		case <-c.closed:
			return nil, io.EOF
		case <-c.done:
			f := frame.NewControl(frame.Hangup)
			f.Cause = int(c.remoteCause.Load())
			return f, nil
		}
	}
}

// WriteFrame implements [channel.Tech]. Media goes to the RTP stream at
// f.Stream (the first stream of its media type for DefaultStream);
// frames for streams that do not send are dropped silently.
func (c *call) WriteFrame(f *frame.Frame) error {
	if c.isClosed() {
		return channel.ErrHangup
	}
	switch f.Kind {
	case frame.Voice, frame.Video, frame.Text:
		if s := c.media.Load().stream(f.Stream, f.MediaType()); s != nil {
			s.write(f)
		}
	case frame.DTMFBegin, frame.DTMFEnd:
		// A digit passing through a bridge: begin starts an RFC 4733
		// event, end stops it. Never block the media path.
		select {
		case c.events <- &event{kind: evDigit, digit: f.Digit, dur: f.Duration, begin: f.Kind == frame.DTMFBegin}:
			c.enqueued()
		default:
		}
	}
	return nil
}

// Indicate implements [channel.Indicator].
func (c *call) Indicate(f *frame.Frame) error {
	if c.isClosed() {
		return channel.ErrHangup
	}
	if f.Kind != frame.Control {
		return nil
	}
	switch f.Control {
	case frame.Ringing, frame.Progress, frame.Busy, frame.Congestion, frame.Hold, frame.Unhold, frame.Answer:
		return c.ask(context.Background(), event{kind: evIndicate, ctl: f.Control})
	case frame.VideoUpdate:
		return c.ask(context.Background(), event{kind: evIndicate, ctl: f.Control})
	}
	return nil
}

// RequestTopology implements [channel.TopologyChanger]: it starts a
// re-INVITE and returns; a TopologyChanged frame reports the outcome.
func (c *call) RequestTopology(t *topology.Topology) error {
	if c.isClosed() {
		return channel.ErrHangup
	}
	if !c.post(event{kind: evRequestTopology, topo: t.Snapshot()}) {
		return channel.ErrHangup
	}
	return nil
}

// SendDigit implements [channel.DigitSender]: an RFC 4733 event on the
// first audio stream, lasting d (ending early if ctx is done). It blocks
// for the digit's duration.
func (c *call) SendDigit(ctx context.Context, digit rune, d time.Duration) error {
	if c.isClosed() {
		return channel.ErrHangup
	}
	s := c.media.Load().stream(frame.DefaultStream, format.Audio)
	if s == nil {
		return ErrNoDTMF
	}
	return s.sendDigit(ctx, digit, d)
}

// StreamStats returns the RTP and RTCP counters of the call's streams, by
// position (the zero value for removed streams). Once media has stopped
// (the call ended, by either side) it returns the final counters. The
// control endpoint and call records find it through
// [channel.Channel.Tech] with an interface of their own.
func (c *call) StreamStats() []StreamStats {
	ms := c.media.Load()
	if len(ms.streams) == 0 {
		if f := c.final.Load(); f != nil {
			return slices.Clone(*f)
		}
	}
	return streamStats(ms)
}

func streamStats(ms *mediaSet) []StreamStats {
	out := make([]StreamStats, len(ms.streams))
	for i, s := range ms.streams {
		if s != nil {
			out[i] = s.Stats()
		}
	}
	return out
}

// QueueDrops returns how many frames the call dropped because the core
// did not read them in time: media frames (the oldest queued is dropped)
// and control or DTMF frames.
func (c *call) QueueDrops() (media, control uint64) {
	return c.rxDropped.Load(), c.ctlDropped.Load()
}

// queueCtl hands f (ownership transferred) to the core's control queue.
func (c *call) queueCtl(f *frame.Frame) {
	select {
	case c.ctl <- f:
	default:
		c.ctlDropped.Add(1)
		c.log.Warn("control queue full: frame dropped", "frame", f)
		f.Release()
	}
}

// queueTopology reports a topology change to the core.
func (c *call) queueTopology(ct frame.ControlType, t *topology.Topology) {
	c.queueCtl(frame.NewTopology(ct, t, nil))
}

// deliver hands a media frame (ownership transferred) to the core, dropping
// the oldest queued media frame when the queue is full. It never blocks:
// several RTP readers call it.
func (c *call) deliver(f *frame.Frame) {
	for {
		select {
		case c.rx <- f:
			return
		default:
		}
		select {
		case old := <-c.rx:
			old.Release()
			c.rxDropped.Add(1)
		default:
		}
	}
}

// remoteEnd records that the far end ended the call: the core reads a
// Hangup frame with cause, then io.EOF. Media stops.
func (c *call) remoteEnd(cause channel.Cause) {
	c.st.ended = true
	c.stopTimers()
	c.stopMedia()
	c.endOnce.Do(func() {
		f := frame.NewControl(frame.Hangup)
		f.Cause = int(cause)
		c.queueCtl(f)
		if cause == 0 {
			cause = channel.CauseNormalClearing
		}
		c.remoteCause.Store(int32(cause))
		close(c.ended)
	})
	// Not on the mailbox: the core's hang-up runs observers and hooks,
	// which must be free to call back into the call.
	c.wg.Go(c.reportHangup)
}

// reportHangup tells a core that reads the queues that the far end ended
// the call, once, so a consumer that is not reading learns it too. Both
// remoteEnd and Queues call it, each after publishing its half (the
// cause, the callbacks), so whichever comes last reports.
func (c *call) reportHangup() {
	ev := c.qev.Load()
	if ev == nil {
		return
	}
	cause := channel.Cause(c.remoteCause.Load())
	if cause == 0 {
		return
	}
	if c.hangupSent.CompareAndSwap(false, true) {
		ev.Hangup(cause)
	}
}

// Queues implements [channel.Queued]: the core reads the call's queues
// directly (the media workers and the mailbox fill them), so the call
// needs no read goroutine in the core. A far end that ended the call
// before (a CANCEL racing the channel's creation) is reported now.
func (c *call) Queues(ev channel.QueueEvents) (ctl, media <-chan *frame.Frame) {
	c.qev.Store(&ev)
	c.reportHangup()
	return c.ctl, c.rx
}

// The mailbox runs on demand: a goroutine is started when work arrives
// (an event, the core's hang-up, a CANCEL) and ends when none is left,
// so an established call that is just carrying media costs no
// goroutine. running admits one mailbox goroutine at a time; the atomic
// hand-over orders the state it owns (c.st) from one to the next.

// kick starts the mailbox goroutine unless it runs.
func (c *call) kick() {
	if c.running.CompareAndSwap(false, true) {
		go c.run()
	}
}

// run is the mailbox goroutine: it handles what is waiting, then ends,
// or finishes the call once it may.
func (c *call) run() {
	for {
		for c.step() {
			if c.finished() {
				c.finish() // running stays set: no mailbox after the end
				return
			}
		}
		c.running.Store(false)
		if !c.hasWork() || !c.running.CompareAndSwap(false, true) {
			return
		}
	}
}

// step handles one waiting thing, hang-ups and cancels first (an Answer
// racing a CANCEL loses); false when nothing waits.
func (c *call) step() bool {
	if !c.cancelSeen.Load() {
		select {
		case <-c.cancelled:
			c.cancelSeen.Store(true)
			c.onCancel()
			return true
		default:
		}
	}
	if !c.closedSeen.Load() {
		select {
		case <-c.closed:
			c.closedSeen.Store(true)
			c.onHangup()
			return true
		default:
		}
	}
	select {
	case ev := <-c.events:
		c.queued.Add(-1)
		c.handle(ev)
		return true
	default:
		return false
	}
}

// hasWork reports whether something waits for the mailbox. It reads no
// mailbox state, so a goroutine that just gave up running may call it.
func (c *call) hasWork() bool {
	// An atomic count, not len(c.events): len is no synchronising
	// operation, and on a weakly ordered CPU it could be read before
	// running was cleared, losing a wake-up.
	if c.queued.Load() > 0 {
		return true
	}
	select {
	case <-c.cancelled:
		if !c.cancelSeen.Load() {
			return true
		}
	default:
	}
	select {
	case <-c.closed:
		return !c.closedSeen.Load()
	default:
		return false
	}
}

// finished reports whether run may return: the core hung up (or the
// driver is closing) and the dialog is over with no helper outstanding.
func (c *call) finished() bool {
	return (c.st.hungup || c.st.shutdown) && c.st.ended && c.st.pending == 0
}

// finish releases everything the call holds. Runs on the mailbox
// goroutine as it returns.
func (c *call) finish() {
	c.stopTimers()
	c.stopMedia()
	for _, s := range c.sockets {
		c.d.port.free(s)
	}
	c.sockets = nil
	c.wg.Wait()
	// Answer pending requests so their handlers return.
	for {
		select {
		case ev := <-c.events:
			c.queued.Add(-1)
			c.reject(ev)
			continue
		default:
		}
		break
	}
	c.endOnce.Do(func() { close(c.ended) })
	close(c.done)
	c.drain()
	c.d.callDone(c)
}

// drain releases frames nobody will read.
func (c *call) drain() {
	for {
		select {
		case f := <-c.ctl:
			f.Release()
		case f := <-c.rx:
			f.Release()
		default:
			return
		}
	}
}

// reject answers an event that arrives after the call ended (a waiting
// sipgo handler then answers 481 itself).
func (c *call) reject(ev *event) {
	reply(ev, channel.ErrHangup)
}

// digit starts or stops the RFC 4733 event of a DTMF frame written by the
// core: begin starts an event (ended by the end frame, at most 8 s), an
// end without begin sends a whole digit.
func (c *call) digit(ev *event) {
	if c.st.ended {
		return
	}
	if !ev.begin && c.st.digit != nil {
		c.st.digit()
		return
	}
	if c.st.digit != nil {
		return // one event at a time
	}
	s := c.media.Load().stream(frame.DefaultStream, format.Audio)
	if s == nil {
		return
	}
	d := 8 * time.Second
	if !ev.begin {
		d = max(ev.dur, 40*time.Millisecond)
	}
	ctx, cancel := context.WithCancel(c.d.ctx)
	c.st.digit = cancel
	c.st.pending++
	c.wg.Go(func() {
		defer cancel()
		if err := s.sendDigit(ctx, ev.digit, d); err != nil {
			c.log.Debug("dtmf not sent", "error", err)
		}
		c.post(event{kind: evDigitDone})
	})
}

// handle dispatches one event.
func (c *call) handle(ev *event) {
	switch ev.kind {
	case evAnswer:
		reply(ev, c.answer(ev.topo))
	case evIndicate:
		reply(ev, c.indicate(ev.ctl))
	case evRequestTopology:
		c.requestTopology(ev.topo)
	case evCall:
		reply(ev, c.call(ev.ctx, ev.caller))
	case evRequest:
		c.inDialog(ev)
	case evAck:
		c.ackBody(ev.req)
	case evAckDone:
		c.st.pending--
		c.ackDone(ev.cseq, ev.err)
	case evByeDone:
		c.st.pending--
		if ev.err != nil {
			c.log.Debug("bye failed", "error", ev.err)
		}
	case evReinvite:
		c.st.pending--
		c.reinviteDone(ev)
	case evRetryReinvite:
		if ev.gen == c.st.retryGen {
			c.retryReinvite()
		}
	case evRTPCheck:
		c.rtpCheck()
	case evBranch:
		c.branchResponse(ev.br, ev.res)
	case evBranchDone:
		c.st.pending--
		c.branchDone(ev.br, ev.sess, ev.err)
	case evShutdown:
		c.onShutdown()
	case evDigit:
		c.digit(ev)
	case evDigitDone:
		c.st.pending--
		c.st.digit = nil
	case evJitter:
		c.setJitter(ev.begin)
		reply(ev, nil)
	case evFIR:
		c.st.firTimer = nil
		c.videoUpdate()
	default:
		reply(ev, errors.New("sip: unknown event"))
	}
}

// inDialog handles a request from the far end within the dialog.
func (c *call) inDialog(ev *event) {
	defer reply(ev, nil)
	req, tx := ev.req, ev.tx
	switch req.Method {
	case sipmsg.BYE:
		c.onBye(req, tx)
	case sipmsg.INVITE:
		c.onReinvite(req, tx)
	case sipmsg.INFO:
		c.onInfo(req, tx)
	case sipmsg.UPDATE:
		c.onUpdate(req, tx)
	default:
		c.d.respond(tx, req, 405, sipmsg.NewHeader("Allow", allowed))
	}
}

// request hands an in-dialog request to the mailbox and waits until it
// has been answered (sipgo ends the transaction when the handler returns).
func (c *call) request(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if err := c.ask(context.Background(), event{kind: evRequest, req: req, tx: tx}); errors.Is(err, channel.ErrHangup) {
		c.d.respond(tx, req, 481)
	}
}

// onBye answers the far end's BYE and reports the hang-up to the core.
func (c *call) onBye(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	var err error
	switch {
	case c.srv != nil:
		err = c.srv.ReadBye(req, tx)
	case c.out != nil && c.out.sess != nil:
		err = c.out.sess.ReadBye(req, tx)
	default:
		c.d.respond(tx, req, 481)
		return
	}
	if err != nil {
		c.log.Debug("bye", "error", err)
		c.d.respond(tx, req, 200)
	}
	cause := channel.CauseNormalClearing
	if h := req.GetHeader("Reason"); h != nil {
		if rc := parseReason(h.Value()); rc != 0 {
			cause = rc
		}
	}
	if c.inbound && !c.st.finalSent {
		// BYE on an early dialog: the INVITE ends with 487.
		c.respondInvite(487, cause)
	}
	c.stopAck()
	c.log.Debug("remote bye", "cause", cause)
	c.remoteEnd(cause)
}

// onInfo handles INFO: application/dtmf-relay digits become DTMF frames,
// and an RFC 5168 picture_fast_update (the far end's decoder wants a key
// frame) a VideoUpdate control frame, which a bridge passes to the video
// sender.
func (c *call) onInfo(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = strings.ToLower(h.Value())
	}
	if strings.HasPrefix(ct, "application/media_control+xml") && strings.Contains(string(req.Body()), "picture_fast_update") {
		c.queueCtl(frame.NewControl(frame.VideoUpdate))
	}
	if strings.HasPrefix(ct, "application/dtmf-relay") || strings.HasPrefix(ct, "application/dtmf") {
		if digit, dur, ok := parseDTMFRelay(string(req.Body())); ok {
			pos := c.media.Load().position(format.Audio)
			b := frame.NewDTMF(frame.DTMFBegin, digit, 0)
			b.Stream = pos
			c.queueCtl(b)
			e := frame.NewDTMF(frame.DTMFEnd, digit, dur)
			e.Stream = pos
			c.queueCtl(e)
		}
	}
	c.d.respond(tx, req, 200)
}

// parseDTMFRelay reads "Signal=5\r\nDuration=160" (durations in ms).
func parseDTMFRelay(body string) (rune, time.Duration, bool) {
	var digit rune
	dur := 250 * time.Millisecond
	for line := range strings.SplitSeq(body, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "signal":
			if len(v) == 1 {
				digit = rune(strings.ToUpper(v)[0])
			}
		case "duration":
			var n int
			for _, ch := range v {
				if ch < '0' || ch > '9' || n > 100000 {
					n = -1
					break
				}
				n = n*10 + int(ch-'0')
			}
			if n > 0 {
				dur = time.Duration(n) * time.Millisecond
			}
		}
	}
	if !strings.ContainsRune("0123456789*#ABCD", digit) || digit == 0 {
		return 0, 0, false
	}
	return digit, dur, true
}

// onHangup handles the core's Hangup: end the dialog as its state needs.
func (c *call) onHangup() {
	c.st.hungup = true
	cause := channel.Cause(c.cause.Load())
	if c.st.ended {
		return
	}
	c.stopTimers()
	c.stopMedia()
	if c.inbound {
		c.hangupInbound(cause)
	} else {
		c.hangupOutbound(cause)
	}
	c.st.ended = true
}

// onShutdown ends the call because the driver closes: the far end gets
// a BYE or final response, the core a Hangup frame.
func (c *call) onShutdown() {
	c.st.shutdown = true
	if c.st.ended {
		return
	}
	cause := channel.CauseSystemShutdown
	c.stopTimers()
	c.stopMedia()
	if c.inbound {
		c.hangupInbound(cause)
	} else {
		c.hangupOutbound(cause)
	}
	c.remoteEnd(cause)
}

// shutdown asks the call to end because the driver closes. It does not
// wait.
func (c *call) shutdown() {
	select {
	case c.events <- &event{kind: evShutdown}:
		c.enqueued()
	default:
		go c.post(event{kind: evShutdown})
	}
}

// sendBye ends an established dialog with a BYE carrying a Reason header.
// The transaction runs on a helper goroutine.
func (c *call) sendBye(cause channel.Cause) {
	var target sipmsg.Uri
	var write func(context.Context, *sipmsg.Request) error
	switch {
	case c.srv != nil:
		if ct := c.inviteReq.Contact(); ct != nil {
			target = *ct.Address.Clone()
		}
		write = c.srv.WriteBye
	case c.out != nil && c.out.sess != nil:
		s := c.out.sess
		target = s.InviteRequest.Recipient
		if ct := s.InviteResponse.Contact(); ct != nil {
			target = *ct.Address.Clone()
		}
		write = s.WriteBye
	default:
		return
	}
	bye := sipmsg.NewRequest(sipmsg.BYE, target)
	bye.AppendHeader(sipmsg.NewHeader("Reason", reasonHeader(cause)))
	bye.AppendHeader(sipmsg.NewHeader("User-Agent", c.d.cfg.UserAgent))
	c.st.pending++
	c.wg.Go(func() {
		ctx, cancel := context.WithTimeout(c.d.ctx, sipmsg.Timer_F)
		defer cancel()
		c.post(event{kind: evByeDone, err: write(ctx, bye)})
	})
}

// stopTimers stops the RTP inactivity timer.
func (c *call) stopTimers() {
	if c.st.digit != nil {
		c.st.digit()
	}
	if c.st.rtpTimer != nil {
		c.st.rtpTimer.Stop()
		c.st.rtpTimer = nil
	}
	if c.st.firTimer != nil {
		c.st.firTimer.Stop()
		c.st.firTimer = nil
	}
	c.st.retryGen++
}

// stopMedia stops sending and receiving: the stream sockets stay bound
// until the call finishes, but nothing is delivered or sent any more.
//
// The counters are kept for StreamStats: final is stored before the empty
// set, so a reader that sees no streams finds them.
func (c *call) stopMedia() {
	ms := c.media.Load()
	for _, s := range ms.streams {
		if s != nil {
			s.stop()
		}
	}
	if len(ms.streams) > 0 {
		final := streamStats(ms)
		c.final.Store(&final)
	}
	c.media.Store(&mediaSet{})
}

// startRTPTimer arms the RTP inactivity check.
func (c *call) startRTPTimer() {
	if c.d.cfg.RTPTimeout < 0 || c.st.rtpTimer != nil {
		return
	}
	period := min(c.d.cfg.RTPTimeout/3, 5*time.Second)
	c.st.rtpTimer = time.AfterFunc(period, func() { c.post(event{kind: evRTPCheck}) })
}

// rtpCheck hangs up an answered call whose streams received no RTP for
// the timeout; streams on hold (not sendrecv) suspend the check.
func (c *call) rtpCheck() {
	if c.st.rtpTimer == nil || c.st.ended {
		return
	}
	period := min(c.d.cfg.RTPTimeout/3, 5*time.Second)
	c.st.rtpTimer.Reset(period)
	ms := c.media.Load()
	now := time.Now()
	active := 0
	var last time.Time
	for _, s := range ms.streams {
		if s == nil {
			continue
		}
		p := s.params.Load()
		if p.state != stream.SendRecv {
			if p.typ == format.Audio {
				return // hold in either direction
			}
			continue
		}
		active++
		if t := s.lastReceived(); t.After(last) {
			last = t
		}
	}
	if active == 0 || c.st.held {
		return
	}
	if last.IsZero() {
		last = ms.since
	}
	if now.Sub(last) < c.d.cfg.RTPTimeout {
		return
	}
	c.log.Info("rtp timeout: hanging up", "idle", now.Sub(last).Round(time.Second))
	cause := channel.CauseRecoveryOnTimerExpiry
	c.stopTimers()
	c.stopMedia()
	c.sendBye(cause)
	c.remoteEnd(cause)
}
