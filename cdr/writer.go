package cdr

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
)

// Sink stores call records; the [Writer] calls it. [*Store] is the
// database implementation; tests use fakes.
type Sink interface {
	// Insert stores r. It is called by the Writer's goroutine only, one
	// record at a time, so it is never called concurrently with itself.
	// It may block up to ctx's deadline (the Writer's AttemptTimeout) and
	// must not retain r's pointers (RTP, PeerRTP) after it returns. An
	// error means "not stored, try again": the Writer retries the same
	// record, with the same ID, until it succeeds or the Writer is closed,
	// so Insert must treat a record ID it has already stored as success
	// (a write that succeeded but whose reply was lost). The Writer never
	// calls Insert after [Writer.Close] has returned.
	Insert(ctx context.Context, r Record) error
}

// SinkFunc adapts a function to [Sink].
type SinkFunc func(ctx context.Context, r Record) error

// Insert calls f.
func (f SinkFunc) Insert(ctx context.Context, r Record) error { return f(ctx, r) }

var _ Sink = SinkFunc(nil)

// Writer turns channel events into call records and writes them to a
// [Sink] without ever blocking the call that produced them.
//
// Records go to a bounded in-memory queue (Config.QueueLen). When it is
// full, the oldest queued record is dropped and counted
// ([WriterStats.Dropped]); the first drop of a burst is logged once, and
// the burst's count when the queue has drained.
//
// Goroutines: the Writer owns one goroutine, started by [New], that takes
// records from the queue in order and inserts them, retrying a failed
// insert with exponential backoff (MinBackoff doubling up to MaxBackoff)
// for as long as it takes. [Writer.Close] is its stop signal: the
// goroutine then drains the queue, still retrying, until the queue is
// empty or Close's context expires; Close waits for it to exit.
//
// Lock order: the tracker's mutex and the writer's mutex are never held
// together (the tracker emits records after releasing its own).
type Writer struct {
	sink           Sink
	log            *slog.Logger
	limit          int
	minBackoff     time.Duration
	maxBackoff     time.Duration
	attemptTimeout time.Duration
	onWritten      func(Record)
	tr             *tracker

	// life is the writer goroutine's lifetime; cancelled when Close's
	// deadline passes, it aborts the insert in flight and the backoff.
	life   context.Context
	cancel context.CancelFunc

	wake      chan struct{} // a record was queued (capacity 1)
	closing   chan struct{} // closed by Close: drain and exit
	closeOnce sync.Once
	done      chan struct{} // closed when the goroutine has exited

	mu           sync.Mutex
	queue        []Record
	closed       bool   // Close was called: no more records accepted
	burstDropped uint64 // records dropped since the queue was last empty

	written, dropped, lost atomic.Uint64
}

// WriterStats are a Writer's counters.
type WriterStats struct {
	Written uint64 // records the sink stored
	Queued  int    // records waiting (the one being written excluded)
	Dropped uint64 // oldest records dropped because the queue was full
	Lost    uint64 // records not written at Close, or offered after it
}

// New returns a Writer on cfg.Sink and starts its goroutine. Give it
// channel events with [Writer.Observe] (registry.Observe(w.Observe)) or
// records with [Writer.Add]; stop it with [Writer.Close].
func New(cfg Config) (*Writer, error) {
	if cfg.Sink == nil {
		return nil, ErrNoSink
	}
	cfg.defaults()
	life, cancel := context.WithCancel(context.Background())
	w := &Writer{
		sink: cfg.Sink, log: cfg.Logger, limit: cfg.QueueLen,
		minBackoff: cfg.MinBackoff, maxBackoff: cfg.MaxBackoff, attemptTimeout: cfg.AttemptTimeout,
		onWritten: cfg.OnWritten,
		life:      life, cancel: cancel,
		wake:    make(chan struct{}, 1),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	w.tr = newTracker(cfg.Stats, w.Add)
	go w.run()
	return w, nil
}

// Observe takes a channel registry event; pass it to
// [channel.Registry.Observe]. It runs on the goroutine that created or
// hung up the channel, copies what the record needs and never blocks.
func (w *Writer) Observe(ev channel.Event) { w.tr.observe(ev) }

// Originated makes ch, an outbound channel the PBX placed on its own (an
// originate) rather than for an inbound call's Dial, the first leg of a
// call record, as an inbound channel is; context and exten are where the
// dialplan runs on it once it answers, recorded as the record's Context
// and Callee. Without it an originated call has no record.
//
// Call it after [channel.Registry.Request] created ch and before
// [channel.Channel.Call], so that a call that fails is recorded too; it
// never blocks. It reports false when the writer does not know ch (ch
// was created before the writer observed the registry, or it hung up
// and was forgotten already).
func (w *Writer) Originated(ch *channel.Channel, context, exten string) bool {
	return w.tr.originated(ch, context, exten)
}

// Add queues r for writing, dropping the oldest queued record when the
// queue is full. It never blocks. After Close, r is counted as lost.
func (w *Writer) Add(r Record) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		w.lost.Add(1)
		w.log.Warn("call record after cdr writer closed: lost", "channel", r.Channel)
		return
	}
	firstDrop := false
	if len(w.queue) >= w.limit {
		w.queue[0] = Record{}
		w.queue = w.queue[1:]
		w.dropped.Add(1)
		firstDrop = w.burstDropped == 0
		w.burstDropped++
	}
	w.queue = append(w.queue, r)
	w.mu.Unlock()
	if firstDrop {
		w.log.Warn("cdr queue full: dropping the oldest call records until the database catches up", "queue", w.limit)
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Stats returns the writer's counters.
func (w *Writer) Stats() WriterStats {
	w.mu.Lock()
	q := len(w.queue)
	w.mu.Unlock()
	return WriterStats{Written: w.written.Load(), Queued: q, Dropped: w.dropped.Load(), Lost: w.lost.Load()}
}

// Close stops accepting records, emits the records still waiting for a
// peer to hang up, and waits until every queued record is written or ctx
// expires; the records left then are counted as lost and reported in the
// error (wrapping [ErrUnwritten]). Close does not close the sink. Calling
// it again waits for the goroutine and reports the lost count again.
func (w *Writer) Close(ctx context.Context) error {
	w.closeOnce.Do(func() {
		w.tr.flush()
		w.mu.Lock()
		w.closed = true
		w.mu.Unlock()
		close(w.closing)
	})
	select {
	case <-w.done:
	case <-ctx.Done():
		w.cancel()
		<-w.done
	}
	w.cancel()
	w.mu.Lock()
	left := len(w.queue)
	w.queue = nil
	w.mu.Unlock()
	lost := w.lost.Add(uint64(left))
	if lost > 0 {
		return fmt.Errorf("cdr: close: %d call record(s) not written: %w", lost, ErrUnwritten)
	}
	return nil
}

// run is the writer goroutine.
func (w *Writer) run() {
	defer close(w.done)
	for {
		r, ok := w.next()
		if !ok {
			return
		}
		w.write(r)
	}
}

// next returns the oldest queued record, waiting for one; false when the
// writer is closing and the queue is empty, or when its lifetime ended.
func (w *Writer) next() (Record, bool) {
	for {
		w.mu.Lock()
		if len(w.queue) > 0 {
			r := w.queue[0]
			w.queue[0] = Record{}
			w.queue = w.queue[1:]
			w.mu.Unlock()
			return r, true
		}
		burst := w.burstDropped
		w.burstDropped = 0
		w.mu.Unlock()
		if burst > 0 {
			w.log.Warn("cdr queue drained after dropping call records", "dropped", burst)
		}
		if w.life.Err() != nil {
			return Record{}, false
		}
		select {
		case <-w.wake:
		case <-w.closing:
			w.mu.Lock()
			empty := len(w.queue) == 0
			w.mu.Unlock()
			if empty {
				return Record{}, false
			}
		case <-w.life.Done():
			return Record{}, false
		}
	}
}

// write inserts r, retrying with backoff until it succeeds or the
// writer's lifetime ends (r is then lost). A failure is logged once per
// outage, and the recovery once.
func (w *Writer) write(r Record) {
	backoff := w.minBackoff
	for failures := 0; ; failures++ {
		ctx, cancel := context.WithTimeout(w.life, w.attemptTimeout)
		err := w.sink.Insert(ctx, r)
		cancel()
		if err == nil {
			if failures > 0 {
				w.log.Info("cdr database available again", "attempts", failures+1)
			}
			w.written.Add(1)
			if w.onWritten != nil {
				w.onWritten(r)
			}
			return
		}
		if w.life.Err() != nil {
			w.lost.Add(1)
			return
		}
		if failures == 0 {
			w.log.Warn("cdr write failed; queueing call records and retrying", "error", err)
		} else {
			w.log.Debug("cdr write retry failed", "error", err, "attempt", failures+1, "backoff", backoff)
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-w.life.Done():
			t.Stop()
			w.lost.Add(1)
			return
		}
		backoff = min(2*backoff, w.maxBackoff)
	}
}
