package testphone

import (
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// fakeRegistrar is a minimal digest-authenticating SIP server: it
// challenges every REGISTER and INVITE without credentials with 401 (or
// 407 for INVITE when proxyAuth is set), answers REGISTER 200 only for
// the right password (403 otherwise) and authenticated INVITEs with
// inviteCode.
type fakeRegistrar struct {
	addr       string
	user, pass string
	proxyAuth  bool
	inviteCode int

	mu       sync.Mutex
	nonces   map[string]bool
	requests []*sip.Request // every request received, in order
}

func newFakeRegistrar(t *testing.T, user, pass string, proxyAuth bool) *fakeRegistrar {
	t.Helper()
	r := &fakeRegistrar{user: user, pass: pass, proxyAuth: proxyAuth, inviteCode: 486, nonces: map[string]bool{}}
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(testLogger())),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(testLogger())))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(testLogger()))
	if err != nil {
		t.Fatal(err)
	}
	// A request that arrives while the server closes makes sipgo open a
	// new connection for its transaction; close the transports again then
	// (see Phone.handler).
	var closed atomic.Bool
	guard := func(h sipgo.RequestHandler) sipgo.RequestHandler {
		return func(req *sip.Request, tx sip.ServerTransaction) {
			if closed.Load() {
				_ = ua.TransportLayer().Close()
				return
			}
			h(req, tx)
		}
	}
	srv.OnRegister(guard(r.handle))
	srv.OnInvite(guard(r.handle))
	srv.OnAck(guard(func(*sip.Request, sip.ServerTransaction) {}))
	srv.OnNoRoute(guard(func(req *sip.Request, tx sip.ServerTransaction) {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 405, "Method Not Allowed", nil))
	}))
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = conn.LocalAddr().String()
	var wg sync.WaitGroup
	wg.Go(func() { _ = srv.ServeUDP(conn) })
	t.Cleanup(func() {
		closed.Store(true)
		ua.Close()
		conn.Close()
		wg.Wait()
	})
	return r
}

func (r *fakeRegistrar) handle(req *sip.Request, tx sip.ServerTransaction) {
	r.mu.Lock()
	r.requests = append(r.requests, req)
	r.mu.Unlock()
	respond := func(code int, reason string, hdrs ...sip.Header) {
		res := sip.NewResponseFromRequest(req, code, reason, nil)
		for _, h := range hdrs {
			res.AppendHeader(h)
		}
		_ = tx.Respond(res)
	}
	challenge, authz, challengeCode := "WWW-Authenticate", "Authorization", 401
	if req.Method == sip.INVITE && r.proxyAuth {
		challenge, authz, challengeCode = "Proxy-Authenticate", "Proxy-Authorization", 407
	}
	h := req.GetHeader(authz)
	if h == nil {
		nonce := sip.GenerateTagN(16)
		r.mu.Lock()
		r.nonces[nonce] = true
		r.mu.Unlock()
		chal := digest.Challenge{Realm: "pbx.test", Nonce: nonce, Algorithm: "MD5", QOP: []string{"auth"}}
		respond(challengeCode, "Unauthorized", sip.NewHeader(challenge, chal.String()))
		return
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil {
		respond(400, "Bad Credentials")
		return
	}
	r.mu.Lock()
	known := r.nonces[cred.Nonce]
	r.mu.Unlock()
	want, err := digest.Digest(&digest.Challenge{Realm: "pbx.test", Nonce: cred.Nonce, Algorithm: "MD5", QOP: []string{"auth"}},
		digest.Options{Method: string(req.Method), URI: cred.URI, Username: r.user, Password: r.pass, Cnonce: cred.Cnonce, Count: cred.Nc})
	if err != nil || !known || cred.Username != r.user || cred.Response != want.Response {
		respond(403, "Forbidden")
		return
	}
	if req.Method == sip.INVITE {
		respond(r.inviteCode, reasonPhrase(r.inviteCode))
		return
	}
	respond(200, "OK", sip.HeaderClone(req.Contact()), sip.HeaderClone(req.GetHeader("Expires")))
}

func (r *fakeRegistrar) received() []*sip.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*sip.Request(nil), r.requests...)
}

func TestRegisterDigest(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	reg := newFakeRegistrar(t, "alice", "s3cret", false)
	p := newPhone(t, Config{User: "alice", Password: "s3cret", Server: reg.addr, Domain: "pbx.test"})
	if err := p.Register(ctx, time.Hour); err != nil {
		t.Fatalf("Register: %v", err)
	}
	if err := p.Unregister(ctx); err != nil {
		t.Fatalf("Unregister: %v", err)
	}
	reqs := reg.received()
	if len(reqs) != 4 {
		t.Fatalf("registrar saw %d requests, want 4 (challenge and answer, twice)", len(reqs))
	}
	var lastCSeq uint32
	for i, req := range reqs {
		if got := req.Recipient.String(); got != "sip:pbx.test" {
			t.Errorf("request %d: Request-URI %s, want sip:pbx.test", i, got)
		}
		if got := req.To().Address.String(); got != "sip:alice@pbx.test" {
			t.Errorf("request %d: To %s", i, got)
		}
		if req.CallID().Value() != reqs[0].CallID().Value() {
			t.Errorf("request %d: Call-ID changed (RFC 3261 §10.2)", i)
		}
		if n := req.CSeq().SeqNo; n <= lastCSeq {
			t.Errorf("request %d: CSeq %d not above %d", i, n, lastCSeq)
		} else {
			lastCSeq = n
		}
		if ct := req.Contact(); ct == nil || ct.Address.Port != int(p.Addr().Port()) {
			t.Errorf("request %d: Contact %v, want port %d", i, ct, p.Addr().Port())
		}
	}
	if got := reqs[1].GetHeader("Expires").Value(); got != "3600" {
		t.Errorf("Expires %q, want 3600", got)
	}
	if got := reqs[3].GetHeader("Expires").Value(); got != "0" {
		t.Errorf("unregister Expires %q, want 0", got)
	}
}

func TestRegisterWrongPassword(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	reg := newFakeRegistrar(t, "alice", "s3cret", false)
	p := newPhone(t, Config{User: "alice", Password: "guess", Server: reg.addr})
	err := p.Register(ctx, time.Minute)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 403 {
		t.Fatalf("Register with a wrong password = %v, want a 403 StatusError", err)
	}
}

func TestRegisterNoPassword(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	reg := newFakeRegistrar(t, "alice", "s3cret", false)
	p := newPhone(t, Config{User: "alice", Server: reg.addr})
	if err := p.Register(ctx, time.Minute); StatusCode(err) != 401 {
		t.Fatalf("Register without a password = %v, want 401", err)
	}
}

func TestDialDigest(t *testing.T) {
	for name, proxy := range map[string]bool{"401": false, "407": true} {
		t.Run(name, func(t *testing.T) {
			ctx := testContext(t, 10*time.Second)
			reg := newFakeRegistrar(t, "alice", "s3cret", proxy)
			p := newPhone(t, Config{User: "alice", Password: "s3cret", Server: reg.addr})
			_, err := p.Dial(ctx, "600", DialOptions{})
			if StatusCode(err) != 486 {
				t.Fatalf("Dial = %v, want the 486 sent after authentication", err)
			}
			reqs := reg.received()
			if len(reqs) != 2 {
				t.Fatalf("server saw %d INVITEs, want 2", len(reqs))
			}
			if reqs[1].CSeq().SeqNo != reqs[0].CSeq().SeqNo+1 {
				t.Errorf("CSeq %d then %d, want +1", reqs[0].CSeq().SeqNo, reqs[1].CSeq().SeqNo)
			}
			if got := reqs[0].Recipient.String(); !strings.HasPrefix(got, "sip:600@127.0.0.1") {
				t.Errorf("Request-URI %s", got)
			}
			if len(reqs[1].Body()) == 0 {
				t.Error("authenticated INVITE lost its SDP")
			}
		})
	}
}
