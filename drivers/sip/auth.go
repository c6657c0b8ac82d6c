package sip

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/icholy/digest"
)

// authVerdict is the outcome of checking a request's credentials.
type authVerdict uint8

const (
	authUnknown authVerdict = iota
	// authOK: the credentials are valid for the user.
	authOK
	// authChallenge: no usable credentials; answer 401 with a fresh
	// challenge (stale=true when only the nonce was too old).
	authChallenge
	// authForbidden: wrong credentials, or the source is blocked; answer
	// 403 without a new challenge.
	authForbidden
)

// authResult is what [authenticator.check] decided.
type authResult struct {
	verdict authVerdict
	stale   bool
	user    string // the username of valid credentials
	blocked bool   // the source IP was blocked by this or an earlier failure
	newly   bool   // this failure started the block (log it once)
}

// Nonce layout: hex(8-byte issue time in ns | 1-byte algorithm | 4 random
// bytes) followed by hex(first 12 bytes of HMAC-SHA256(secret, prefix)).
// A nonce is self-validating, so unauthenticated requests create no
// state; the nonce count of qop=auth (RFC 7616 §3.4) is tracked from the
// first successful use until the nonce expires.
const (
	noncePrefixLen = 8 + 1 + 4
	nonceMACLen    = 12
	nonceHexLen    = 2 * (noncePrefixLen + nonceMACLen)
)

// authenticator checks digest credentials (RFC 3261 §22, RFC 7616 with
// MD5 and SHA-256, RFC 8760) and rate-limits failures per source IP. It is
// safe for concurrent use.
type authenticator struct {
	realm  string
	algs   []string
	ttl    time.Duration
	secret [32]byte
	now    func() time.Time
	limit  *failLimiter

	mu        sync.Mutex
	counts    map[string]nonceCount // nonce -> nc state, for used nonces
	lastSweep time.Time
}

type nonceCount struct {
	expires time.Time
	last    uint32
}

func newAuthenticator(cfg *Config, now func() time.Time) *authenticator {
	a := &authenticator{
		realm:  cfg.Realm,
		algs:   cfg.Algorithms,
		ttl:    cfg.NonceTTL,
		now:    now,
		counts: map[string]nonceCount{},
		limit:  newFailLimiter(cfg.AuthFailLimit, cfg.AuthFailWindow, cfg.AuthBlock, now),
	}
	_, _ = rand.Read(a.secret[:]) // crypto/rand.Read never fails
	return a
}

func algCode(alg string) byte {
	if alg == SHA256 {
		return 2
	}
	return 1
}

func algName(code byte) (string, bool) {
	switch code {
	case 1:
		return MD5, true
	case 2:
		return SHA256, true
	}
	return "", false
}

func (a *authenticator) mac(prefix []byte) []byte {
	m := hmac.New(sha256.New, a.secret[:])
	m.Write(prefix)
	return m.Sum(nil)[:nonceMACLen]
}

// nonce issues a nonce for algorithm alg.
func (a *authenticator) nonce(alg string) string {
	var b [noncePrefixLen + nonceMACLen]byte
	binary.BigEndian.PutUint64(b[:8], uint64(a.now().UnixNano()))
	b[8] = algCode(alg)
	_, _ = rand.Read(b[9:noncePrefixLen])
	copy(b[noncePrefixLen:], a.mac(b[:noncePrefixLen]))
	return hex.EncodeToString(b[:])
}

// parseNonce validates a nonce the authenticator issued and returns its
// algorithm and issue time.
func (a *authenticator) parseNonce(n string) (alg string, issued time.Time, ok bool) {
	if len(n) != nonceHexLen {
		return "", time.Time{}, false
	}
	var b [noncePrefixLen + nonceMACLen]byte
	if _, err := hex.Decode(b[:], []byte(n)); err != nil {
		return "", time.Time{}, false
	}
	if !hmac.Equal(a.mac(b[:noncePrefixLen]), b[noncePrefixLen:]) {
		return "", time.Time{}, false
	}
	alg, ok = algName(b[8])
	if !ok {
		return "", time.Time{}, false
	}
	return alg, time.Unix(0, int64(binary.BigEndian.Uint64(b[:8]))), true
}

// challenges returns the WWW-Authenticate values to send, one per
// configured algorithm, each with a fresh nonce and qop=auth.
func (a *authenticator) challenges(stale bool) []string {
	out := make([]string, 0, len(a.algs))
	for _, alg := range a.algs {
		c := digest.Challenge{
			Realm:     a.realm,
			Nonce:     a.nonce(alg),
			Algorithm: alg,
			QOP:       []string{"auth"},
			Stale:     stale,
		}
		out = append(out, c.String())
	}
	return out
}

// errBadCredentials marks credentials that cannot be checked.
var errBadCredentials = errors.New("sip: bad credentials")

// check verifies the Authorization header value hdr ("" when absent) of a
// request with method from source ip. password looks the user's password
// up (false for an unknown user).
func (a *authenticator) check(ip netip.Addr, method, hdr string, password func(user string) (string, bool)) authResult {
	if a.limit.blocked(ip) {
		return authResult{verdict: authForbidden, blocked: true}
	}
	if hdr == "" {
		return authResult{verdict: authChallenge}
	}
	creds, err := digest.ParseCredentials(hdr)
	if err != nil || creds.Username == "" || creds.Nonce == "" || creds.Response == "" {
		return a.fail(ip)
	}
	if creds.Realm != a.realm {
		return authResult{verdict: authChallenge}
	}
	alg, issued, ok := a.parseNonce(creds.Nonce)
	if !ok {
		// Not ours (or from before a restart): challenge again.
		return authResult{verdict: authChallenge}
	}
	if creds.Algorithm != "" && !strings.EqualFold(creds.Algorithm, alg) {
		return a.fail(ip)
	}
	pw, known := password(creds.Username)
	if !known {
		return a.fail(ip)
	}
	if !a.responseValid(creds, alg, method, pw) {
		return a.fail(ip)
	}
	now := a.now()
	if now.Sub(issued) > a.ttl {
		return authResult{verdict: authChallenge, stale: true}
	}
	if creds.QOP != "" && !a.countOK(creds.Nonce, uint32(creds.Nc), issued.Add(a.ttl), now) {
		// A replayed or reordered nonce count: ask again without blaming.
		return authResult{verdict: authChallenge, stale: true}
	}
	return authResult{verdict: authOK, user: creds.Username}
}

// responseValid recomputes the digest response (RFC 7616 §3.4.1) and
// compares it in constant time.
func (a *authenticator) responseValid(creds *digest.Credentials, alg, method, password string) bool {
	chal := &digest.Challenge{Realm: a.realm, Nonce: creds.Nonce, Algorithm: alg}
	switch creds.QOP {
	case "":
	case "auth":
		chal.QOP = []string{"auth"}
	default:
		return false // auth-int is not offered
	}
	want, err := digest.Digest(chal, digest.Options{
		Method:   method,
		URI:      creds.URI,
		Username: creds.Username,
		Password: password,
		Cnonce:   creds.Cnonce,
		Count:    creds.Nc,
	})
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(creds.Response)), []byte(want.Response)) == 1
}

// countOK accepts nonce count nc for nonce if it is higher than any seen.
func (a *authenticator) countOK(nonce string, nc uint32, expires, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if now.Sub(a.lastSweep) > a.ttl {
		for k, v := range a.counts {
			if now.After(v.expires) {
				delete(a.counts, k)
			}
		}
		a.lastSweep = now
	}
	st, seen := a.counts[nonce]
	if seen && nc <= st.last {
		return false
	}
	a.counts[nonce] = nonceCount{expires: expires, last: nc}
	return true
}

func (a *authenticator) fail(ip netip.Addr) authResult {
	blocked, newly := a.limit.fail(ip)
	return authResult{verdict: authForbidden, blocked: blocked, newly: newly}
}

// failLimiter counts authentication failures per source IP and blocks a
// source that fails more than limit times within window, for block.
type failLimiter struct {
	limit  int
	window time.Duration
	block  time.Duration
	now    func() time.Time

	mu        sync.Mutex
	sources   map[netip.Addr]*failState
	lastSweep time.Time
}

type failState struct {
	start        time.Time // of the current window
	count        int
	blockedUntil time.Time
}

// maxFailSources bounds the limiter's memory; beyond it the oldest idle
// entries are swept.
const maxFailSources = 1 << 16

func newFailLimiter(limit int, window, block time.Duration, now func() time.Time) *failLimiter {
	return &failLimiter{limit: limit, window: window, block: block, now: now, sources: map[netip.Addr]*failState{}}
}

// blocked reports whether ip is blocked now.
func (l *failLimiter) blocked(ip netip.Addr) bool {
	if l.limit < 0 {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.sources[ip]
	return st != nil && l.now().Before(st.blockedUntil)
}

// fail records a failure from ip; it reports whether ip is now blocked and
// whether this failure started the block.
func (l *failLimiter) fail(ip netip.Addr) (blocked, newly bool) {
	if l.limit < 0 {
		return false, false
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now)
	st := l.sources[ip]
	if st == nil {
		st = &failState{start: now}
		l.sources[ip] = st
	}
	if now.Before(st.blockedUntil) {
		return true, false
	}
	if now.Sub(st.start) > l.window {
		st.start, st.count = now, 0
	}
	st.count++
	if st.count > l.limit {
		st.blockedUntil = now.Add(l.block)
		st.start, st.count = now, 0
		return true, true
	}
	return false, false
}

func (l *failLimiter) sweepLocked(now time.Time) {
	if len(l.sources) < maxFailSources && now.Sub(l.lastSweep) < l.window {
		return
	}
	l.lastSweep = now
	for ip, st := range l.sources {
		if now.After(st.blockedUntil) && now.Sub(st.start) > l.window {
			delete(l.sources, ip)
		}
	}
}
