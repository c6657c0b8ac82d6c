package cdr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
)

var errDown = errors.New("database down")

// flaky is a sink that fails its first fails inserts, then stores.
type flaky struct {
	mu       sync.Mutex
	fails    int
	attempts []string // record IDs, one per Insert call
	stored   []Record
}

func (f *flaky) Insert(_ context.Context, r Record) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, r.ID)
	if len(f.attempts) <= f.fails {
		return errDown
	}
	f.stored = append(f.stored, r)
	return nil
}

func newWriter(t *testing.T, cfg Config) (*Writer, <-chan Record) {
	t.Helper()
	got := make(chan Record, 100)
	cfg.Logger = quiet
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = time.Millisecond
	}
	cfg.MaxBackoff = 4 * time.Millisecond
	cfg.OnWritten = func(r Record) { got <- r }
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(ctxT(t, 5*time.Second)) })
	return w, got
}

func rec(i int) Record { return Record{ID: fmt.Sprintf("r%03d", i), Channel: fmt.Sprintf("SIP/%d", i)} }

func TestWriterRetriesUntilTheSinkAcceptsTheRecord(t *testing.T) {
	sink := &flaky{fails: 5}
	w, got := newWriter(t, Config{Sink: sink})
	w.Add(rec(1))
	w.Add(rec(2))
	if r := recv(t, got); r.ID != "r001" {
		t.Fatalf("first record written is %s, want r001 (order kept)", r.ID)
	}
	if r := recv(t, got); r.ID != "r002" {
		t.Fatalf("second record written is %s, want r002", r.ID)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	want := []string{"r001", "r001", "r001", "r001", "r001", "r001", "r002"}
	if !reflect.DeepEqual(sink.attempts, want) {
		t.Errorf("insert attempts %v, want %v (the same record retried)", sink.attempts, want)
	}
	if st := w.Stats(); st.Written != 2 || st.Dropped != 0 || st.Lost != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestWriterQueueDropsTheOldestWhenFull(t *testing.T) {
	started := make(chan string, 1)
	release := make(chan struct{})
	var once sync.Once
	sink := SinkFunc(func(_ context.Context, r Record) error {
		once.Do(func() {
			started <- r.ID
			<-release // the database hangs on the first record
		})
		return nil
	})
	const limit = 4
	w, got := newWriter(t, Config{Sink: sink, QueueLen: limit})
	w.Add(rec(0))
	select {
	case id := <-started:
		if id != "r000" {
			t.Fatalf("writer started with %s", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no insert attempt within 10 s")
	}
	for i := 1; i <= limit+2; i++ { // r001 and r002 overflow the queue
		w.Add(rec(i))
	}
	if st := w.Stats(); st.Queued != limit || st.Dropped != 2 {
		t.Fatalf("stats %+v, want %d queued and 2 dropped", st, limit)
	}
	close(release)
	var ids []string
	for range limit + 1 {
		ids = append(ids, recv(t, got).ID)
	}
	want := []string{"r000", "r003", "r004", "r005", "r006"}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("written %v, want %v (the oldest queued dropped)", ids, want)
	}
}

func TestWriterCloseFlushesTheQueue(t *testing.T) {
	sink := &flaky{fails: 3}
	w, err := New(Config{Sink: sink, Logger: quiet, MinBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		w.Add(rec(i))
	}
	if err := w.Close(ctxT(t, 10*time.Second)); err != nil {
		t.Fatalf("close: %v", err)
	}
	sink.mu.Lock()
	n := len(sink.stored)
	sink.mu.Unlock()
	if n != 50 {
		t.Errorf("%d records stored at close, want 50", n)
	}
	w.Add(rec(99))
	if st := w.Stats(); st.Lost != 1 {
		t.Errorf("record after close: stats %+v, want 1 lost", st)
	}
}

func TestWriterCloseGivesUpAtTheDeadline(t *testing.T) {
	attempted := make(chan struct{}, 1)
	sink := SinkFunc(func(ctx context.Context, _ Record) error {
		select {
		case attempted <- struct{}{}:
		default:
		}
		return errDown
	})
	w, err := New(Config{Sink: sink, Logger: quiet, MinBackoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	w.Add(rec(1))
	select {
	case <-attempted: // the writer now waits an hour to retry
	case <-time.After(10 * time.Second):
		t.Fatal("no insert attempt within 10 s")
	}
	w.Add(rec(2))
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the deadline has passed already
	err = w.Close(ctx)
	if !errors.Is(err, ErrUnwritten) {
		t.Fatalf("close: %v, want ErrUnwritten", err)
	}
	if st := w.Stats(); st.Lost != 2 || st.Written != 0 {
		t.Errorf("stats %+v, want 2 lost", st)
	}
}

// TestWriterWaitsForSQLiteToComeBack makes the database unavailable for
// real: its directory does not exist until the first insert has failed.
func TestWriterWaitsForSQLiteToComeBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "later")
	store, err := OpenSQLite(filepath.Join(dir, "cdr.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	failed := make(chan error, 1)
	sink := SinkFunc(func(ctx context.Context, r Record) error {
		err := store.Insert(ctx, r)
		if err != nil {
			select {
			case failed <- err:
			default:
			}
		}
		return err
	})
	w, got := newWriter(t, Config{Sink: sink})
	w.Add(rec(1))
	select {
	case err := <-failed:
		t.Logf("insert failed as expected: %v", err)
	case r := <-got:
		t.Fatalf("record %s written into a missing directory", r.ID)
	case <-time.After(10 * time.Second):
		t.Fatal("no insert attempt within 10 s")
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if r := recv(t, got); r.ID != "r001" {
		t.Fatalf("wrote %s", r.ID)
	}
	list, err := store.Recent(ctxT(t, 5*time.Second), 10)
	if err != nil || len(list) != 1 || list[0].ID != "r001" {
		t.Fatalf("stored %+v, %v", list, err)
	}
}

func TestWriterRecordsACallInSQLite(t *testing.T) {
	store, err := Open(ctxT(t, 5*time.Second), Options{SQLite: filepath.Join(t.TempDir(), "cdr.db"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	w, got := newWriter(t, Config{Sink: store, Stats: fixedStats})
	c := newCalls(t, w.Observe)

	in := c.inbound("1001", "Alice", "1002")
	peer := c.outbound("1002")
	answer(t, peer)
	answer(t, in)
	bridged(in, peer)
	peer.Hangup(channel.CauseNormalClearing)
	in.Hangup(channel.CauseNormalClearing)
	emitted := recv(t, got)

	list, err := store.Recent(ctxT(t, 5*time.Second), 10)
	if err != nil || len(list) != 1 {
		t.Fatalf("stored %d records, %v", len(list), err)
	}
	r := list[0]
	checks := []struct {
		field     string
		got, want any
	}{
		{"ID", r.ID, emitted.ID},
		{"UniqueID", r.UniqueID, in.ID()},
		{"CallerNum", r.CallerNum, "1001"},
		{"CallerName", r.CallerName, "Alice"},
		{"Context", r.Context, "default"},
		{"Callee", r.Callee, "1002"},
		{"Channel", r.Channel, in.Name()},
		{"PeerChannel", r.PeerChannel, peer.Name()},
		{"Disposition", r.Disposition, Answered},
		{"DialStatus", r.DialStatus, "ANSWER"},
		{"Cause", r.Cause, channel.CauseNormalClearing},
		{"CauseName", r.CauseName, "NORMAL_CLEARING"},
		{"PeerCause", r.PeerCause, channel.CauseNormalClearing},
		{"Codecs", r.Codecs, "0:audio:ulaw;1:video:h264"},
		{"PeerCodecs", r.PeerCodecs, "0:audio:ulaw;1:video:h264"},
		{"Start", r.Start.Equal(in.Created().Truncate(time.Microsecond)), true},
		{"Answer", r.Answer.Equal(peer.AnsweredAt().Truncate(time.Microsecond)), true},
		{"End", r.End.Equal(emitted.End.Truncate(time.Microsecond)), true},
		{"Duration", r.Duration, emitted.Duration},
		{"BillSec", r.BillSec, emitted.BillSec},
		{"RTP", *r.RTP, wantRTP},
		{"PeerRTP", *r.PeerRTP, wantRTP},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.field, c.got, c.want)
		}
	}
	if r.Start.After(r.Answer) || r.Answer.After(r.End) || r.BillSec < 0 || r.BillSec > r.Duration {
		t.Errorf("times out of order: start %v answer %v end %v, duration %d billsec %d",
			r.Start, r.Answer, r.End, r.Duration, r.BillSec)
	}
}

func TestNewWithoutSink(t *testing.T) {
	if _, err := New(Config{}); !errors.Is(err, ErrNoSink) {
		t.Fatalf("New without a sink: %v", err)
	}
}
