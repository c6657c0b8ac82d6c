package sip

import (
	"context"

	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/pbx-dev/pbx/internal/testphone"
)

// syncClock is a settable clock safe for concurrent use.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func newSyncClock() *syncClock { return &syncClock{t: time.Unix(1_700_000_000, 0)} }

func (c *syncClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *syncClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rawClient sends hand-built requests to the driver and returns the final
// responses, without answering challenges. Requests from the driver go to
// the handlers the setup functions of newRawClient registered.
type rawClient struct {
	ua    *sipgo.UserAgent
	cli   *sipgo.Client
	dst   string
	laddr string // the client's listening address
}

func newRawClient(t testing.TB, dst string, setup ...func(*sipgo.Server)) *rawClient {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(testLogger(t))),
		sipgo.WithUserAgentTransactionLayerOptions(
			sipmsg.WithTransactionLayerLogger(testLogger(t)),
			sipmsg.WithTransactionLayerUnhandledResponseHandler(func(*sipmsg.Response) {})))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(srv)
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); srv.ServeUDP(conn) }()
	// Requests go out from the listener (sipgo's client-created UDP
	// sockets can leak: their reference count goes negative). Wait for
	// ServeUDP to have pooled it.
	laddr := conn.LocalAddr().String()
	for {
		if c, _ := ua.TransportLayer().GetConnection("udp", laddr); c != nil {
			break
		}
		runtime.Gosched()
	}
	cli, err := sipgo.NewClient(ua, sipgo.WithClientConnectionAddr(laddr), sipgo.WithClientLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ua.Close()
		conn.Close()
		<-served
	})
	return &rawClient{ua: ua, cli: cli, dst: dst, laddr: laddr}
}

// register builds a REGISTER for user with the given Contact header
// values (none: a query) and extra headers.
func (rc *rawClient) register(user string, callID string, cseq uint32, contacts []string, hdrs ...sipmsg.Header) *sipmsg.Request {
	host, port, _ := net.SplitHostPort(rc.dst)
	var p int
	fmt.Sscan(port, &p)
	req := sipmsg.NewRequest(sipmsg.REGISTER, sipmsg.Uri{Scheme: "sip", Host: host, Port: p})
	aor := sipmsg.Uri{Scheme: "sip", User: user, Host: host}
	from := &sipmsg.FromHeader{Address: aor, Params: sipmsg.HeaderParams{{K: "tag", V: sipmsg.GenerateTagN(8)}}}
	to := &sipmsg.ToHeader{Address: aor}
	cid := sipmsg.CallIDHeader(callID)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: cseq, MethodName: sipmsg.REGISTER})
	for _, c := range contacts {
		req.AppendHeader(sipmsg.NewHeader("Contact", c))
	}
	for _, h := range hdrs {
		req.AppendHeader(h)
	}
	req.SetDestination(rc.dst)
	return req
}

func (rc *rawClient) do(t testing.TB, req *sipmsg.Request) *sipmsg.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	req.RemoveHeader("Via")
	res, err := rc.cli.Do(ctx, req, sipgo.ClientRequestBuild)
	if err != nil {
		t.Fatalf("%s: %v", req.Method, err)
	}
	return res
}

// authorize answers the challenge of res (the first WWW-Authenticate, or
// the one with alg) for req with nonce count nc.
func authorize(t *testing.T, req *sipmsg.Request, res *sipmsg.Response, user, pw, alg string, nc int) {
	t.Helper()
	var chal *digest.Challenge
	for _, h := range res.GetHeaders("WWW-Authenticate") {
		c, err := digest.ParseChallenge(h.Value())
		if err != nil {
			t.Fatal(err)
		}
		if alg == "" || c.Algorithm == alg {
			chal = c
			break
		}
	}
	if chal == nil {
		t.Fatalf("no %s challenge in %s", alg, res.Short())
	}
	cred, err := digest.Digest(chal, digest.Options{Method: string(req.Method), URI: req.Recipient.Addr(), Username: user, Password: pw, Count: nc})
	if err != nil {
		t.Fatal(err)
	}
	req.RemoveHeader("Authorization")
	req.AppendHeader(sipmsg.NewHeader("Authorization", cred.String()))
}

func (e *env) bindings(t *testing.T, aor string) []Binding {
	t.Helper()
	bs, err := e.d.loc.Lookup(context.Background(), aor, e.d.now())
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

func TestRegisterPhone(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	p := e.phone(t, "alice", "alice-secret")
	if err := p.Register(ctx, time.Hour); err != nil {
		t.Fatalf("register: %v", err)
	}
	bs := e.bindings(t, "alice")
	if len(bs) != 1 || !strings.Contains(bs[0].Contact, p.Addr().String()) {
		t.Fatalf("bindings %+v, want the phone at %s", bs, p.Addr())
	}
	if err := p.Unregister(ctx); err != nil {
		t.Fatalf("unregister: %v", err)
	}
	if bs := e.bindings(t, "alice"); len(bs) != 0 {
		t.Fatalf("bindings after unregister: %+v", bs)
	}

	wrong := e.phone(t, "alice", "nope")
	if err := wrong.Register(ctx, time.Hour); testphone.StatusCode(err) != 403 {
		t.Fatalf("wrong password: %v, want 403", err)
	}
	short := e.phone(t, "bob", "bob-secret")
	if err := short.Register(ctx, 10*time.Second); testphone.StatusCode(err) != 423 {
		t.Fatalf("expires 10s: %v, want 423", err)
	}
}

func TestRegisterMaxContacts(t *testing.T) {
	e := newEnv(t) // alice: MaxContacts 2
	ctx := ctxT(t)
	var phones []*testphone.Phone
	for i := range 3 {
		p := e.phone(t, "alice", "alice-secret")
		if err := p.Register(ctx, time.Duration(600+i*60)*time.Second); err != nil {
			t.Fatalf("register %d: %v", i, err)
		}
		phones = append(phones, p)
	}
	bs := e.bindings(t, "alice")
	if len(bs) != 2 {
		t.Fatalf("%d bindings, want 2: %+v", len(bs), bs)
	}
	for _, b := range bs {
		if strings.Contains(b.Contact, phones[0].Addr().String()) {
			t.Errorf("the binding expiring first survived: %+v", bs)
		}
	}
}

// TestRegisterChallengesMD5ByDefault: with no algorithms configured the
// 401 carries one MD5 challenge and nothing else. baresip 1.0 (libre 1.1)
// fails the whole REGISTER with ENOSYS ("Register: Function not
// implemented") when any WWW-Authenticate header names another
// algorithm, so a default SHA-256 challenge locked it out entirely.
func TestRegisterChallengesMD5ByDefault(t *testing.T) {
	e := newEnv(t)
	rc := newRawClient(t, e.udp())
	req := rc.register("alice", "md5-only", 1, []string{"<sip:alice@127.0.0.1:5999>"})
	res := rc.do(t, req)
	chals := res.GetHeaders("WWW-Authenticate")
	if res.StatusCode != 401 || len(chals) != 1 {
		t.Fatalf("got %s with %d challenges, want 401 with 1", res.Short(), len(chals))
	}
	if v := chals[0].Value(); !strings.Contains(v, "algorithm=MD5") || strings.Contains(v, "SHA") {
		t.Fatalf("challenge %q, want MD5 only", v)
	}
	authorize(t, req, res, "alice", "alice-secret", MD5, 1)
	req.CSeq().SeqNo++
	if res = rc.do(t, req); res.StatusCode != 200 {
		t.Fatalf("authorized: %s", res.Short())
	}
}

// TestRegisterRaw drives the registrar with hand-built requests: both
// algorithms, a stale nonce, expiry clamping, "*" removal, query, and the
// per-source failure limit.
func TestRegisterRaw(t *testing.T) {
	clk := newSyncClock()
	e := newEnv(t, func(c *Config) {
		c.now = clk.now
		c.AuthFailLimit = 3
		c.Algorithms = []string{MD5, SHA256}
	})
	rc := newRawClient(t, e.udp())
	contact := "<sip:alice@127.0.0.1:5999>"

	t.Run("sha256 and clamp", func(t *testing.T) {
		req := rc.register("alice", "c1", 1, []string{contact}, sipmsg.NewHeader("Expires", "999999"))
		res := rc.do(t, req)
		if res.StatusCode != 401 || len(res.GetHeaders("WWW-Authenticate")) != 2 {
			t.Fatalf("first response %s with %d challenges, want 401 with 2", res.Short(), len(res.GetHeaders("WWW-Authenticate")))
		}
		authorize(t, req, res, "alice", "alice-secret", SHA256, 1)
		req.CSeq().SeqNo++
		res = rc.do(t, req)
		if res.StatusCode != 200 {
			t.Fatalf("authorized: %s", res.Short())
		}
		ct := res.Contact()
		if ct == nil {
			t.Fatal("no Contact in 200")
		}
		if exp, _ := ct.Params.Get("expires"); exp != fmt.Sprint(DefaultMaxExpires) {
			t.Errorf("expires %s, want clamped to %d", exp, DefaultMaxExpires)
		}
	})
	t.Run("stale nonce", func(t *testing.T) {
		req := rc.register("alice", "c1", 10, []string{contact})
		res := rc.do(t, req)
		authorize(t, req, res, "alice", "alice-secret", MD5, 1)
		clk.add(DefaultNonceTTL + time.Second)
		req.CSeq().SeqNo++
		res = rc.do(t, req)
		if res.StatusCode != 401 || !strings.Contains(res.GetHeader("WWW-Authenticate").Value(), "stale=true") {
			t.Fatalf("expired nonce: %s %v, want 401 stale=true", res.Short(), res.GetHeader("WWW-Authenticate"))
		}
		authorize(t, req, res, "alice", "alice-secret", MD5, 1)
		req.CSeq().SeqNo++
		if res = rc.do(t, req); res.StatusCode != 200 {
			t.Fatalf("fresh nonce: %s", res.Short())
		}
	})
	t.Run("query and wildcard", func(t *testing.T) {
		req := rc.register("alice", "c1", 20, nil)
		res := rc.do(t, req)
		authorize(t, req, res, "alice", "alice-secret", "", 1)
		req.CSeq().SeqNo++
		if res = rc.do(t, req); res.StatusCode != 200 || res.Contact() == nil {
			t.Fatalf("query: %s", res.Short())
		}
		req = rc.register("alice", "c1", 30, []string{"*"}, sipmsg.NewHeader("Expires", "0"))
		res = rc.do(t, req)
		authorize(t, req, res, "alice", "alice-secret", "", 1)
		req.CSeq().SeqNo++
		if res = rc.do(t, req); res.StatusCode != 200 {
			t.Fatalf("wildcard: %s", res.Short())
		}
		if bs := e.bindings(t, "alice"); len(bs) != 0 {
			t.Fatalf("bindings after *: %+v", bs)
		}
		req = rc.register("alice", "c1", 40, []string{"*"})
		res = rc.do(t, req)
		authorize(t, req, res, "alice", "alice-secret", "", 1)
		req.CSeq().SeqNo++
		if res = rc.do(t, req); res.StatusCode != 400 {
			t.Fatalf("* without Expires: 0: %s, want 400", res.Short())
		}
	})
	t.Run("failure limit", func(t *testing.T) {
		for i := range 4 {
			req := rc.register("bob", "c2", uint32(100+2*i), []string{"<sip:bob@127.0.0.1:5998>"})
			res := rc.do(t, req)
			if res.StatusCode != 401 {
				t.Fatalf("attempt %d: %s, want 401", i, res.Short())
			}
			authorize(t, req, res, "bob", "wrong", "", 1)
			req.CSeq().SeqNo++
			if res = rc.do(t, req); res.StatusCode != 403 {
				t.Fatalf("attempt %d: %s, want 403", i, res.Short())
			}
		}
		res := rc.do(t, rc.register("bob", "c2", 200, nil))
		if res.StatusCode != 403 {
			t.Fatalf("blocked source: %s, want 403 without a challenge", res.Short())
		}
	})
}

// BenchmarkRegister measures digest-authenticated registrations over
// loopback UDP: REGISTER, 401, REGISTER with credentials, 200 (client and
// driver share the machine).
func BenchmarkRegister(b *testing.B) {
	e := newEnv(b)
	rc := newRawClient(b, e.udp())
	var n uint32
	b.ReportAllocs()
	for b.Loop() {
		n += 2
		req := rc.register("alice", "bench", n, []string{"<sip:alice@127.0.0.1:5999>"})
		res := rc.do(b, req)
		chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
		if err != nil {
			b.Fatal(err)
		}
		cred, _ := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: req.Recipient.Addr(), Username: "alice", Password: "alice-secret", Count: 1})
		req.AppendHeader(sipmsg.NewHeader("Authorization", cred.String()))
		req.CSeq().SeqNo = n + 1
		if res := rc.do(b, req); res.StatusCode != 200 {
			b.Fatalf("%s", res.Short())
		}
	}
}
