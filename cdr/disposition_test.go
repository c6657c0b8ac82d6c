package cdr

import (
	"testing"

	"github.com/pbx-dev/pbx/core/channel"
)

func TestDispositionOfDialStatus(t *testing.T) {
	cases := map[string]Disposition{
		"":            DispositionUnknown,
		"ANSWER":      Answered,
		"BUSY":        Busy,
		"NOANSWER":    NoAnswer,
		"CANCEL":      NoAnswer,
		"CHANUNAVAIL": Failed,
		"CONGESTION":  Failed,
		"INVALIDARGS": Failed,
		"DONTCALL":    Failed,
	}
	for status, want := range cases {
		t.Run(status, func(t *testing.T) {
			if got := DispositionOfDialStatus(status); got != want {
				t.Errorf("DispositionOfDialStatus(%q) = %s, want %s", status, got, want)
			}
		})
	}
}

func TestDispositionOfCause(t *testing.T) {
	cases := map[string]struct {
		cause channel.Cause
		want  Disposition
	}{
		"UserBusy":          {channel.CauseUserBusy, Busy},
		"NormalClearing":    {channel.CauseNormalClearing, NoAnswer},
		"NoAnswer":          {channel.CauseNoAnswer, NoAnswer},
		"NoUserResponse":    {channel.CauseNoUserResponse, NoAnswer},
		"CallRejected":      {channel.CauseCallRejected, NoAnswer},
		"Unallocated":       {channel.CauseUnallocated, Failed},
		"NoRoute":           {channel.CauseNoRouteDestination, Failed},
		"SubscriberAbsent":  {channel.CauseSubscriberAbsent, Failed},
		"Congestion":        {channel.CauseNormalCircuitCongestion, Failed},
		"ChanUnavail":       {channel.CauseChannelNotAvailable, Failed},
		"TemporaryFailure":  {channel.CauseTemporaryFailure, Failed},
		"NetworkOutOfOrder": {channel.CauseNetworkOutOfOrder, Failed},
		"Interworking":      {channel.CauseInterworking, Failed},
		"Unset":             {0, Failed},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if got := DispositionOfCause(c.cause); got != c.want {
				t.Errorf("DispositionOfCause(%d %s) = %s, want %s", int(c.cause), c.cause, got, c.want)
			}
		})
	}
}

func TestDispositionOrder(t *testing.T) {
	cases := []struct {
		name       string
		peer       string
		dialStatus string
		answered   bool
		cause      channel.Cause
		want       Disposition
	}{
		{"AnsweredDial", "SIP/1002-00000002", "ANSWER", true, channel.CauseNormalClearing, Answered},
		{"AnsweredDialThenFailedDial", "SIP/1002-00000002", "BUSY", true, channel.CauseNormalClearing, Answered},
		{"BusyCallee", "", "BUSY", false, channel.CauseUserBusy, Busy},
		{"BusyAfterPBXAnswered", "", "BUSY", true, channel.CauseNormalClearing, Busy},
		{"CalleeDidNotAnswer", "", "NOANSWER", false, channel.CauseNormalClearing, NoAnswer},
		{"CallerGaveUp", "", "CANCEL", false, channel.CauseNormalClearing, NoAnswer},
		{"Unregistered", "", "CHANUNAVAIL", false, channel.CauseSubscriberAbsent, Failed},
		{"EchoTest", "", "", true, channel.CauseNormalClearing, Answered},
		{"CallerGaveUpBeforeDialEnded", "", "", false, channel.CauseNormalClearing, NoAnswer},
		{"HangupBusy", "", "", false, channel.CauseUserBusy, Busy},
		{"UnknownExtension", "", "", false, channel.CauseUnallocated, Failed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := disposition(c.peer, c.dialStatus, c.answered, c.cause); got != c.want {
				t.Errorf("disposition = %s, want %s", got, c.want)
			}
		})
	}
}

func TestDispositionText(t *testing.T) {
	for _, d := range []Disposition{DispositionUnknown, NoAnswer, Failed, Busy, Answered} {
		b, err := d.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Disposition
		if err := back.UnmarshalText(b); err != nil || back != d {
			t.Errorf("%s: round trip gave %s, %v", d, back, err)
		}
	}
	if got := NoAnswer.String(); got != "NO ANSWER" {
		t.Errorf("NoAnswer.String() = %q, want Asterisk's %q", got, "NO ANSWER")
	}
	if _, err := ParseDisposition("MAYBE"); err == nil {
		t.Error("ParseDisposition(MAYBE) succeeded")
	}
}
