package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/internal/testphone"
)

// registered returns a phone of user registered with the driver.
func (e *env) registered(t *testing.T, user, pw string) *testphone.Phone {
	t.Helper()
	p := e.phone(t, user, pw)
	if err := p.Register(ctxT(t), time.Hour); err != nil {
		t.Fatalf("register %s: %v", user, err)
	}
	return p
}

// echoChannel writes back every voice frame read on ch until it ends.
func echoChannel(ch *channel.Channel, done chan<- struct{}) {
	defer close(done)
	for {
		f, err := ch.Read()
		if err != nil {
			return
		}
		if f.Kind == frame.Voice {
			_ = ch.Write(f)
		}
		f.Release()
	}
}

// TestOutboundToRegistered: Dial("SIP/bob") rings bob's registered phone;
// Ringing and Answer reach the channel, media flows both ways, and the
// PBX's hang-up is a BYE.
func TestOutboundToRegistered(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	bob := e.registered(t, "bob", "bob-secret")
	ch, err := e.reg.Dial(ctx, "SIP/bob", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	in, err := bob.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Ringing(ctx); err != nil {
		t.Fatal(err)
	}
	readUntil(t, ch, isControl(frame.Ringing)).Release()
	if err := in.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	readUntil(t, ch, isControl(frame.Answer)).Release()
	if ch.State() != channel.Up {
		t.Errorf("state %v", ch.State())
	}
	done := make(chan struct{})
	go echoChannel(ch, done)
	m := in.Streams()[0]
	stop, err := m.StartTone(1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WaitTone(ctx, 1000, 400*time.Millisecond); err != nil {
		t.Errorf("media through the outbound leg: %v", err)
	}
	stop()
	ch.Hangup(channel.CauseNormalClearing)
	<-done
	select {
	case <-in.Done():
	case <-ctx.Done():
		t.Fatal("callee got no BYE")
	}
	e.waitNoChannels(t)
}

func TestOutboundNotRegistered(t *testing.T) {
	e := newEnv(t)
	_, err := e.reg.Dial(ctxT(t), "SIP/alice", nil)
	if !errors.Is(err, ErrNotRegistered) || channel.CauseOf(err) != channel.CauseSubscriberAbsent {
		t.Fatalf("dial: %v (cause %v), want ErrNotRegistered with SUBSCRIBER_ABSENT", err, channel.CauseOf(err))
	}
	_, err = e.reg.Dial(ctxT(t), "SIP/bad user@host", nil)
	if !errors.Is(err, ErrBadDest) {
		t.Fatalf("dial bad destination: %v", err)
	}
}

// TestOutboundRejected: the callee's final status becomes the hang-up
// cause (RFC 3398).
func TestOutboundRejected(t *testing.T) {
	for status, want := range map[int]channel.Cause{486: channel.CauseUserBusy, 603: channel.CauseCallRejected, 404: channel.CauseUnallocated, 480: channel.CauseNoUserResponse} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			e := newEnv(t)
			ctx := ctxT(t)
			bob := e.registered(t, "bob", "bob-secret")
			ch, err := e.reg.Dial(ctx, "SIP/bob", nil)
			if err != nil {
				t.Fatal(err)
			}
			in, err := bob.WaitIncoming(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := in.Reject(ctx, status); err != nil {
				t.Fatal(err)
			}
			drain(ch)
			if got := ch.HangupCause(); got != want {
				t.Fatalf("cause %v, want %v", got, want)
			}
			e.waitNoChannels(t)
		})
	}
}

// TestOutboundFork: two registrations ring in parallel; the first to
// answer wins and the other is cancelled.
func TestOutboundFork(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	p1 := e.registered(t, "bob", "bob-secret")
	p2 := e.registered(t, "bob", "bob-secret")
	ch, err := e.reg.Dial(ctx, "SIP/bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	in1, err := p1.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in2, err := p2.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in1.Ringing(ctx)
	in2.Ringing(ctx)
	readUntil(t, ch, isControl(frame.Ringing)).Release()
	if err := in2.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	readUntil(t, ch, isControl(frame.Answer)).Release()
	select {
	case <-in1.Done():
	case <-ctx.Done():
		t.Fatal("losing branch not cancelled")
	}
	select {
	case <-in2.Done():
		t.Fatal("winning branch ended")
	default:
	}
	ch.Hangup(channel.CauseNormalClearing)
	drain(ch)
	select {
	case <-in2.Done():
	case <-ctx.Done():
		t.Fatal("winner got no BYE")
	}
	e.waitNoChannels(t)
}

// TestOutboundCancel: hanging up while the callee rings cancels it.
func TestOutboundCancel(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	bob := e.registered(t, "bob", "bob-secret")
	ch, err := e.reg.Dial(ctx, "SIP/bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := bob.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in.Ringing(ctx)
	readUntil(t, ch, isControl(frame.Ringing)).Release()
	ch.Hangup(channel.CauseNormalClearing)
	drain(ch)
	select {
	case <-in.Done():
	case <-ctx.Done():
		t.Fatal("callee not cancelled")
	}
	e.waitNoChannels(t)
}

// TestOutboundDirect dials a URI that never registered.
func TestOutboundDirect(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	p := e.phone(t, "dave", "")
	ch, err := e.reg.Dial(ctx, "SIP/dave@"+p.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := p.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	readUntil(t, ch, isControl(frame.Answer)).Release()
	if err := in.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	drain(ch)
	if got := ch.HangupCause(); got != channel.CauseNormalClearing {
		t.Errorf("cause %v", got)
	}
	e.waitNoChannels(t)
}

// TestOutboundPresentsCallerID: the caller ID set on an outbound channel
// before Call (as Dial copies the caller's) reaches the callee in the
// INVITE's From, with the PBX's own host; with none, the From is "pbx".
func TestOutboundPresentsCallerID(t *testing.T) {
	e := newEnv(t)
	bob := e.registered(t, "bob", "bob-secret")
	host := e.d.cfg.Host
	tests := []struct {
		name, num, cname string
		wantFrom         string // header value without the tag
		wantURI, wantDN  string // as the callee's parser sees them
	}{
		{"number and name", "1001", "Alice", `"Alice" <sip:1001@` + host + `>`, "sip:1001@" + host, "Alice"},
		{"number only", "+15551234567", "", `"+15551234567" <sip:+15551234567@` + host + `>`, "sip:+15551234567@" + host, "+15551234567"},
		{"quoted name", "1001", `Al "Bo"`, `"Al \"Bo\"" <sip:1001@` + host + `>`, "sip:1001@" + host, `Al \"Bo\"`},
		{"none", "", "", `"pbx" <sip:pbx@` + host + `>`, "sip:pbx@" + host, "pbx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxT(t)
			ch, err := e.reg.Request(ctx, "SIP/bob", nil)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			ch.SetCallerID(tc.num, tc.cname)
			if err := ch.Call(ctx); err != nil {
				ch.Hangup(channel.CauseOf(err))
				t.Fatalf("call: %v", err)
			}
			in, err := bob.WaitIncoming(ctx)
			if err != nil {
				t.Fatal(err)
			}
			from, _, _ := strings.Cut(in.Header("From"), ";tag=")
			if from != tc.wantFrom {
				t.Errorf("From: %s\nwant  %s", from, tc.wantFrom)
			}
			if got := in.RemoteURI(); got != tc.wantURI {
				t.Errorf("callee sees caller %s, want %s", got, tc.wantURI)
			}
			if got := in.RemoteDisplayName(); got != tc.wantDN {
				t.Errorf("callee sees display name %s, want %s", got, tc.wantDN)
			}
			ch.Hangup(channel.CauseNormalClearing)
			drain(ch)
			select {
			case <-in.Done():
			case <-ctx.Done():
				t.Fatal("callee not cancelled")
			}
			e.waitNoChannels(t)
		})
	}
}

// TestCallerIDRelayedSIPToSIP: a SIP caller's number and display name
// (with quoted-pairs) are what the core holds, and what a SIP callee
// dialled with them sees, escaped once, not twice.
func TestCallerIDRelayedSIPToSIP(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	bob := e.registered(t, "bob", "bob-secret")
	type callerID struct{ num, name string }
	seen := make(chan callerID, 1)
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		num, name := ch.CallerID()
		seen <- callerID{num, name}
		out, err := e.reg.Request(ctx, "SIP/bob", nil)
		if err != nil {
			return
		}
		defer out.Hangup(channel.CauseNormalClearing)
		out.SetCallerID(num, name) // as Dial does
		if err := out.Call(ctx); err != nil {
			return
		}
		<-ch.Done()
	})
	carol := e.phone(t, "carol", "", func(c *testphone.Config) { c.DisplayName = `Carol \"CJ\" Jones` })
	call, err := carol.Invite(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-seen:
		if want := (callerID{"carol", `Carol "CJ" Jones`}); got != want {
			t.Errorf("inbound caller ID %+v, want %+v", got, want)
		}
	case <-ctx.Done():
		t.Fatal("no inbound call")
	}
	in, err := bob.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	from, _, _ := strings.Cut(in.Header("From"), ";tag=")
	if want := `"Carol \"CJ\" Jones" <sip:carol@` + e.d.cfg.Host + `>`; from != want {
		t.Errorf("From: %s\nwant  %s", from, want)
	}
	if err := call.Hangup(ctx); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	select {
	case <-in.Done():
	case <-ctx.Done():
		t.Fatal("callee not cancelled")
	}
	e.waitNoChannels(t)
}
