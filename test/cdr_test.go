package test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/cdr" // also registers the "sqlite" database/sql driver
	"github.com/pbx-dev/pbx/internal/testphone"
)

// cdrSection turns call records on: cdr.db next to pbx.conf.
const cdrSection = `
[cdr]
sqlite = cdr.db
`

// TestCDRRecordsCalls: 1001 calls 1002, who answers; they talk and 1001
// hangs up. `pbx cdr` then lists the call as ANSWERED with both
// channels, and the row is in the SQLite file. A call to the unregistered
// 1003 is recorded as FAILED.
func TestCDRRecordsCalls(t *testing.T) {
	s := startPBXWith(t, demoPlan, cdrSection)
	alice := registered(t, s, "1001", "secret1001")
	bob := registered(t, s, "1002", "secret1002")
	ctx := ctxT(t, 60*time.Second)

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
	if err := in.Answer(ctx); err != nil {
		t.Fatalf("bob answer: %v", err)
	}
	r := <-res
	if r.err != nil {
		t.Fatalf("alice dial: %v", r.err)
	}
	// Media flows (so the RTP counters have something to count).
	stop, _ := r.call.Streams()[0].StartTone(440)
	if err := in.Streams()[0].WaitTone(ctx, 440, 300*time.Millisecond); err != nil {
		t.Fatalf("bob does not hear alice: %v", err)
	}
	stop()
	if err := r.call.Hangup(ctx); err != nil {
		t.Fatalf("alice hangup: %v", err)
	}
	select {
	case <-in.Done():
	case <-ctx.Done():
		t.Fatal("bob's leg not ended after alice hung up")
	}

	rec := waitCDR(t, s, 1)[0]
	if rec.CallerNum != "1001" || rec.Callee != "1002" || rec.Disposition != cdr.Answered {
		t.Errorf("record: caller %q callee %q disposition %s, want 1001 → 1002 ANSWERED", rec.CallerNum, rec.Callee, rec.Disposition)
	}
	if !strings.HasPrefix(rec.Channel, "SIP/1001-") || !strings.HasPrefix(rec.PeerChannel, "SIP/1002-") {
		t.Errorf("channels %q and %q, want SIP/1001-… and SIP/1002-…", rec.Channel, rec.PeerChannel)
	}
	if rec.Answer.IsZero() || rec.BillSec < 0 || rec.BillSec > rec.Duration || rec.End.Before(rec.Answer) {
		t.Errorf("times: start %v answer %v end %v duration %d billsec %d", rec.Start, rec.Answer, rec.End, rec.Duration, rec.BillSec)
	}
	if rec.Cause != 16 || rec.CauseName != "NORMAL_CLEARING" {
		t.Errorf("cause %d %s, want 16 NORMAL_CLEARING", int(rec.Cause), rec.CauseName)
	}
	if !strings.HasPrefix(rec.Codecs, "0:audio:") || !strings.HasPrefix(rec.PeerCodecs, "0:audio:") {
		t.Errorf("codecs %q / %q", rec.Codecs, rec.PeerCodecs)
	}
	// Both legs keep their counters: bob's, which the PBX hung up, with
	// alice's tone sent to bob, and alice's, ended by her BYE (the SIP
	// driver keeps a call's final counters when its media stops), with
	// her tone received.
	if rec.PeerRTP == nil || rec.PeerRTP.PacketsSent == 0 {
		t.Errorf("peer RTP summary %+v, want the packets sent to bob counted", rec.PeerRTP)
	}
	if rec.RTP == nil || rec.RTP.PacketsReceived == 0 {
		t.Errorf("caller RTP summary %+v, want the packets received from alice counted", rec.RTP)
	}
	t.Logf("RTP: caller leg %+v, peer leg %+v", rec.RTP, rec.PeerRTP)

	out, err := s.CLI("cdr")
	if err != nil {
		t.Fatalf("pbx cdr: %v\n%s", err, out)
	}
	t.Logf("pbx cdr:\n%s", out)
	for _, want := range []string{"ANSWERED", "1001", rec.Channel, rec.PeerChannel, "1 call record(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("pbx cdr does not show %q:\n%s", want, out)
		}
	}

	// The row is in the SQLite file itself.
	db, err := sql.Open("sqlite", filepath.Join(s.dir, "cdr.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var caller, disp string
	var billsec int
	err = db.QueryRowContext(ctx, "SELECT caller_num, disposition, billsec FROM cdr WHERE record_id = ?", rec.ID).Scan(&caller, &disp, &billsec)
	if err != nil {
		t.Fatalf("row %s not in cdr.db: %v", rec.ID, err)
	}
	if caller != "1001" || disp != "ANSWERED" || billsec != rec.BillSec {
		t.Errorf("cdr.db row: caller %q disposition %q billsec %d", caller, disp, billsec)
	}

	// An unregistered callee: Dial sets CHANUNAVAIL, the call FAILED.
	if _, err := alice.Dial(ctx, "1003", testphone.DialOptions{}); testphone.StatusCode(err) != 480 {
		t.Fatalf("dial unregistered 1003: %v, want 480", err)
	}
	failed := waitCDR(t, s, 2)[0]
	if failed.Callee != "1003" || failed.Disposition != cdr.Failed || failed.DialStatus != "CHANUNAVAIL" || failed.BillSec != 0 || !failed.Answer.IsZero() {
		t.Errorf("unregistered callee record: %+v", failed)
	}
	out, err = s.CLI("cdr", "--limit", "1")
	if err != nil || !strings.Contains(out, "FAILED") || strings.Contains(out, "ANSWERED") || !strings.Contains(out, "1 call record(s)") {
		t.Errorf("pbx cdr --limit 1: %v\n%s", err, out)
	}
}

// waitCDR polls `pbx cdr --json` until it lists n records (newest first).
// The record is written asynchronously after the last leg hangs up.
func waitCDR(t *testing.T, s *server, n int) []cdr.Record {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		out, err := s.CLI("cdr", "--json", "--limit", fmt.Sprint(n+1))
		if err == nil {
			var list []cdr.Record
			if err := json.Unmarshal([]byte(out), &list); err != nil {
				t.Fatalf("pbx cdr --json: %v\n%s", err, out)
			}
			if len(list) >= n {
				return list
			}
		}
		last = fmt.Sprintf("%v\n%s", err, out)
		if time.Now().After(deadline) {
			t.Fatalf("pbx cdr has no %d record(s) after 15 s; last answer: %s", n, last)
		}
		<-tick.C
	}
}

// TestCDRRecordsOriginatedCalls: `pbx originate SIP/1001 600` rings 1001,
// who answers, hears the echo test and hangs up. The call has a record of
// its own (an originated channel is no inbound channel's Dial leg), with
// the originate's extension as callee and the RTP counters of the leg
// that 1001's BYE ended. A second originate that 1001 rejects as busy is
// recorded as BUSY.
func TestCDRRecordsOriginatedCalls(t *testing.T) {
	s := startPBXWith(t, demoPlan, cdrSection)
	p := registered(t, s, "1001", "secret1001")
	ctx := ctxT(t, 60*time.Second)

	out, err := s.CLI("originate", "SIP/1001", "600")
	if err != nil {
		t.Fatalf("originate: %v\n%s", err, out)
	}
	in, err := p.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	m := in.Streams()[0]
	stop, _ := m.StartTone(1200)
	if err := m.WaitTone(ctx, 1200, 300*time.Millisecond); err != nil {
		t.Fatalf("originated call not in the echo test: %v", err)
	}
	stop()
	if err := in.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	rec := waitCDR(t, s, 1)[0]
	if !strings.HasPrefix(rec.Channel, "SIP/1001-") || !strings.Contains(out, rec.Channel) || rec.PeerChannel != "" {
		t.Errorf("channel %q peer %q, want the originated %s", rec.Channel, rec.PeerChannel, strings.TrimSpace(out))
	}
	if rec.Context != "default" || rec.Callee != "600" || rec.Disposition != cdr.Answered || rec.Answer.IsZero() {
		t.Errorf("record: context %q callee %q disposition %s answer %v, want default/600 ANSWERED",
			rec.Context, rec.Callee, rec.Disposition, rec.Answer)
	}
	if rec.RTP == nil || rec.RTP.PacketsReceived == 0 || rec.RTP.PacketsSent == 0 {
		t.Errorf("RTP summary %+v, want the tone and its echo counted", rec.RTP)
	}

	if out, err := s.CLI("originate", "SIP/1001", "600"); err != nil {
		t.Fatalf("second originate: %v\n%s", err, out)
	}
	busy, err := p.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := busy.Reject(ctx, 486); err != nil {
		t.Fatal(err)
	}
	if rec := waitCDR(t, s, 2)[0]; rec.Disposition != cdr.Busy || rec.Callee != "600" || !rec.Answer.IsZero() || rec.Cause != 17 {
		t.Errorf("rejected originate: disposition %s callee %q answer %v cause %d, want BUSY 600 unanswered 17",
			rec.Disposition, rec.Callee, rec.Answer, int(rec.Cause))
	}
}
