package apps_test

import (
	"context"

	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/dialplan"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type fixture struct {
	reg    *channel.Registry
	runner *apps.Runner
}

func setup(t *testing.T, conf string) *fixture {
	t.Helper()
	plan, err := dialplan.Parse("test.conf", strings.NewReader(conf))
	if err != nil {
		t.Fatal(err)
	}
	reg := channel.NewRegistry(channel.RegistryConfig{})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		reg.Shutdown(ctx)
	})
	return &fixture{reg: reg, runner: apps.New(apps.Config{Registry: reg, Plan: plan})}
}

// call starts the dialplan at exten on a mock inbound channel and returns
// the mock and a channel closed when the dialplan finished.
func (f *fixture) call(t *testing.T, exten string) (*channeltest.Mock, *channel.Channel, <-chan struct{}) {
	t.Helper()
	m := channeltest.NewMock(nil)
	ch, err := f.reg.NewChannel(channel.Config{Tech: m, Name: "Mock/caller", Inbound: true, Context: "default", Exten: exten, CallerNum: "1001"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.reg.Serve(context.Background(), f.runner, ch)
	}()
	t.Cleanup(func() {
		ch.Hangup(0)
		<-done
	})
	return m, ch, done
}

func wait(t *testing.T, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("dialplan did not finish")
	}
}

func TestEchoReturnsWhatItReads(t *testing.T) {
	f := setup(t, "[default]\nexten => 600,1,Answer()\n same => n,Echo()\n same => n,Hangup()\n")
	m, _, done := f.call(t, "600")
	v := frame.Get(160)
	v.Kind, v.Format, v.Stream, v.Samples = frame.Voice, format.ULaw, 0, 160
	v.Payload[0] = 77
	m.Inject(v)
	select {
	case w := <-m.Written():
		if w.Kind != frame.Voice || w.Payload[0] != 77 {
			t.Fatalf("echoed %v", w)
		}
		w.Release()
	case <-time.After(5 * time.Second):
		t.Fatal("no echo")
	}
	if !m.Answered() {
		t.Fatal("Answer() did not answer")
	}
	m.Inject(frame.NewDTMF(frame.DTMFEnd, '#', 100*time.Millisecond))
	wait(t, done)
}

func TestVariablesGotoAndHangupCause(t *testing.T) {
	f := setup(t, `[globals]
G=glob
[default]
exten => s,1,Set(X=${CALLERID(num)}-${G})
 same => n,GotoIf($["${X}" = "1001-glob"]?ok:bad)
 same => n(bad),Hangup(21)
 same => n(ok),Set(_INH=yes)
 same => n,Hangup(17)
`)
	m, ch, done := f.call(t, "s")
	wait(t, done)
	if c := ch.HangupCause(); c != channel.CauseUserBusy {
		t.Fatalf("cause %v, want USER_BUSY from the ok branch", c)
	}
	if v, _ := ch.Var("X"); v != "1001-glob" {
		t.Fatalf("X=%q", v)
	}
	_ = m
}

func TestUnknownExtensionGoesToI(t *testing.T) {
	f := setup(t, "[default]\nexten => i,1,Set(SEEN=${INVALID_EXTEN})\n same => n,Hangup(1)\n")
	_, ch, done := f.call(t, "999")
	wait(t, done)
	if v, _ := ch.Var("SEEN"); v != "999" || ch.HangupCause() != channel.CauseUnallocated {
		t.Fatalf("SEEN=%q cause %v", v, ch.HangupCause())
	}
}

func TestUnknownApplicationDoesNotCrash(t *testing.T) {
	f := setup(t, "[default]\nexten => s,1,NoSuchApp(x)\n")
	_, ch, done := f.call(t, "s")
	wait(t, done)
	if ch.HangupCause() != channel.CauseFailure {
		t.Fatalf("cause %v", ch.HangupCause())
	}
}

func TestReadCollectsDigitsUntilHash(t *testing.T) {
	f := setup(t, "[default]\nexten => s,1,Read(PIN,,4,,1,5)\n same => n,Hangup()\n")
	m, ch, done := f.call(t, "s")
	for _, d := range "42#" {
		m.Inject(frame.NewDTMF(frame.DTMFBegin, d, 0))
		m.Inject(frame.NewDTMF(frame.DTMFEnd, d, 80*time.Millisecond))
	}
	wait(t, done)
	if v, _ := ch.Var("PIN"); v != "42" {
		t.Fatalf("PIN=%q", v)
	}
	if v, _ := ch.Var("READSTATUS"); v != "OK" {
		t.Fatalf("READSTATUS=%q", v)
	}
}

type unavailable struct{}

func (unavailable) Name() string { return "SIP" }
func (unavailable) Request(context.Context, string, *topology.Topology) (channel.Tech, error) {
	return nil, &channel.HangupError{Cause: channel.CauseSubscriberAbsent, Reason: "not registered"}
}

func TestDialUnregisteredSetsChanUnavail(t *testing.T) {
	f := setup(t, "[default]\nexten => s,1,Dial(SIP/1002,5)\n same => n,Set(R=${DIALSTATUS})\n same => n,Hangup()\n")
	f.reg.Register(unavailable{})
	_, ch, done := f.call(t, "s")
	wait(t, done)
	if v, _ := ch.Var("R"); v != "CHANUNAVAIL" {
		t.Fatalf("DIALSTATUS=%q", v)
	}
}

func TestDialBusyAndNoAnswer(t *testing.T) {
	f := setup(t, `[default]
exten => s,1,Dial(Local/busy@inner,5)
 same => n,Set(R=${DIALSTATUS})
 same => n,Hangup()
exten => n,1,Dial(Local/ring@inner,1)
 same => n,Set(R=${DIALSTATUS})
 same => n,Hangup()
[inner]
exten => busy,1,Busy(0)
exten => ring,1,Ringing()
 same => n,Wait(30)
`)
	registerLocal(t, f)
	_, ch, done := f.call(t, "s")
	wait(t, done)
	if v, _ := ch.Var("R"); v != "BUSY" {
		t.Fatalf("DIALSTATUS=%q", v)
	}
	_, ch2, done2 := f.call(t, "n")
	wait(t, done2)
	if v, _ := ch2.Var("R"); v != "NOANSWER" {
		t.Fatalf("DIALSTATUS=%q, want NOANSWER after the timeout", v)
	}
	if v, _ := ch2.Var("DIALEDTIME"); v == "" {
		t.Fatal("DIALEDTIME not set")
	}
}

func TestDialAnsweredBridgesMediaBothWays(t *testing.T) {
	f := setup(t, `[default]
exten => s,1,Dial(Local/200@inner,5)
 same => n,Hangup()
[inner]
exten => 200,1,Answer()
 same => n,Echo()
`)
	f.runner.Bridger = &apps.Bridges{}
	registerLocal(t, f)
	m, ch, done := f.call(t, "s")
	// Wait for the caller to be answered (Dial answers it when 200 does).
	deadline := time.After(10 * time.Second)
	select {
	case <-deadline:
		t.Fatal("caller never answered")
	case <-m.AnsweredC():
	}
	// Frames from the caller go through the bridge to the Echo on the
	// Local half and come back; send them at the media pace until one
	// returns (the first ones may arrive before both sides joined).
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			v := frame.Get(160)
			v.Kind, v.Format, v.Stream, v.Samples = frame.Voice, format.ULaw, 0, 160
			v.Payload[0] = 99
			m.Inject(v)
		case w := <-m.Written():
			got := w.Kind == frame.Voice && w.Payload[0] == 99
			w.Release()
			if got {
				if s, _ := ch.Var("DIALSTATUS"); s != "ANSWER" {
					t.Fatalf("DIALSTATUS=%q", s)
				}
				ch.Hangup(0)
				wait(t, done)
				return
			}
		case <-deadline:
			t.Fatal("no echo through the bridge")
		}
	}
}
