package testphone

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// userAgent is the User-Agent of every request and response the phone
// sends.
const userAgent = "pbx-testphone"

// allowHeader lists the methods the phone understands.
const allowHeader = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO"

// Phone is a SIP user agent for tests: it registers, places and receives
// calls and streams test media. See the package documentation for the
// goroutine and lock rules.
type Phone struct {
	cfg       Config
	log       *slog.Logger
	ip        netip.Addr
	transport string         // "UDP", "TCP", "TLS", "WS" or "WSS"
	addr      netip.AddrPort // the listener's; zero for a client-only phone
	flowHost  string         // Contact host of a client-only phone (….invalid)
	domain    string

	ua       *sipgo.UserAgent
	srv      *sipgo.Server
	cli      *sipgo.Client
	listener io.Closer // nil for a client-only phone

	incoming chan *Call
	done     chan struct{} // closed by Close after live calls were hung up

	mu      sync.Mutex // leaf lock: nothing is called while it is held
	closed  bool
	calls   map[string]*Call // by dialogKey(Call-ID, local tag)
	wg      sync.WaitGroup   // sipgo handler goroutines and call goroutines
	serveWG sync.WaitGroup   // the listener's serve goroutine

	uaClosing atomic.Bool // set before sipgo's transports are closed

	regMu     sync.Mutex // serialises REGISTER
	regCallID string
	regCSeq   uint32
}

// New starts a phone listening for SIP on cfg.LocalIP at an ephemeral port
// ([Phone.Addr] tells which).
func New(cfg Config) (*Phone, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.LocalIP == "" {
		cfg.LocalIP = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(cfg.LocalIP)
	if err != nil {
		return nil, fmt.Errorf("testphone: local IP: %w", err)
	}
	transport := strings.ToUpper(cfg.Transport)
	switch transport {
	case "":
		transport = "UDP"
	case "UDP", "TCP", "TLS", "WS", "WSS":
	default:
		return nil, fmt.Errorf("testphone: unsupported transport %q", cfg.Transport)
	}
	domain := cfg.Domain
	if domain == "" {
		domain = ip.String()
		if cfg.Server != "" {
			host, _, err := net.SplitHostPort(cfg.Server)
			if err != nil {
				return nil, fmt.Errorf("testphone: server address: %w", err)
			}
			domain = host
		}
	}
	p := &Phone{
		cfg:       cfg,
		log:       log.With("phone", cfg.User),
		ip:        ip,
		transport: transport,
		domain:    domain,
		incoming:  make(chan *Call, 32),
		done:      make(chan struct{}),
		calls:     map[string]*Call{},
		regCallID: sip.GenerateTagN(24),
		regCSeq:   1,
	}

	local := netip.AddrPortFrom(ip, 0)
	var serve func(*sipgo.Server) error
	var ready chan struct{} // closed once requests can be sent from the listener
	switch transport {
	case "UDP":
		conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(local))
		if err != nil {
			return nil, fmt.Errorf("testphone: listen: %w", err)
		}
		p.listener, p.addr = conn, conn.LocalAddr().(*net.UDPAddr).AddrPort()
		rc := &readyConn{PacketConn: conn, ready: make(chan struct{})}
		serve = func(s *sipgo.Server) error { return s.ServeUDP(rc) }
		ready = rc.ready
	case "TCP":
		ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(local))
		if err != nil {
			return nil, fmt.Errorf("testphone: listen: %w", err)
		}
		p.listener, p.addr = ln, ln.Addr().(*net.TCPAddr).AddrPort()
		serve = func(s *sipgo.Server) error { return s.ServeTCP(ln) }
	default:
		// Client only: requests from the far end arrive on the
		// connections sipgo opened to it.
		p.flowHost = strings.ToLower(sip.GenerateTagN(12)) + ".invalid"
	}

	p.ua, err = sipgo.NewUA(
		sipgo.WithUserAgenTLSConfig(cfg.TLSConfig),
		sipgo.WithUserAgent(userAgent),
		sipgo.WithUserAgentHostname(domain),
		sipgo.WithUserAgentTransactionLayerOptions(
			sip.WithTransactionLayerLogger(p.log),
			sip.WithTransactionLayerUnhandledResponseHandler(p.onUnhandledResponse),
		),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(p.log)),
	)
	if err != nil {
		p.closeListener()
		return nil, fmt.Errorf("testphone: user agent: %w", err)
	}
	p.srv, err = sipgo.NewServer(p.ua, sipgo.WithServerLogger(p.log))
	if err == nil {
		opts := []sipgo.ClientOption{
			sipgo.WithClientLogger(p.log),
			sipgo.WithClientHostname(ip.String()),
			sipgo.WithClientPort(int(p.addr.Port())),
		}
		if transport == "UDP" {
			// Send requests from the listening socket, so the far end sees
			// the same address in the source, Via and Contact.
			opts = append(opts, sipgo.WithClientConnectionAddr(p.addr.String()))
		}
		p.cli, err = sipgo.NewClient(p.ua, opts...)
	}
	if err != nil {
		p.ua.Close()
		p.closeListener()
		return nil, fmt.Errorf("testphone: sipgo: %w", err)
	}

	p.srv.OnInvite(p.handler(p.onInvite))
	p.srv.OnAck(p.handler(p.onAck))
	p.srv.OnBye(p.handler(p.onBye))
	p.srv.OnCancel(p.handler(p.onCancel))
	p.srv.OnOptions(p.handler(p.onOptions))
	p.srv.OnInfo(p.handler(p.onInfo))
	p.srv.OnNoRoute(p.handler(p.onOther))

	if serve != nil {
		p.serveWG.Go(func() {
			if err := serve(p.srv); err != nil && !errors.Is(err, net.ErrClosed) {
				p.log.Debug("sip listener stopped", "error", err)
			}
		})
	}
	if ready != nil {
		<-ready
	}
	return p, nil
}

// closeListener closes the SIP listener, if the phone has one.
func (p *Phone) closeListener() error {
	if p.listener == nil {
		return nil
	}
	return p.listener.Close()
}

// readyConn tells when sipgo starts reading the UDP listener: by then it
// has put the socket into its connection pool, so requests sent with
// WithClientConnectionAddr find it instead of trying to bind the same
// port again (sipgo only adds the socket inside ServeUDP).
type readyConn struct {
	net.PacketConn
	once  sync.Once
	ready chan struct{}
}

// ReadFrom implements net.PacketConn.
func (c *readyConn) ReadFrom(b []byte) (int, net.Addr, error) {
	c.once.Do(func() { close(c.ready) })
	return c.PacketConn.ReadFrom(b)
}

// Addr returns the address the phone listens on for SIP; the zero value
// for a client-only phone (tls, ws, wss), which listens for nothing.
func (p *Phone) Addr() netip.AddrPort { return p.addr }

// URI returns the phone's direct SIP URI (its Contact), which another
// phone can dial without a PBX.
func (p *Phone) URI() string {
	u := p.contactURI()
	return u.String()
}

// AOR returns the phone's address of record, sip:User@Domain.
func (p *Phone) AOR() string {
	u := p.aor()
	return u.String()
}

func (p *Phone) aor() sip.Uri {
	host, port := splitHostPort(p.domain)
	return sip.Uri{Scheme: "sip", User: p.cfg.User, Host: host, Port: port}
}

func (p *Phone) contactURI() sip.Uri {
	u := sip.Uri{Scheme: "sip", User: p.cfg.User, Host: p.ip.String(), Port: int(p.addr.Port())}
	if p.flowHost != "" {
		// RFC 7118 §5: the far end can only answer over the connection.
		u.Host, u.Port = p.flowHost, 0
	}
	if p.transport != "UDP" {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", strings.ToLower(p.transport))
	}
	return u
}

func (p *Phone) contact() *sip.ContactHeader {
	return &sip.ContactHeader{Address: p.contactURI()}
}

// splitHostPort splits "host[:port]"; a missing or bad port is 0.
func splitHostPort(s string) (string, int) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return s, 0
	}
	var n int
	if _, err := fmt.Sscan(port, &n); err != nil {
		return host, 0
	}
	return host, n
}

// Incoming returns the calls arriving at the phone, in order. Each is
// waiting for the test to call [Call.Ringing], [Call.Answer] or
// [Call.Reject]. The channel holds 32 calls (later INVITEs get 486) and is
// closed by [Phone.Close].
func (p *Phone) Incoming() <-chan *Call { return p.incoming }

// WaitIncoming returns the next incoming call.
func (p *Phone) WaitIncoming(ctx context.Context) (*Call, error) {
	select {
	case c, ok := <-p.incoming:
		if !ok {
			return nil, ErrClosed
		}
		return c, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("testphone: no incoming call: %w", ctx.Err())
	}
}

// Close hangs up the phone's calls (waiting at most two seconds for the
// far ends), stops its goroutines and closes its sockets. It is
// idempotent.
func (p *Phone) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.incoming)
	calls := make([]*Call, 0, len(p.calls))
	for _, c := range p.calls {
		calls = append(calls, c)
	}
	p.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	var hangups sync.WaitGroup
	for _, c := range calls {
		hangups.Go(func() {
			if err := c.Hangup(ctx); err != nil {
				p.log.Debug("hangup on close", "call_id", c.CallID(), "error", err)
			}
		})
	}
	hangups.Wait()
	cancel()

	close(p.done)
	for _, c := range calls {
		c.end(ErrClosed)
	}
	p.wg.Wait()
	p.uaClosing.Store(true)
	err := p.ua.Close()
	if lerr := p.closeListener(); lerr != nil && !errors.Is(lerr, net.ErrClosed) {
		err = errors.Join(err, lerr)
	}
	p.serveWG.Wait()
	if err != nil {
		return fmt.Errorf("testphone: close: %w", err)
	}
	return nil
}

// enter registers a goroutine with the phone; it fails once the phone is
// closing. The caller must call p.wg.Done when it returns.
func (p *Phone) enter() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.wg.Add(1)
	return true
}

// dialogKey identifies a dialog from this phone's side.
func dialogKey(callID, localTag string) string { return callID + "\x00" + localTag }

// addCall registers c; for an inbound call it also queues it on Incoming.
// It fails when the phone is closing or the queue is full.
func (p *Phone) addCall(c *Call, inbound bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	if inbound {
		select {
		case p.incoming <- c:
		default:
			return false
		}
	}
	p.calls[dialogKey(c.callID, c.localTag)] = c
	return true
}

func (p *Phone) removeCall(c *Call) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := dialogKey(c.callID, c.localTag)
	if p.calls[key] == c {
		delete(p.calls, key)
	}
}

// lookup finds the dialog a request from the far end belongs to: the To
// tag is this phone's tag.
func (p *Phone) lookup(req *sip.Request) *Call {
	callID, to := req.CallID(), req.To()
	if callID == nil || to == nil {
		return nil
	}
	tag, _ := to.Params.Get("tag")
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[dialogKey(callID.Value(), tag)]
}

// respond answers req statelessly within tx; errors are logged at debug
// level because the far end's retransmission will try again.
func (p *Phone) respond(tx sip.ServerTransaction, req *sip.Request, code int, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reasonPhrase(code), nil)
	res.AppendHeader(sip.NewHeader("User-Agent", userAgent))
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		p.log.Debug("respond failed", "sip_status", code, "error", err)
	}
}

// handler wraps a request handler: it runs h as a goroutine of the phone,
// or refuses the request once the phone is closing.
//
// sipgo creates a server transaction, and with it possibly a new
// connection, before it calls the handler; a request that arrives while
// the phone closes can therefore leave a socket and its reader goroutine
// behind after the transports were closed. Every such request ends up in
// a handler, so the handler closes the transports again.
func (p *Phone) handler(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if !p.enter() {
			if !req.IsAck() {
				p.respond(tx, req, 503)
			}
			if p.uaClosing.Load() {
				_ = p.ua.TransportLayer().Close()
			}
			return
		}
		defer p.wg.Done()
		h(req, tx)
	}
}

// onOther refuses methods the phone does not implement.
func (p *Phone) onOther(req *sip.Request, tx sip.ServerTransaction) {
	if req.IsAck() {
		return
	}
	p.respond(tx, req, 405, sip.NewHeader("Allow", allowHeader))
}

func (p *Phone) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		c := p.lookup(req)
		if c == nil {
			p.respond(tx, req, 481)
			return
		}
		c.handleReInvite(req, tx)
		return
	}
	p.acceptInvite(req, tx)
}

func (p *Phone) onAck(req *sip.Request, tx sip.ServerTransaction) {
	if c := p.lookup(req); c != nil {
		c.handleAck(req)
	}
}

func (p *Phone) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := p.lookup(req)
	if c == nil {
		p.respond(tx, req, 481)
		return
	}
	c.handleBye(req, tx)
}

// onCancel sees only CANCELs that matched no INVITE transaction (sipgo
// answers the others itself, RFC 3261 §9.2).
func (p *Phone) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	p.respond(tx, req, 481)
}

func (p *Phone) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	p.respond(tx, req, 200,
		sip.NewHeader("Allow", allowHeader),
		sip.NewHeader("Accept", "application/sdp"))
}

func (p *Phone) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	c := p.lookup(req)
	if c == nil {
		p.respond(tx, req, 481)
		return
	}
	c.handleInfo(req, tx)
}

// onUnhandledResponse re-sends the ACK for a retransmitted 2xx whose
// INVITE transaction is gone (RFC 3261 §13.2.2.4).
func (p *Phone) onUnhandledResponse(res *sip.Response) {
	cseq, callID, from := res.CSeq(), res.CallID(), res.From()
	if cseq == nil || callID == nil || from == nil || cseq.MethodName != sip.INVITE || !res.IsSuccess() {
		p.log.Debug("unmatched response", "sip_status", res.StatusCode)
		return
	}
	tag, _ := from.Params.Get("tag")
	p.mu.Lock()
	c := p.calls[dialogKey(callID.Value(), tag)]
	p.mu.Unlock()
	if c != nil {
		c.resendAck(cseq.SeqNo)
	}
}

// resolveTarget turns a dial target into a Request-URI and an outbound
// proxy address ("" to send to the URI's host).
func (p *Phone) resolveTarget(target string) (sip.Uri, string, error) {
	var uri sip.Uri
	switch {
	case strings.HasPrefix(target, "sip:") || strings.HasPrefix(target, "sips:"):
		if err := sip.ParseUri(target, &uri); err != nil {
			return uri, "", fmt.Errorf("testphone: target %q: %w", target, err)
		}
		return uri, "", nil
	case strings.Contains(target, "@"):
		if err := sip.ParseUri("sip:"+target, &uri); err != nil {
			return uri, "", fmt.Errorf("testphone: target %q: %w", target, err)
		}
		return uri, p.cfg.Server, nil
	}
	host, port := splitHostPort(p.domain)
	return sip.Uri{Scheme: "sip", User: target, Host: host, Port: port}, p.cfg.Server, nil
}

// Register registers the phone's Contact for expires with cfg.Server,
// answering a digest challenge (401 or 407) with cfg.Password. A final
// non-2xx response is returned as a [*StatusError] (for example 403 for a
// wrong password).
func (p *Phone) Register(ctx context.Context, expires time.Duration) error {
	if p.cfg.Server == "" {
		return errors.New("testphone: register: no server configured")
	}
	if !p.enter() {
		return ErrClosed
	}
	defer p.wg.Done()
	p.regMu.Lock()
	defer p.regMu.Unlock()

	host, port := splitHostPort(p.domain)
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: host, Port: port})
	aor := p.aor()
	from := &sip.FromHeader{DisplayName: p.cfg.DisplayName, Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	to := &sip.ToHeader{DisplayName: p.cfg.DisplayName, Address: aor, Params: sip.NewParams()}
	callID := sip.CallIDHeader(p.regCallID)
	p.regCSeq++
	cseq := &sip.CSeqHeader{SeqNo: p.regCSeq, MethodName: sip.REGISTER}
	maxFwd := sip.MaxForwardsHeader(70)
	exp := sip.ExpiresHeader(uint32(expires / time.Second))
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(cseq)
	req.AppendHeader(&maxFwd)
	req.AppendHeader(p.contact())
	req.AppendHeader(&exp)
	req.AppendHeader(sip.NewHeader("User-Agent", userAgent))
	req.SetTransport(p.transport)
	req.SetDestination(p.cfg.Server)
	req.SetBody(nil)

	res, err := p.do(ctx, req)
	if c := req.CSeq(); c != nil {
		p.regCSeq = c.SeqNo
	}
	if err != nil {
		return fmt.Errorf("testphone: register %s: %w", p.cfg.User, err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("testphone: register %s: %w", p.cfg.User, &StatusError{Code: res.StatusCode, Reason: res.Reason})
	}
	p.log.Debug("registered", "expires", expires)
	return nil
}

// Unregister removes the phone's registration (Expires: 0).
func (p *Phone) Unregister(ctx context.Context) error {
	return p.Register(ctx, 0)
}

// do sends a non-INVITE request and returns its final response, answering
// up to two digest challenges (the second for a stale nonce). The
// request's CSeq is incremented for each retry.
func (p *Phone) do(ctx context.Context, req *sip.Request) (*sip.Response, error) {
	res, err := p.cli.Do(ctx, req)
	for tries := 0; err == nil && p.challenged(res) && tries < 2; tries++ {
		res, err = p.cli.DoDigestAuth(ctx, req, res, p.digest())
	}
	return res, err
}

// challenged reports whether res is a digest challenge the phone can
// answer.
func (p *Phone) challenged(res *sip.Response) bool {
	return p.cfg.Password != "" &&
		(res.StatusCode == sip.StatusUnauthorized || res.StatusCode == sip.StatusProxyAuthRequired)
}

func (p *Phone) digest() sipgo.DigestAuth {
	user := p.cfg.AuthUser
	if user == "" {
		user = p.cfg.User
	}
	return sipgo.DigestAuth{Username: user, Password: p.cfg.Password}
}

// inviteTransaction sends a re-INVITE and returns its final response and
// transaction; after a 2xx the transaction is left running (RFC 6026
// Accepted state) so retransmitted 2xx reach the caller's
// OnRetransmission hook.
func (p *Phone) inviteTransaction(ctx context.Context, req *sip.Request) (*sip.Response, sip.ClientTransaction, error) {
	tx, err := p.cli.TransactionRequest(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	for tries := 0; ; {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			if p.challenged(res) && tries < 2 {
				tries++
				tx.Terminate()
				if tx, err = p.cli.TransactionDigestAuth(ctx, req, res, p.digest()); err != nil {
					return nil, nil, err
				}
				continue
			}
			if !res.IsSuccess() {
				tx.Terminate()
			}
			return res, tx, nil
		case <-tx.Done():
			return nil, nil, fmt.Errorf("transaction ended: %w", tx.Err())
		case <-ctx.Done():
			tx.Terminate()
			return nil, nil, ctx.Err()
		}
	}
}

// Invite sends an INVITE to target and returns at once; the call proceeds
// in the background. Use [Call.WaitResponse] to observe provisional
// responses, [Call.WaitAnswer] to wait for the outcome and [Call.Hangup]
// to cancel. target is a full SIP URI (sent to the URI's host),
// "user@host" or a bare user such as "600" (both sent to cfg.Server).
// ctx bounds only the sending, not the call.
func (p *Phone) Invite(ctx context.Context, target string, opts DialOptions) (*Call, error) {
	uri, dest, err := p.resolveTarget(target)
	if err != nil {
		return nil, err
	}
	if !p.enter() {
		return nil, ErrClosed
	}
	c, tx, err := p.startCall(ctx, uri, dest, opts)
	if err != nil {
		p.wg.Done()
		return nil, err
	}
	go func() {
		defer p.wg.Done()
		c.runUAC(tx)
	}()
	return c, nil
}

// Dial places a call to target (see [Phone.Invite]) and waits for the
// final response. A non-2xx answer is returned as a [*StatusError]; if ctx
// ends first the INVITE is cancelled.
func (p *Phone) Dial(ctx context.Context, target string, opts DialOptions) (*Call, error) {
	c, err := p.Invite(ctx, target, opts)
	if err != nil {
		return nil, err
	}
	if err := c.WaitAnswer(ctx); err != nil {
		if ctx.Err() != nil {
			hctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = c.Hangup(hctx)
			cancel()
		}
		return nil, fmt.Errorf("testphone: dial %s: %w", target, err)
	}
	return c, nil
}
