package sip

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
)

// FuzzParseDest: a destination either fails or survives a format/parse
// round trip unchanged.
func FuzzParseDest(f *testing.F) {
	for _, s := range []string{
		"alice", "alice@example.com", "alice@192.0.2.7:5062", "bob@[2001:db8::1]:5060",
		"sip:alice@host;transport=tcp", "sip:host:5080", "SIP:Bob@Example.COM", "sips:x@y",
		"a%41b@h", "@host", "alice@", "alice@host:", "alice@host:0", "alice@[::1", "sip:;transport=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDest(s)
		if err != nil {
			return
		}
		again, err := parseDest(d.String())
		if err != nil {
			t.Fatalf("%q -> %q does not parse: %v", s, d.String(), err)
		}
		if again != d {
			t.Fatalf("%q -> %+v -> %q -> %+v", s, d, d.String(), again)
		}
		if d.isAOR() && (d.user == "" || strings.ContainsAny(d.user, "@:;?/ ")) {
			t.Fatalf("bad AOR %+v from %q", d, s)
		}
	})
}

// FuzzAuthorization: no Authorization header the fuzzer can build passes
// for a realm whose nonces it cannot forge, and none crashes the check.
func FuzzAuthorization(f *testing.F) {
	clk := newFakeClock()
	other := testAuth(clk) // a different secret: its nonces are foreign
	chal, _ := digest.ParseChallenge(other.challenges(false)[1])
	cred, _ := digest.Digest(chal, digest.Options{Method: "INVITE", URI: "sip:600@pbx", Username: "alice", Password: "secret", Count: 1})
	f.Add(cred.String())
	f.Add(`Digest username="alice", realm="pbx", nonce="00", uri="sip:x", response="00"`)
	f.Add(`Digest username="alice", realm="pbx", nonce="` + strings.Repeat("0", nonceHexLen) + `", uri="sip:x", response="0", qop=auth, nc=zz`)
	f.Add("Basic Zm9vOmJhcg==")
	f.Add(`Digest ,,,=""`)
	f.Fuzz(func(t *testing.T, hdr string) {
		a := testAuth(clk)
		r := a.check(testIP, "INVITE", hdr, passwords)
		if r.verdict == authOK {
			t.Fatalf("forged credentials accepted: %q", hdr)
		}
		if r.verdict == authUnknown {
			t.Fatalf("no verdict for %q", hdr)
		}
	})
}

// FuzzDTMFRelay: SIP INFO dtmf-relay bodies give a valid digit and a
// positive duration, or nothing.
func FuzzDTMFRelay(f *testing.F) {
	f.Add("Signal=5\r\nDuration=160\r\n")
	f.Add("signal= #\nduration=99999999999")
	f.Add("Signal=\r\n")
	f.Fuzz(func(t *testing.T, body string) {
		d, dur, ok := parseDTMFRelay(body)
		if !ok {
			return
		}
		if !strings.ContainsRune("0123456789*#ABCD", d) || dur <= 0 || dur > 200*time.Second {
			t.Fatalf("%q -> %q %v", body, d, dur)
		}
	})
}

// FuzzInviteSDP sends INVITEs with arbitrary SDP bodies through the whole
// driver: each gets 488 (unusable offer) or reaches the dialplan, which
// rejects it busy (486); nothing crashes and no channel or RTP port
// outlives its call.
func FuzzInviteSDP(f *testing.F) {
	for _, s := range []string{
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=video 0 RTP/AVP 96\r\n",
		"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
		"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n",
		"garbage",
	} {
		f.Add(s)
	}
	e := newEnv(f)
	e.handle(func(ctx context.Context, ch *channel.Channel) { ch.Indicate(frame.Busy) })
	rc := newRawClient(f, e.udp())
	f.Fuzz(func(t *testing.T, body string) {
		if len(body) > 800 { // stay within a UDP datagram
			return
		}
		res := rc.do(t, rc.invite("carol", "600", body))
		if res.StatusCode != 486 && res.StatusCode != 488 {
			t.Fatalf("%s for %q", res.Short(), body)
		}
	})
	e.waitNoChannels(f)
}
