package test

import (
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/internal/testphone"
)

const demoPlan = `
[default]
exten => 600,1,Answer()
 same => n,Echo()
 same => n,Hangup()

exten => 601,1,Answer()
 same => n,StreamEcho()

exten => 700,1,Answer()
 same => n,Read(DIGITS,,3,,1,10)
 same => n,SendDTMF(${DIGITS})
 same => n,Wait(5)

exten => _100X,1,Dial(SIP/${EXTEN},20)
 same => n,Set(CDR_STATUS=${DIALSTATUS})
 same => n,GotoIf($["${DIALSTATUS}" = "CHANUNAVAIL"]?gone)
 same => n,Hangup()
 same => n(gone),Hangup(20)

[guest]
exten => 600,1,Answer()
 same => n,Echo()
exten => 800,1,Answer()
 same => n,Hangup()
`

func TestRegisterWithDigestAuth(t *testing.T) {
	s := startPBX(t, demoPlan)
	t.Run("GoodPassword", func(t *testing.T) {
		registered(t, s, "1001", "secret1001")
	})
	t.Run("WrongPasswordIs403", func(t *testing.T) {
		p := s.phone(t, "1002", "wrong")
		err := p.Register(ctxT(t, 10*time.Second), time.Hour)
		if code := testphone.StatusCode(err); code != 403 {
			t.Fatalf("register with a wrong password: %v (status %d), want 403", err, code)
		}
	})
}

func TestEchoCallReturnsTheCallersTone(t *testing.T) {
	s := startPBX(t, demoPlan)
	p := registered(t, s, "1001", "secret1001")
	ctx := ctxT(t, 30*time.Second)
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatalf("dial 600: %v", err)
	}
	media := call.Streams()[0]
	stop, err := media.StartTone(1000)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if err := media.WaitTone(ctx, 1000, 400*time.Millisecond); err != nil {
		t.Fatalf("no echo of the 1000 Hz tone: %v", err)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCallBetweenTwoPhonesCarriesAudioBothWays(t *testing.T) {
	s := startPBX(t, demoPlan)
	alice := registered(t, s, "1001", "secret1001")
	bob := registered(t, s, "1002", "secret1002")
	ctx := ctxT(t, 40*time.Second)

	type dialed struct {
		call *testphone.Call
		err  error
	}
	res := make(chan dialed, 1)
	go func() {
		c, err := alice.Dial(ctx, "1002", testphone.DialOptions{})
		res <- dialed{c, err}
	}()
	in, err := bob.WaitIncoming(ctx)
	if err != nil {
		t.Fatalf("bob never rang: %v", err)
	}
	// Dial presents alice's number to bob (CALLERID(num) in the From).
	if got, dn := in.RemoteURI(), in.RemoteDisplayName(); !strings.HasPrefix(got, "sip:1001@") || dn != "1001" {
		t.Errorf("bob sees the call from %q <%s>, want \"1001\" <sip:1001@…>", dn, got)
	}
	if err := in.Answer(ctx); err != nil {
		t.Fatalf("bob answer: %v", err)
	}
	r := <-res
	if r.err != nil {
		t.Fatalf("alice dial: %v", r.err)
	}
	a, b := r.call.Streams()[0], in.Streams()[0]
	stopA, _ := a.StartTone(440)
	defer stopA()
	stopB, _ := b.StartTone(1300)
	defer stopB()
	if err := b.WaitTone(ctx, 440, 400*time.Millisecond); err != nil {
		t.Fatalf("bob does not hear alice's 440 Hz: %v", err)
	}
	if err := a.WaitTone(ctx, 1300, 400*time.Millisecond); err != nil {
		t.Fatalf("alice does not hear bob's 1300 Hz: %v", err)
	}

	out, err := s.CLI("channels")
	if err != nil {
		t.Fatalf("pbx channels: %v\n%s", err, out)
	}
	if !strings.Contains(out, "SIP/1001-") || !strings.Contains(out, "SIP/1002-") || !strings.Contains(out, ":audio:sendrecv") {
		t.Fatalf("pbx channels does not show both legs with topologies:\n%s", out)
	}
	out, err = s.CLI("hangup", "all")
	if err != nil {
		t.Fatalf("pbx hangup all: %v\n%s", err, out)
	}
	for _, c := range []*testphone.Call{r.call, in} {
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatal("call not ended by pbx hangup all")
		}
	}
}

func TestDialUnregisteredUserIsChanUnavail(t *testing.T) {
	s := startPBX(t, demoPlan)
	p := registered(t, s, "1001", "secret1001")
	_, err := p.Dial(ctxT(t, 20*time.Second), "1003", testphone.DialOptions{})
	// Dial sets CHANUNAVAIL, the dialplan hangs up with cause 20
	// (subscriber absent), which maps to 480 (RFC 3398).
	if code := testphone.StatusCode(err); code != 480 {
		t.Fatalf("dial unregistered 1003: %v (status %d), want 480", err, code)
	}
}

func TestReadCollectsRFC4733Digits(t *testing.T) {
	s := startPBX(t, demoPlan)
	p := registered(t, s, "1001", "secret1001")
	ctx := ctxT(t, 30*time.Second)
	call, err := p.Dial(ctx, "700", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := call.Streams()[0]
	if err := m.SendDigits(ctx, "123", 100*time.Millisecond, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	// The dialplan sends back what Read collected.
	if err := m.WaitDigits(ctx, "123"); err != nil {
		t.Fatalf("digits not read/echoed: %v (got %q)", err, m.Digits())
	}
	call.Hangup(ctx)
}

func TestUnknownExtensionAndBadSDPDoNotLeakCalls(t *testing.T) {
	s := startPBX(t, demoPlan)
	p := registered(t, s, "1001", "secret1001")
	ctx := ctxT(t, 20*time.Second)
	if _, err := p.Dial(ctx, "999", testphone.DialOptions{}); testphone.StatusCode(err) < 400 {
		t.Fatalf("dial to a missing extension: %v, want a 4xx/5xx", err)
	}
	out, err := s.CLI("channels")
	if err != nil || !strings.Contains(out, "0 active channel(s)") {
		t.Fatalf("channels left behind: %v\n%s", err, out)
	}
}

func TestPlaybackOfABundledPrompt(t *testing.T) {
	s := startPBX(t, demoPlan+"[default]\nexten => 602,1,Answer()\n same => n,Playback(beep)\n same => n,Wait(5)\n")
	p := registered(t, s, "1001", "secret1001")
	ctx := ctxT(t, 30*time.Second)
	call, err := p.Dial(ctx, "602", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The bundled beep is a 1 kHz tone.
	if err := call.Streams()[0].WaitTone(ctx, 1000, 200*time.Millisecond); err != nil {
		t.Fatalf("beep not heard: %v", err)
	}
	call.Hangup(ctx)
}
