package test

import (
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/internal/testphone"
)

// Interop with a third-party softphone: baresip (see baresip_test.go)
// registers, calls and is called through the pbx binary, and tones prove
// the media both ways.

// TestBaresipRegistersWithDigestAuth: baresip registers as 1002 with
// digest auth, the PBX stores the binding (it logs it, and pbx originate
// SIP/1002 reaches baresip), and a wrong password is refused with 403.
func TestBaresipRegistersWithDigestAuth(t *testing.T) {
	baresipPaths(t) // fail before starting the PBX when baresip is missing
	s := startPBX(t, demoPlan)
	t.Run("GoodPassword", func(t *testing.T) {
		ctx := ctxT(t, 30*time.Second)
		b := registeredBaresip(t, s, "1002", "secret1002", 1000)
		if err := waitLog(ctx, s, "msg=register", "user=1002", "bindings=1"); err != nil {
			t.Fatal(err)
		}
		// The binding is usable: the PBX can ring baresip (auto-answer)
		// and run the echo test on it.
		if out, err := s.CLI("originate", "SIP/1002", "600"); err != nil {
			t.Fatalf("pbx originate SIP/1002: %v\n%s", err, out)
		}
		if _, err := b.waitEvent(ctx, "CALL_ESTABLISHED", nil); err != nil {
			t.Fatal(err)
		}
		if err := b.waitHeard(ctx, 1000, 400*time.Millisecond); err != nil {
			t.Fatalf("baresip does not hear its 1000 Hz echoed on the originated call: %v", err)
		}
		if out, err := s.CLI("channels"); err != nil || !strings.Contains(out, "SIP/1002-") {
			t.Fatalf("pbx channels does not show baresip's leg: %v\n%s", err, out)
		}
		if out, err := s.CLI("hangup", "all"); err != nil {
			t.Fatalf("pbx hangup all: %v\n%s", err, out)
		}
		if _, err := b.waitEvent(ctx, "CALL_CLOSED", nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("WrongPasswordIs403", func(t *testing.T) {
		ctx := ctxT(t, 30*time.Second)
		b := startBaresip(t, 1000)
		ev, err := b.register(ctx, s, "1003", "wrong")
		if err != nil {
			t.Fatal(err)
		}
		if ev.Type != "REGISTER_FAIL" || !strings.HasPrefix(ev.Param, "403") {
			t.Fatalf("register with a wrong password: %s %q, want REGISTER_FAIL 403", ev.Type, ev.Param)
		}
		if err := waitLog(ctx, s, `msg="authentication failed"`, "user=1003", "method=REGISTER"); err != nil {
			t.Fatal(err)
		}
		// No binding: the PBX cannot reach 1003.
		if out, err := s.CLI("originate", "SIP/1003", "600"); err == nil || !strings.Contains(out, "not registered") {
			t.Fatalf("pbx originate SIP/1003 after a refused registration: %v, want \"not registered\":\n%s", err, out)
		}
	})
}

// TestBaresipCallsAPhoneAudioBothWays: baresip dials 1001, Dial rings the
// test phone, and each side hears the other's tone: the phone detects
// baresip's 1000 Hz live, baresip's recording holds the phone's 1300 Hz.
// The phone hangs up and baresip sees the BYE.
func TestBaresipCallsAPhoneAudioBothWays(t *testing.T) {
	baresipPaths(t) // fail before starting the PBX when baresip is missing
	s := startPBX(t, demoPlan)
	phone := registered(t, s, "1001", "secret1001")
	b := registeredBaresip(t, s, "1002", "secret1002", 1000)
	ctx := ctxT(t, 40*time.Second)

	if _, err := b.command(ctx, "dial", "1001"); err != nil {
		t.Fatal(err)
	}
	in, err := phone.WaitIncoming(ctx)
	if err != nil {
		t.Fatalf("the phone never rang: %v", err)
	}
	if got := in.RemoteURI(); !strings.HasPrefix(got, "sip:1002@") {
		t.Errorf("the phone sees the call from %s, want sip:1002@…", got)
	}
	if err := in.Answer(ctx); err != nil {
		t.Fatalf("answer: %v", err)
	}
	if _, err := b.waitEvent(ctx, "CALL_ESTABLISHED", nil); err != nil {
		t.Fatal(err)
	}
	m := in.Streams()[0]
	stop, err := m.StartTone(1300)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := m.WaitTone(ctx, 1000, 400*time.Millisecond); err != nil {
		t.Fatalf("the phone does not hear baresip's 1000 Hz: %v", err)
	}
	if err := b.waitHeard(ctx, 1300, 400*time.Millisecond); err != nil {
		t.Fatalf("baresip does not hear the phone's 1300 Hz: %v", err)
	}
	if err := in.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.waitEvent(ctx, "CALL_CLOSED", nil); err != nil {
		t.Fatalf("the phone's hang-up did not reach baresip: %v", err)
	}
}

// TestPhoneCallsBaresipAudioBothWays: the test phone dials 1002, baresip
// answers by itself, tones cross both ways, and baresip's hang-up ends
// the phone's call.
func TestPhoneCallsBaresipAudioBothWays(t *testing.T) {
	baresipPaths(t) // fail before starting the PBX when baresip is missing
	s := startPBX(t, demoPlan)
	phone := registered(t, s, "1001", "secret1001")
	b := registeredBaresip(t, s, "1002", "secret1002", 1000)
	ctx := ctxT(t, 40*time.Second)

	call, err := phone.Dial(ctx, "1002", testphone.DialOptions{})
	if err != nil {
		t.Fatalf("dial 1002 (baresip): %v", err)
	}
	if ev, err := b.waitEvent(ctx, "CALL_ESTABLISHED", nil); err != nil {
		t.Fatal(err)
	} else if ev.Direction != "incoming" {
		t.Errorf("baresip's call is %s, want incoming", ev.Direction)
	}
	m := call.Streams()[0]
	stop, err := m.StartTone(440)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := m.WaitTone(ctx, 1000, 400*time.Millisecond); err != nil {
		t.Fatalf("the phone does not hear baresip's 1000 Hz: %v", err)
	}
	if err := b.waitHeard(ctx, 440, 400*time.Millisecond); err != nil {
		t.Fatalf("baresip does not hear the phone's 440 Hz: %v", err)
	}
	if _, err := b.command(ctx, "hangup", ""); err != nil {
		t.Fatal(err)
	}
	select {
	case <-call.Done():
	case <-ctx.Done():
		t.Fatal("baresip's hang-up did not end the phone's call")
	}
}

// TestBaresipEchoTest: baresip calls the echo extension and hears its
// own tone back.
func TestBaresipEchoTest(t *testing.T) {
	baresipPaths(t) // fail before starting the PBX when baresip is missing
	s := startPBX(t, demoPlan)
	b := registeredBaresip(t, s, "1002", "secret1002", 1000)
	ctx := ctxT(t, 30*time.Second)
	if _, err := b.command(ctx, "dial", "600"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.waitEvent(ctx, "CALL_ESTABLISHED", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.waitHeard(ctx, 1000, 400*time.Millisecond); err != nil {
		t.Fatalf("baresip does not hear its 1000 Hz echoed: %v", err)
	}
	if _, err := b.command(ctx, "hangup", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.waitEvent(ctx, "CALL_CLOSED", nil); err != nil {
		t.Fatal(err)
	}
}

// TestBaresipDTMFIsReadByTheDialplan: baresip types 1 2 3 (RFC 4733
// telephone-events) into an extension whose Read collects them and whose
// SendDTMF plays them back, which baresip receives as DTMF events.
//
// The extension goes on to Echo() rather than Wait(): baresip 1.0 passes
// telephone-events through its jitter buffer, which releases a packet
// only when a later one arrives, so after a silent far end the last
// digit's end packets would never come out.
func TestBaresipDTMFIsReadByTheDialplan(t *testing.T) {
	baresipPaths(t) // fail before starting the PBX when baresip is missing
	s := startPBX(t, demoPlan+"[default]\nexten => 710,1,Answer()\n same => n,Read(DIGITS,,3,,1,10)\n same => n,SendDTMF(${DIGITS})\n same => n,Echo()\n")
	b := registeredBaresip(t, s, "1002", "secret1002", 1000)
	ctx := ctxT(t, 30*time.Second)
	if _, err := b.command(ctx, "dial", "710"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.waitEvent(ctx, "CALL_ESTABLISHED", nil); err != nil {
		t.Fatal(err)
	}
	// Each digit is a key press and its release ("\x04"); the release
	// ends the event (without it baresip sends one endless event).
	if err := b.keys(ctx, "1\x042\x043\x04"); err != nil {
		t.Fatal(err)
	}
	if err := waitLog(ctx, s, "app=SendDTMF", "args=123"); err != nil {
		t.Fatalf("Read did not collect 123 from baresip: %v", err)
	}
	err := b.wait(ctx, func() bool {
		n := 0
		for _, ev := range b.events {
			if ev.Type == "CALL_DTMF_END" {
				n++
			}
		}
		return n >= 3
	})
	if got := strings.Join(b.eventsOf("CALL_DTMF_START"), ""); err != nil || got != "123" {
		t.Fatalf("baresip received DTMF %q (%v; events: %s), want 1 2 3 begun and ended, sent back by SendDTMF", got, err, b.eventTypes())
	}
	if _, err := b.command(ctx, "hangup", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := b.waitEvent(ctx, "CALL_CLOSED", nil); err != nil {
		t.Fatal(err)
	}
}
