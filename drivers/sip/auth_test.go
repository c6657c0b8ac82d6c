package sip

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"
)

// fakeClock is a settable clock for nonce expiry and rate limiting.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock           { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }
func testAuth(clk *fakeClock) *authenticator {
	cfg := Config{Realm: "pbx", Algorithms: []string{MD5, SHA256}, NonceTTL: time.Minute,
		AuthFailLimit: 3, AuthFailWindow: time.Minute, AuthBlock: 5 * time.Minute}
	return newAuthenticator(&cfg, clk.now)
}

var testIP = netip.MustParseAddr("192.0.2.1")

func passwords(user string) (string, bool) {
	if user == "alice" {
		return "secret", true
	}
	return "", false
}

// answer computes the Authorization header a client sends for challenge
// chal with password, nonce count nc.
func answer(t *testing.T, chal, user, password string, nc int) string {
	t.Helper()
	c, err := digest.ParseChallenge(chal)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(c, digest.Options{Method: "REGISTER", URI: "sip:pbx", Username: user, Password: password, Count: nc})
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

func TestAuthenticator(t *testing.T) {
	tests := map[string]struct {
		alg      int // index into challenges: 0 MD5, 1 SHA-256
		user, pw string
		advance  time.Duration
		want     authVerdict
		stale    bool
	}{
		"md5 good":             {alg: 0, user: "alice", pw: "secret", want: authOK},
		"sha256 good":          {alg: 1, user: "alice", pw: "secret", want: authOK},
		"wrong password":       {alg: 0, user: "alice", pw: "nope", want: authForbidden},
		"unknown user":         {alg: 0, user: "mallory", pw: "secret", want: authForbidden},
		"stale nonce":          {alg: 0, user: "alice", pw: "secret", advance: 2 * time.Minute, want: authChallenge, stale: true},
		"stale wrong password": {alg: 1, user: "alice", pw: "nope", advance: 2 * time.Minute, want: authForbidden},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			clk := newFakeClock()
			a := testAuth(clk)
			chals := a.challenges(false)
			if len(chals) != 2 || !strings.Contains(chals[0], "algorithm=MD5") || !strings.Contains(chals[1], "algorithm=SHA-256") {
				t.Fatalf("challenges %q", chals)
			}
			hdr := answer(t, chals[tc.alg], tc.user, tc.pw, 1)
			clk.add(tc.advance)
			got := a.check(testIP, "REGISTER", hdr, passwords)
			if got.verdict != tc.want || got.stale != tc.stale {
				t.Fatalf("check = %+v, want verdict %d stale %v", got, tc.want, tc.stale)
			}
			if got.verdict == authOK && got.user != "alice" {
				t.Fatalf("user %q", got.user)
			}
		})
	}
}

func TestAuthenticatorNonceCount(t *testing.T) {
	clk := newFakeClock()
	a := testAuth(clk)
	chal := a.challenges(false)[0]
	for _, step := range []struct {
		nc   int
		want authVerdict
	}{
		{1, authOK},
		{2, authOK},
		{2, authChallenge}, // replayed count
		{1, authChallenge}, // older count
		{5, authOK},        // gaps are fine
	} {
		got := a.check(testIP, "REGISTER", answer(t, chal, "alice", "secret", step.nc), passwords)
		if got.verdict != step.want {
			t.Fatalf("nc %d: verdict %d, want %d", step.nc, got.verdict, step.want)
		}
	}
}

func TestAuthenticatorRejectsForgeries(t *testing.T) {
	clk := newFakeClock()
	issuer := testAuth(clk)
	issuer.secret = sharedSecret
	good := answer(t, issuer.challenges(false)[0], "alice", "secret", 1)
	tests := map[string]struct {
		hdr  string
		want authVerdict
	}{
		"absent":        {"", authChallenge},
		"not digest":    {"Basic YWxpY2U6c2VjcmV0", authForbidden},
		"foreign nonce": {strings.Replace(good, `nonce="`, `nonce="00`, 1), authChallenge},
		"other realm":   {strings.Replace(good, `realm="pbx"`, `realm="evil"`, 1), authChallenge},
		"bad response":  {strings.Replace(good, `response="`, `response="0`, 1), authForbidden},
		"alg mismatch":  {strings.Replace(good, "algorithm=MD5", "algorithm=SHA-256", 1), authForbidden},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := testAuth(clk)
			a.secret = sharedSecret
			got := a.check(testIP, "REGISTER", tc.hdr, passwords)
			if got.verdict != tc.want {
				t.Fatalf("verdict %d, want %d (%+v)", got.verdict, tc.want, got)
			}
		})
	}
}

// sharedSecret lets several authenticators accept each other's nonces.
var sharedSecret [32]byte

func init() {
	for i := range sharedSecret {
		sharedSecret[i] = byte(i)
	}
}

func TestFailLimiter(t *testing.T) {
	clk := newFakeClock()
	a := testAuth(clk) // limit 3 per minute, block 5 minutes
	bad := func() authResult {
		return a.check(testIP, "REGISTER", answer(t, a.challenges(false)[0], "alice", "wrong", 1), passwords)
	}
	for i := range 3 {
		if r := bad(); r.verdict != authForbidden || r.blocked {
			t.Fatalf("failure %d: %+v", i+1, r)
		}
	}
	r := bad()
	if !r.blocked || !r.newly {
		t.Fatalf("4th failure should start the block: %+v", r)
	}
	// Blocked: even good credentials are refused without a challenge.
	good := answer(t, a.challenges(false)[0], "alice", "secret", 1)
	if r := a.check(testIP, "REGISTER", good, passwords); r.verdict != authForbidden || !r.blocked || r.newly {
		t.Fatalf("blocked source: %+v", r)
	}
	if r := a.check(testIP, "REGISTER", "", passwords); r.verdict != authForbidden {
		t.Fatalf("blocked source gets a challenge: %+v", r)
	}
	// Another source is unaffected.
	if r := a.check(netip.MustParseAddr("192.0.2.2"), "REGISTER", good, passwords); r.verdict != authOK {
		t.Fatalf("other source: %+v", r)
	}
	clk.add(6 * time.Minute)
	good = answer(t, a.challenges(false)[0], "alice", "secret", 1)
	if r := a.check(testIP, "REGISTER", good, passwords); r.verdict != authOK {
		t.Fatalf("after the block: %+v", r)
	}
}
