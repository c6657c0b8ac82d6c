package cdr

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
)

// fullRecord has every field set, times with sub-microsecond parts.
func fullRecord(id string, start time.Time) Record {
	rtp := wantRTP
	peerRTP := wantRTP
	peerRTP.Lost = 7
	return Record{
		ID: id, UniqueID: "1700000000.1",
		CallerNum: "1001", CallerName: "Alice O'Hara", Context: "default", Callee: "1002",
		Channel: "SIP/1001-00000001", PeerChannel: "SIP/1002-00000002",
		Start: start, Answer: start.Add(2*time.Second + 123), End: start.Add(14*time.Second + 456),
		Duration: 14, BillSec: 12,
		Disposition: Answered, DialStatus: "ANSWER",
		Cause: channel.CauseNormalClearing, CauseName: "NORMAL_CLEARING", PeerCause: channel.CauseUserBusy,
		Codecs: "0:audio:ulaw;1:video:h264", PeerCodecs: "0:audio:alaw",
		RTP: &rtp, PeerRTP: &peerRTP,
	}
}

// sameRecord compares a record read back from a database with the one
// written: times at the microsecond precision both databases keep.
func sameRecord(t *testing.T, got, want Record) {
	t.Helper()
	for _, p := range []struct {
		name string
		g, w time.Time
	}{{"Start", got.Start, want.Start}, {"Answer", got.Answer, want.Answer}, {"End", got.End, want.End}} {
		if !p.g.Equal(p.w.Truncate(time.Microsecond)) {
			t.Errorf("%s = %v, want %v", p.name, p.g, p.w.Truncate(time.Microsecond))
		}
	}
	got.Start, got.Answer, got.End = time.Time{}, time.Time{}, time.Time{}
	want.Start, want.Answer, want.End = time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		t.Errorf("record read back differs:\n got %s\nwant %s", gj, wj)
	}
}

// storeSuite checks a Store against its contract; the SQLite and the
// PostgreSQL tests run it.
func storeSuite(t *testing.T, s *Store) {
	ctx := ctxT(t, 30*time.Second)
	start := time.Date(2025, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))

	t.Run("RoundTrip", func(t *testing.T) {
		want := fullRecord("full", start)
		if err := s.Insert(ctx, want); err != nil {
			t.Fatal(err)
		}
		list, err := s.Recent(ctx, 1)
		if err != nil || len(list) != 1 {
			t.Fatalf("recent: %d, %v", len(list), err)
		}
		sameRecord(t, list[0], want)
	})
	t.Run("UnansweredWithoutPeerOrRTP", func(t *testing.T) {
		want := Record{
			ID: "bare", UniqueID: "1700000000.9", CallerNum: "1003", Callee: "1002", Context: "default",
			Channel: "SIP/1003-00000009", Start: start, End: start.Add(time.Second),
			Duration: 1, Disposition: Busy, DialStatus: "BUSY",
			Cause: channel.CauseUserBusy, CauseName: "USER_BUSY",
		}
		if err := s.Insert(ctx, want); err != nil {
			t.Fatal(err)
		}
		list, err := s.Recent(ctx, 1)
		if err != nil || len(list) != 1 {
			t.Fatalf("recent: %d, %v", len(list), err)
		}
		sameRecord(t, list[0], want)
	})
	t.Run("InsertIsIdempotent", func(t *testing.T) {
		r := fullRecord("twice", start)
		for range 2 {
			if err := s.Insert(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.Recent(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range list {
			if x.ID == "twice" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d rows for a record inserted twice, want 1", n)
		}
	})
	t.Run("RecentIsNewestFirstAndLimited", func(t *testing.T) {
		for _, id := range []string{"a", "b", "c"} {
			if err := s.Insert(ctx, fullRecord(id, start)); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.Recent(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != "c" || list[1].ID != "b" {
			t.Errorf("recent(2) = %v", ids(list))
		}
	})
}

func ids(list []Record) []string {
	var out []string
	for _, r := range list {
		out = append(out, r.ID)
	}
	return out
}

func TestSQLiteStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdr.db")
	s, err := Open(ctxT(t, 5*time.Second), Options{SQLite: path, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Backend() != "sqlite" {
		t.Errorf("backend %q", s.Backend())
	}
	storeSuite(t, s)

	// A second store on the same file (another process, `pbx cdr` after a
	// restart) sees the rows, and opening an existing schema is fine.
	s2, err := Open(ctxT(t, 5*time.Second), Options{SQLite: path, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	list, err := s2.Recent(ctxT(t, 5*time.Second), 100)
	if err != nil || len(list) != 6 {
		t.Fatalf("reopened store lists %d records, %v; want 6", len(list), err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := ctxT(t, 5*time.Second)
	if _, err := Open(ctx, Options{}); !errors.Is(err, ErrNoDatabase) {
		t.Errorf("Open without a database: %v", err)
	}
	if _, err := Open(ctx, Options{SQLite: filepath.Join(t.TempDir(), "missing", "cdr.db")}); err == nil {
		t.Error("Open of a SQLite file in a missing directory succeeded")
	}
	if _, err := Open(ctx, Options{Postgres: "postgres://%zz"}); err == nil {
		t.Error("Open with a malformed PostgreSQL DSN succeeded")
	}
}

// TestOpenPostgresDownStillStarts: an unreachable server does not stop
// the PBX; inserts fail until it is back.
func TestOpenPostgresDownStillStarts(t *testing.T) {
	ctx := ctxT(t, 10*time.Second)
	s, err := Open(ctx, Options{Postgres: "postgres://cdr@127.0.0.1:1/cdr?sslmode=disable&connect_timeout=2", Logger: quiet})
	if err != nil {
		t.Fatalf("Open with the server down: %v", err)
	}
	defer s.Close()
	if err := s.Insert(ctx, fullRecord("x", time.Now())); err == nil {
		t.Fatal("insert into an unreachable server succeeded")
	}
}

func TestRecordJSON(t *testing.T) {
	want := fullRecord("json", time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
	want.Answer = want.Answer.Truncate(time.Microsecond) // JSON keeps nanoseconds, databases microseconds
	want.End = want.End.Truncate(time.Microsecond)
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got Record
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	sameRecord(t, got, want)
	var m map[string]any
	json.Unmarshal(b, &m)
	if m["disposition"] != "ANSWERED" || m["billsec"] != 12.0 || m["cause_name"] != "NORMAL_CLEARING" {
		t.Errorf("JSON fields: %s", b)
	}
	b, _ = json.Marshal(Record{Disposition: NoAnswer})
	m = nil
	json.Unmarshal(b, &m)
	if _, ok := m["answer"]; ok {
		t.Errorf("unanswered record has an answer time in JSON: %s", b)
	}
}
