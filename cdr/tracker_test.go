package cdr

import (
	"testing"

	"github.com/pbx-dev/pbx/core/channel"
)

// collected runs a tracker that collects records synchronously: a
// record exists right after the Hangup that completed it.
type collected struct {
	*calls
	tr      *tracker
	records []Record
}

func newCollected(t *testing.T) *collected {
	c := &collected{}
	c.tr = newTracker(fixedStats, func(r Record) { c.records = append(c.records, r) })
	c.calls = newCalls(t, c.tr.observe)
	return c
}

func (c *collected) want(n int) {
	c.t.Helper()
	if len(c.records) != n {
		c.t.Fatalf("%d record(s), want %d: %+v", len(c.records), n, c.records)
	}
}

func (c *collected) idle() {
	c.t.Helper()
	c.tr.mu.Lock()
	defer c.tr.mu.Unlock()
	if len(c.tr.legs) != 0 || len(c.tr.ended) != 0 || len(c.tr.first) != 0 {
		c.t.Fatalf("tracker keeps state after every call ended: %d legs, %d ended, %d first legs",
			len(c.tr.legs), len(c.tr.ended), len(c.tr.first))
	}
}

func TestTrackerEchoCallHasNoPeer(t *testing.T) {
	c := newCollected(t)
	in := c.inbound("1001", "Alice", "600")
	answer(t, in)
	in.Hangup(channel.CauseNormalClearing)
	c.want(1)
	r := c.records[0]
	if r.Disposition != Answered || r.PeerChannel != "" || r.Callee != "600" || r.Answer.IsZero() {
		t.Errorf("echo call record: %+v", r)
	}
	if r.Answer != in.AnsweredAt() || r.BillSec < 0 || r.BillSec > r.Duration {
		t.Errorf("answer %v billsec %d duration %d, want the PBX's answer time %v", r.Answer, r.BillSec, r.Duration, in.AnsweredAt())
	}
	c.idle()
}

func TestTrackerInboundEndsFirstWaitsForPeer(t *testing.T) {
	c := newCollected(t)
	in := c.inbound("1001", "Alice", "1002")
	peer := c.outbound("1002")
	answer(t, peer)
	answer(t, in)
	bridged(in, peer)
	in.Hangup(channel.CauseNormalClearing)
	c.want(0)
	peer.Hangup(channel.CauseNormalUnspecified)
	c.want(1)
	r := c.records[0]
	if r.PeerChannel != peer.Name() || r.PeerCause != channel.CauseNormalUnspecified || r.PeerCodecs != "0:audio:ulaw;1:video:h264" {
		t.Errorf("peer fields: %+v", r)
	}
	if r.Answer != peer.AnsweredAt() {
		t.Errorf("answer %v, want the peer's %v", r.Answer, peer.AnsweredAt())
	}
	if r.PeerRTP == nil || *r.PeerRTP != wantRTP {
		t.Errorf("peer RTP %+v, want %+v", r.PeerRTP, wantRTP)
	}
	c.idle()
}

func TestTrackerPeerEndsFirst(t *testing.T) {
	c := newCollected(t)
	in := c.inbound("1001", "Alice", "1002")
	peer := c.outbound("1002")
	answer(t, peer)
	answer(t, in)
	bridged(in, peer)
	peer.Hangup(channel.CauseNormalClearing)
	c.want(0)
	in.Hangup(channel.CauseNormalClearing)
	c.want(1)
	if r := c.records[0]; r.PeerChannel != peer.Name() || r.PeerCause != channel.CauseNormalClearing || r.Disposition != Answered {
		t.Errorf("record: %+v", r)
	}
	c.idle()
}

func TestTrackerBusyCallee(t *testing.T) {
	c := newCollected(t)
	in := c.inbound("1001", "Alice", "1002")
	peer := c.outbound("1002")
	peer.Hangup(channel.CauseUserBusy)
	in.SetVar("DIALSTATUS", "BUSY")
	in.Hangup(channel.CauseUserBusy)
	c.want(1)
	r := c.records[0]
	if r.Disposition != Busy || !r.Answer.IsZero() || r.BillSec != 0 || r.PeerChannel != "" || r.DialStatus != "BUSY" {
		t.Errorf("busy call record: %+v", r)
	}
	if r.Cause != channel.CauseUserBusy || r.CauseName != "USER_BUSY" {
		t.Errorf("cause %d %s, want 17 USER_BUSY", int(r.Cause), r.CauseName)
	}
	c.idle()
}

func TestTrackerForgetsLegsNobodyCanName(t *testing.T) {
	c := newCollected(t)
	// A losing leg of a parallel Dial ends while its caller is live: it
	// is kept (the caller might name it) until the caller ends.
	in := c.inbound("1001", "Alice", "1002")
	loser := c.outbound("1003")
	loser.Hangup(channel.CauseAnsweredElsewhere)
	c.tr.mu.Lock()
	kept := len(c.tr.ended)
	c.tr.mu.Unlock()
	if kept != 1 {
		t.Fatalf("ended legs %d, want the loser kept while its caller lives", kept)
	}
	in.Hangup(channel.CauseNormalClearing)
	c.want(1)
	c.idle()
	// An outbound channel nobody marked as originated, with no inbound
	// call live, is not kept at all.
	orig := c.outbound("1002")
	orig.Hangup(channel.CauseNormalClearing)
	c.want(1)
	c.idle()
}

func TestTrackerFlushEmitsRecordsWaitingOnLivePeers(t *testing.T) {
	c := newCollected(t)
	in := c.inbound("1001", "Alice", "1002")
	peer := c.outbound("1002")
	answer(t, peer)
	bridged(in, peer)
	in.Hangup(channel.CauseNormalClearing)
	c.want(0)
	c.tr.flush()
	c.want(1)
	if r := c.records[0]; r.PeerChannel != peer.Name() || r.PeerCause != 0 {
		t.Errorf("flushed record: %+v", r)
	}
	peer.Hangup(channel.CauseNormalClearing) // after flush: no second record
	c.want(1)
}

func TestCodecSummary(t *testing.T) {
	c := newCalls(t, func(channel.Event) {})
	tp := c.topo()
	if got, want := CodecSummary(tp), "0:audio:ulaw;1:video:h264"; got != want {
		t.Errorf("CodecSummary = %q, want %q", got, want)
	}
	if got := CodecSummary(nil); got != "" {
		t.Errorf("CodecSummary(nil) = %q", got)
	}
}

func TestSummaryWithoutStreamsIsNil(t *testing.T) {
	c := newCalls(t, func(channel.Event) {})
	if s := summarize(c.topo(), nil); s != nil {
		t.Errorf("summary of no counters = %+v, want nil (NULL columns)", s)
	}
}

// originate is an outbound channel marked as originated to exten in
// context default, as cmd/pbx's originate does before calling it.
func (c *collected) originate(dest, exten string) *channel.Channel {
	c.t.Helper()
	ch := c.outbound(dest)
	if !c.tr.originated(ch, "default", exten) {
		c.t.Fatalf("originated(%s) = false for a live channel", ch.Name())
	}
	return ch
}

// TestTrackerOriginatedCalls: `pbx originate` creates an outbound channel
// no inbound channel dialled; marked as originated, it is the first leg
// of a record of its own, answered or not, with its own Dial's peer.
func TestTrackerOriginatedCalls(t *testing.T) {
	t.Run("Answered", func(t *testing.T) {
		c := newCollected(t)
		orig := c.originate("1001", "600")
		answer(t, orig)
		orig.Hangup(channel.CauseNormalClearing)
		c.want(1)
		r := c.records[0]
		if r.Channel != orig.Name() || r.UniqueID != orig.ID() || r.PeerChannel != "" {
			t.Errorf("channels: %+v", r)
		}
		if r.Context != "default" || r.Callee != "600" || r.Disposition != Answered || r.Answer != orig.AnsweredAt() {
			t.Errorf("target and disposition: %+v", r)
		}
		if r.RTP == nil || *r.RTP != wantRTP {
			t.Errorf("RTP %+v, want %+v", r.RTP, wantRTP)
		}
		c.idle()
	})
	t.Run("NotAnswered", func(t *testing.T) {
		c := newCollected(t)
		orig := c.originate("1001", "600")
		orig.Hangup(channel.CauseNoAnswer)
		c.want(1)
		if r := c.records[0]; r.Disposition != NoAnswer || !r.Answer.IsZero() || r.BillSec != 0 || r.Callee != "600" {
			t.Errorf("unanswered originate: %+v", r)
		}
		c.idle()
	})
	t.Run("DialsAPeerThatEndsFirst", func(t *testing.T) {
		c := newCollected(t)
		orig := c.originate("1001", "1002")
		answer(t, orig)
		peer := c.outbound("1002")
		answer(t, peer)
		bridged(orig, peer)
		// No inbound channel is live: the peer is kept for the originated
		// first leg that may name it.
		peer.Hangup(channel.CauseNormalClearing)
		c.want(0)
		orig.Hangup(channel.CauseNormalClearing)
		c.want(1)
		r := c.records[0]
		if r.Channel != orig.Name() || r.PeerChannel != peer.Name() || r.Answer != peer.AnsweredAt() || r.Disposition != Answered {
			t.Errorf("originate with a peer: %+v", r)
		}
		if r.PeerRTP == nil || *r.PeerRTP != wantRTP {
			t.Errorf("peer RTP %+v", r.PeerRTP)
		}
		c.idle()
	})
	t.Run("HungUpBeforeMarked", func(t *testing.T) {
		c := newCollected(t)
		// While an inbound call is live an ended outbound channel is kept,
		// so marking it late still records it.
		in := c.inbound("1003", "Carol", "600")
		orig := c.outbound("1001")
		orig.Hangup(channel.CauseUserBusy)
		if !c.tr.originated(orig, "default", "600") {
			t.Fatal("originated = false for a kept ended channel")
		}
		c.want(1)
		if r := c.records[0]; r.Channel != orig.Name() || r.Disposition != Busy || r.Callee != "600" {
			t.Errorf("late-marked originate: %+v", r)
		}
		in.Hangup(channel.CauseNormalClearing)
		c.want(2)
		c.idle()
		// With nobody live it was forgotten: false, no record.
		gone := c.outbound("1002")
		gone.Hangup(channel.CauseNormalClearing)
		if c.tr.originated(gone, "default", "600") {
			t.Error("originated = true for a forgotten channel")
		}
		c.want(2)
		c.idle()
	})
}
