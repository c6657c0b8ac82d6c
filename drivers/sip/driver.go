package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/internal/mediaio"
)

// Name is the driver's dial-string prefix.
const Name = "SIP"

// allowed lists the methods the driver handles, for Allow headers.
const allowed = "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, INFO, UPDATE"

// Driver is the SIP channel driver: registrar, inbound and outbound calls.
//
// Goroutines: [Driver.Serve] runs one goroutine per listener (sipgo's read
// loops). sipgo runs each received message on a goroutine of its own; an
// INVITE's goroutine runs the dialplan for the call's whole life. Each
// call owns a mailbox goroutine and one RTP reader goroutine per active
// stream, plus short-lived helpers (2xx retransmission, BYE, re-INVITE
// transactions); all are waited for by [Driver.Close].
type Driver struct {
	cfg   Config
	log   *slog.Logger
	reg   *channel.Registry
	auth  *authenticator
	loc   Location
	port  *portPool
	media *mediaio.Engine // RTP/RTCP sockets and media timers of all calls
	now   func() time.Time

	ua  *sipgo.UserAgent
	srv *sipgo.Server
	cli *sipgo.Client

	ctx     context.Context // cancelled by Close: bounds every helper
	cancel  context.CancelFunc
	closing atomic.Bool // drop received messages: the driver is going away
	ready   chan struct{}
	wg      sync.WaitGroup // listener loops, calls and their helpers

	mu       sync.Mutex
	handler  channel.Handler
	serving  bool
	closed   bool
	addrs    map[string]net.Addr // "udp", "tcp", "tls", "ws", "wss" -> bound address
	udpConn  net.PacketConn
	streamLn []net.Listener             // the TCP listeners of tcp, tls, ws and wss
	dialogs  map[string]*sipgo.DialogUA // by lowercase transport
	calls    map[string]*call           // by dialog id (callID__calleeTag__callerTag)
	invites  map[string]*call           // inbound calls by Call-ID and From tag (merged requests)
	allCalls map[*call]struct{}
}

var (
	_ channel.Driver  = (*Driver)(nil)
	_ channel.Inbound = (*Driver)(nil)
)

// New returns a driver configured by cfg. It binds nothing yet: the
// listeners open in [Driver.Serve].
func New(cfg Config) (*Driver, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &Driver{
		cfg:      cfg,
		log:      cfg.Logger.With("tech", Name),
		reg:      cfg.Registry,
		loc:      cfg.Location,
		now:      cfg.now,
		ready:    make(chan struct{}),
		addrs:    map[string]net.Addr{},
		dialogs:  map[string]*sipgo.DialogUA{},
		calls:    map[string]*call{},
		invites:  map[string]*call{},
		allCalls: map[*call]struct{}{},
	}
	if d.now == nil {
		d.now = time.Now
	}
	d.auth = newAuthenticator(&d.cfg, d.now)
	d.media, err = mediaio.New(mediaio.Config{Logger: d.log})
	if err != nil {
		return nil, fmt.Errorf("sip: media engine: %w", err)
	}
	d.port = newPortPool(d.media, cfg.MediaIP, cfg.RTPPortMin, cfg.RTPPortMax)
	d.ctx, d.cancel = context.WithCancel(context.Background())

	sipLog := cfg.Logger.With("caller", "sipgo")
	d.ua, err = sipgo.NewUA(
		sipgo.WithUserAgent(cfg.UserAgent),
		sipgo.WithUserAgentHostname(cfg.Host),
		sipgo.WithUserAgentTransactionLayerOptions(
			sipmsg.WithTransactionLayerLogger(sipLog),
			sipmsg.WithTransactionLayerUnhandledResponseHandler(func(r *sipmsg.Response) {
				d.log.Debug("unmatched response", "sip_status", r.StatusCode, "call_id", callIDOf(r))
			}),
		),
		sipgo.WithUserAgentTransportLayerOptions(
			sipmsg.WithTransportLayerLogger(sipLog),
			sipmsg.WithTransportLayerReadFilter(func(_ sipmsg.TransportReadProps, b []byte) ([]byte, error) {
				if d.closing.Load() {
					return nil, nil
				}
				return b, nil
			}),
		),
	)
	if err != nil {
		d.media.Close()
		return nil, fmt.Errorf("sip: new user agent: %w", err)
	}
	d.srv, err = sipgo.NewServer(d.ua, sipgo.WithServerLogger(sipLog))
	if err != nil {
		d.ua.Close()
		d.media.Close()
		return nil, fmt.Errorf("sip: new server: %w", err)
	}
	d.cli, err = sipgo.NewClient(d.ua, sipgo.WithClientLogger(sipLog), sipgo.WithClientHostname(cfg.Host))
	if err != nil {
		d.ua.Close()
		d.media.Close()
		return nil, fmt.Errorf("sip: new client: %w", err)
	}
	d.srv.OnRegister(d.guard(d.handleRegister))
	d.srv.OnInvite(d.guard(d.handleInvite))
	d.srv.OnAck(d.guard(d.handleAck))
	d.srv.OnBye(d.guard(d.handleBye))
	d.srv.OnCancel(d.guard(d.handleStrayCancel))
	d.srv.OnOptions(d.guard(d.handleOptions))
	d.srv.OnInfo(d.guard(d.handleInfo))
	d.srv.OnUpdate(d.guard(d.handleUpdate))
	d.srv.OnNoRoute(d.guard(d.handleNoRoute))
	return d, nil
}

// Name implements [channel.Driver].
func (d *Driver) Name() string { return Name }

// Ready is closed once [Driver.Serve] has bound its listeners.
func (d *Driver) Ready() <-chan struct{} { return d.ready }

// Addr returns the bound address of the "udp", "tcp", "tls", "ws" or
// "wss" listener, or nil before [Driver.Ready] or for a disabled
// transport.
func (d *Driver) Addr(network string) net.Addr {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.addrs[strings.ToLower(network)]
}

// Location returns the registration store.
func (d *Driver) Location() Location { return d.loc }

// Serve binds the listeners, closes [Driver.Ready], and accepts calls,
// handing each inbound channel to h on the goroutine that received its
// INVITE. It blocks until ctx is done or [Driver.Close] is called, then
// shuts the driver down (as Close) and returns [channel.ErrDriverClosed].
// A listen error is returned at once. Serve may be called once.
func (d *Driver) Serve(ctx context.Context, h channel.Handler) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return channel.ErrDriverClosed
	}
	if d.serving {
		d.mu.Unlock()
		return fmt.Errorf("sip: serve called twice")
	}
	d.serving = true
	d.handler = h
	d.mu.Unlock()

	if err := d.listen(); err != nil {
		d.Close()
		return err
	}
	close(d.ready)
	select {
	case <-ctx.Done():
	case <-d.ctx.Done():
	}
	d.Close()
	return channel.ErrDriverClosed
}

// listen binds the configured listeners and starts sipgo's read loops.
func (d *Driver) listen() error {
	if d.cfg.UDP != "" {
		c, err := net.ListenPacket("udp", d.cfg.UDP)
		if err != nil {
			return fmt.Errorf("sip: listen udp %s: %w", d.cfg.UDP, err)
		}
		d.mu.Lock()
		d.udpConn = c
		d.addrs["udp"] = c.LocalAddr()
		d.dialogs["udp"] = d.newDialogUA(c.LocalAddr(), "")
		d.mu.Unlock()
		served := make(chan struct{})
		d.wg.Go(func() {
			defer close(served)
			if err := d.srv.ServeUDP(c); err != nil && !errors.Is(err, net.ErrClosed) {
				d.log.Error("udp listener failed", "error", err)
			}
		})
		// Ready means sipgo sends from this socket: ServeUDP pools it on
		// its own goroutine, and a request sent before that would make
		// sipgo try to bind the same address again.
		addr := c.LocalAddr().String()
	pooled:
		for {
			if pc, _ := d.ua.TransportLayer().GetConnection("udp", addr); pc != nil {
				break
			}
			select {
			case <-served:
				break pooled
			default:
				runtime.Gosched()
			}
		}
	}
	// The connection-oriented transports: sipgo serves each from a TCP
	// listener, wrapped in TLS for tls and wss (sipgo's ServeTLS and
	// ServeWSS expect that), and upgrades ws and wss connections itself.
	for _, s := range []struct {
		network, addr string
		serve         func(net.Listener) error
	}{
		{"tcp", d.cfg.TCP, d.srv.ServeTCP},
		{"tls", d.cfg.TLS, d.srv.ServeTLS},
		{"ws", d.cfg.WS, d.srv.ServeWS},
		{"wss", d.cfg.WSS, d.srv.ServeWSS},
	} {
		if s.addr == "" {
			continue
		}
		l, err := net.Listen("tcp", s.addr)
		if err != nil {
			return fmt.Errorf("sip: listen %s %s: %w", s.network, s.addr, err)
		}
		d.mu.Lock()
		d.streamLn = append(d.streamLn, l)
		d.addrs[s.network] = l.Addr()
		d.dialogs[s.network] = d.newDialogUA(l.Addr(), s.network)
		d.mu.Unlock()
		served := l
		if s.network == "tls" || s.network == "wss" {
			served = tls.NewListener(served, d.cfg.TLSConfig)
		}
		if s.network == "ws" || s.network == "wss" {
			served = handshakeListener{Listener: served, timeout: d.cfg.wsHandshake}
		}
		d.wg.Go(func() {
			if err := s.serve(served); err != nil && !errors.Is(err, net.ErrClosed) {
				d.log.Error("listener failed", "transport", s.network, "error", err)
			}
		})
	}
	return nil
}

// newDialogUA returns the dialog user agent of a transport ("" for UDP):
// its Contact names the listener, with a transport parameter. Over tls,
// ws and wss the far end is reached through the connection its request
// came from (RewriteContact; RFC 5626's flow, RFC 7118 §5): such phones
// usually accept no connections, and a WebSocket client cannot, so
// in-dialog requests, ACKs and CANCELs go to the source of the dialog's
// INVITE (inbound) or of its responses (outbound) rather than to the
// Contact, unless the dialog has a route set.
func (d *Driver) newDialogUA(a net.Addr, transport string) *sipgo.DialogUA {
	ap, _ := netip.ParseAddrPort(a.String())
	contact := sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", Host: d.cfg.Host, Port: int(ap.Port())}}
	if transport != "" {
		contact.Address.UriParams = sipmsg.HeaderParams{{K: "transport", V: transport}}
	}
	return &sipgo.DialogUA{Client: d.cli, ContactHDR: contact, RewriteContact: usesFlow(transport)}
}

// usesFlow reports whether requests to a far end on transport go through
// the connection it opened (see newDialogUA).
func usesFlow(transport string) bool {
	switch strings.ToLower(transport) {
	case "tls", "ws", "wss":
		return true
	}
	return false
}

// flowOpen reports whether sipgo still holds the connection of transport
// from source (a far end's flow, see newDialogUA).
func (d *Driver) flowOpen(transport, source string) bool {
	c, err := d.ua.TransportLayer().GetConnection(transport, source)
	if err != nil || c == nil {
		return false
	}
	_, _ = c.TryClose() // GetConnection took a reference
	return true
}

// wsHandshakeTimeout bounds a WebSocket connection's handshake (TLS and
// HTTP upgrade).
const wsHandshakeTimeout = 10 * time.Second

// handshakeListener sets a deadline on each accepted connection that
// lasts until the server's first write (the 101 Switching Protocols, or
// the refusal) is done. sipgo upgrades WebSocket connections on its
// accept loop, so a client that connected and never sent its upgrade
// request would otherwise stall every later connection.
type handshakeListener struct {
	net.Listener
	timeout time.Duration
}

// Accept implements net.Listener.
func (l handshakeListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	// An error here means a broken connection, which the upgrade reports.
	_ = c.SetDeadline(time.Now().Add(l.timeout))
	return &handshakeConn{Conn: c}, nil
}

// handshakeConn clears the handshake deadline after its first write.
type handshakeConn struct {
	net.Conn
	once sync.Once
}

// Write implements net.Conn.
func (c *handshakeConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.once.Do(func() { _ = c.Conn.SetDeadline(time.Time{}) })
	return n, err
}

// dialogUA returns the dialog user agent of a transport ("UDP", "tcp").
func (d *Driver) dialogUA(transport string) *sipgo.DialogUA {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ua := d.dialogs[strings.ToLower(transport)]; ua != nil {
		return ua
	}
	for _, ua := range d.dialogs {
		return ua
	}
	return nil
}

// listenAddr returns the bound address of a transport as a netip value.
func (d *Driver) listenAddr(transport string) (netip.AddrPort, bool) {
	a := d.Addr(transport)
	if a == nil {
		return netip.AddrPort{}, false
	}
	ap, err := netip.ParseAddrPort(a.String())
	return ap, err == nil
}

// Close shuts the driver down immediately: listeners close, every call is
// ended (BYE, CANCEL or 503 as its state requires, bounded by a short
// timeout) with [channel.CauseSystemShutdown] reported to the core, and
// Close waits for the driver's goroutines. It is idempotent; a running
// Serve returns [channel.ErrDriverClosed].
func (d *Driver) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		d.wg.Wait()
		return nil
	}
	d.closed = true
	calls := make([]*call, 0, len(d.allCalls))
	for c := range d.allCalls {
		calls = append(calls, c)
	}
	udp, streams := d.udpConn, d.streamLn
	d.mu.Unlock()

	for _, c := range calls {
		c.shutdown()
	}
	// Calls get a moment to say goodbye before the transports go.
	deadline := time.NewTimer(2 * time.Second)
	for _, c := range calls {
		select {
		case <-c.done:
		case <-deadline.C:
		}
	}
	deadline.Stop()
	// From here on received messages are dropped: a message handled while
	// the transports close would make sipgo open a fresh socket for its
	// response and leak it.
	d.closing.Store(true)
	// Messages read before the flag are still being handled on sipgo's
	// goroutines; give them a moment while the connection pools are
	// intact (see the sweep below for why).
	quiet := time.NewTimer(50 * time.Millisecond)
	<-quiet.C
	d.cancel()
	var errs []error
	if udp != nil {
		errs = append(errs, udp.Close())
	}
	for _, l := range streams {
		errs = append(errs, l.Close())
	}
	errs = append(errs, d.ua.Close())
	d.wg.Wait()
	errs = append(errs, d.media.Close())
	// sipgo handles each message on a goroutine of its own; one received
	// just before the listeners closed may be handled after ua.Close
	// emptied the connection pools, and sipgo then opens a fresh socket to
	// answer it (transport_layer.go serverRequestConnection), which nobody
	// would close. Let such stragglers run, then sweep the pools again.
	for range 20 {
		runtime.Gosched()
		for _, n := range []string{"udp", "tcp", "tls", "ws", "wss"} {
			if p := d.ua.TransportLayer().Pool(n); p != nil {
				_ = p.Clear()
			}
		}
	}
	d.mu.Lock()
	select {
	case <-d.ready:
	default:
		close(d.ready)
	}
	d.mu.Unlock()
	if err := errors.Join(errs...); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("sip: close: %w", err)
	}
	return nil
}

// isClosed reports whether Close has begun.
func (d *Driver) isClosed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closed
}

// addCall tracks c until it finishes; false after Close.
func (d *Driver) addCall(c *call) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return false
	}
	d.allCalls[c] = struct{}{}
	d.wg.Add(1)
	return true
}

// callDone forgets c (and its dialog ids).
func (d *Driver) callDone(c *call) {
	d.mu.Lock()
	delete(d.allCalls, c)
	for id, cc := range d.calls {
		if cc == c {
			delete(d.calls, id)
		}
	}
	for id, cc := range d.invites {
		if cc == c {
			delete(d.invites, id)
		}
	}
	d.mu.Unlock()
	d.wg.Done()
}

// bindDialog makes in-dialog requests with dialog id reach c.
func (d *Driver) bindDialog(id string, c *call) {
	d.mu.Lock()
	d.calls[id] = c
	d.mu.Unlock()
}

// claimInvite records c as the call of an initial INVITE (Call-ID and
// From tag); false when another live call already has them: a merged or
// looped request (RFC 3261 §8.2.2.2).
func (d *Driver) claimInvite(key string, c *call) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, dup := d.invites[key]; dup {
		return false
	}
	d.invites[key] = c
	return true
}

// releaseInvite forgets an INVITE key claimed by a call that never started.
func (d *Driver) releaseInvite(key string) {
	d.mu.Lock()
	delete(d.invites, key)
	d.mu.Unlock()
}

// findCall returns the call an in-dialog request belongs to, trying the
// dialog id both as UAS (we are the callee) and as UAC (we called).
func (d *Driver) findCall(req *sipmsg.Request) *call {
	d.mu.Lock()
	defer d.mu.Unlock()
	if id, err := sipmsg.DialogIDFromRequestUAS(req); err == nil {
		if c := d.calls[id]; c != nil {
			return c
		}
	}
	if id, err := sipmsg.DialogIDFromRequestUAC(req); err == nil {
		if c := d.calls[id]; c != nil {
			return c
		}
	}
	return nil
}

// guard wraps a sipgo handler: a panic answers 500 (if nothing was sent)
// and is logged; the PBX lives on.
func (d *Driver) guard(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		defer func() {
			if p := recover(); p != nil {
				d.log.Error("panic in sip handler", "panic", p, "method", req.Method, "call_id", callIDOf(req), "stack", string(debug.Stack()))
				if tx != nil && !req.IsAck() {
					_ = tx.Respond(d.response(req, 500, nil))
				}
			}
		}()
		h(req, tx)
	}
}

// response builds a response to req with the Server header set.
func (d *Driver) response(req *sipmsg.Request, status int, body []byte) *sipmsg.Response {
	res := sipmsg.NewResponseFromRequest(req, status, reasonPhrase(status), body)
	res.AppendHeader(sipmsg.NewHeader("Server", d.cfg.UserAgent))
	return res
}

// respond sends a stateful response; errors are logged at debug level
// (the transaction layer reports transport failures itself).
func (d *Driver) respond(tx sipmsg.ServerTransaction, req *sipmsg.Request, status int, hdrs ...sipmsg.Header) {
	res := d.response(req, status, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		d.log.Debug("respond failed", "sip_status", status, "call_id", callIDOf(req), "error", err)
	}
}

func (d *Driver) handleOptions(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	d.respond(tx, req, 200,
		sipmsg.NewHeader("Allow", allowed),
		sipmsg.NewHeader("Accept", "application/sdp"),
	)
}

func (d *Driver) handleNoRoute(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	d.respond(tx, req, 405, sipmsg.NewHeader("Allow", allowed))
}

// handleStrayCancel answers a CANCEL that matched no INVITE transaction.
func (d *Driver) handleStrayCancel(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	d.respond(tx, req, 481)
}

// handleAck confirms the dialog an ACK belongs to. It never waits on
// anything that waits for the 200 it acknowledges (LIBRARIES.md §B.1).
func (d *Driver) handleAck(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if c := d.findCall(req); c != nil {
		c.readAck(req, tx)
	}
}

func (d *Driver) handleBye(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	c := d.findCall(req)
	if c == nil {
		d.respond(tx, req, 481)
		return
	}
	c.request(req, tx)
}

func (d *Driver) handleInfo(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	c := d.findCall(req)
	if c == nil {
		d.respond(tx, req, 481)
		return
	}
	c.request(req, tx)
}

// sourceIP returns the IP a request came from.
func sourceIP(req *sipmsg.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

type callIDer interface{ CallID() *sipmsg.CallIDHeader }

func callIDOf(m callIDer) string {
	if h := m.CallID(); h != nil {
		return h.Value()
	}
	return ""
}
