package mediaio

import (
	"container/heap"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures an [Engine]. The zero value is ready to use.
type Config struct {
	// Workers is the number of workers; zero means runtime.GOMAXPROCS.
	Workers int
	// Portable selects the goroutine-per-socket backend even where epoll
	// is available (for tests, and as an escape hatch).
	Portable bool
	// Logger receives the one error a worker can hit (its epoll file
	// failing); nil means slog.Default().
	Logger *slog.Logger
}

// Handler receives one datagram: b is the worker's buffer, valid only
// during the call; from is the sender with IPv4-mapped addresses
// unmapped. It runs on the socket's worker with the worker's lock held
// and must not block.
type Handler func(b []byte, from netip.AddrPort)

// Engine is a set of workers serving sockets and timers. Safe for
// concurrent use.
type Engine struct {
	log     *slog.Logger
	workers []*Worker
	next    atomic.Uint32
	wg      sync.WaitGroup
	closed  atomic.Bool
}

// New starts an engine's workers.
func New(cfg Config) (*Engine, error) {
	n := cfg.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	e := &Engine{log: cfg.Logger}
	if e.log == nil {
		e.log = slog.Default()
	}
	for range n {
		w := &Worker{e: e, conns: map[uint64]*Conn{}}
		var err error
		if cfg.Portable {
			w.be = newPortable(w)
		} else {
			w.be, err = newNative(w)
		}
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("mediaio: start worker: %w", err)
		}
		e.workers = append(e.workers, w)
		e.wg.Go(func() { w.be.run() })
	}
	return e, nil
}

// Pick returns a worker, round robin. Sockets and timers that work
// together (a stream's RTP and RTCP sockets, its playout and report
// timers) should share one, so they never run concurrently.
func (e *Engine) Pick() *Worker {
	return e.workers[int(e.next.Add(1))%len(e.workers)]
}

// Close closes every socket, stops every timer and waits for the
// workers to end. Later calls do nothing.
func (e *Engine) Close() error {
	if e.closed.Swap(true) {
		return nil
	}
	for _, w := range e.workers {
		w.mu.Lock()
		w.closed = true
		for _, c := range w.conns {
			c.closeLocked()
		}
		for _, t := range w.timers {
			t.idx = -1 // stopped: a later Stop finds nothing to remove
		}
		w.timers = nil
		w.be.wake()
		w.mu.Unlock()
	}
	e.wg.Wait()
	for _, w := range e.workers {
		w.be.release()
	}
	return nil
}

// Worker is one of an engine's workers: the goroutine its sockets'
// handlers and its timers run on. Safe for concurrent use.
type Worker struct {
	e  *Engine
	be backend

	mu       sync.Mutex
	closed   bool
	conns    map[uint64]*Conn // by token
	tok      uint64           // last token handed out (0 is the wake-up)
	timers   timerHeap
	sleeping bool      // the worker waits for sockets or its earliest timer
	until    time.Time // when it wakes by itself (zero: never)
}

// backend is the I/O half of a worker.
type backend interface {
	// open binds c's socket to addr (w.mu held).
	open(c *Conn, addr netip.AddrPort) error
	// serve starts reading c (w.mu held), once.
	serve(c *Conn) error
	// closeConn stops serving c and closes its socket (w.mu held; c.wmu
	// held so no write is in progress).
	closeConn(c *Conn)
	// write sends b to 'to' (c.wmu held, c open).
	write(c *Conn, b []byte, to netip.AddrPort) (int, error)
	// run is the worker's loop; it returns once w.closed is set.
	run()
	// wake makes run recompute its timeout (or notice w.closed). w.mu
	// held (so it never follows release); it must not block.
	wake()
	// release frees what the backend holds, after run returned.
	release()
}

// Listen opens a UDP socket bound to addr (port 0: any free port) and
// serves it on w, calling h for each datagram. With a nil h the socket
// is not read until [Conn.SetHandler] gives it one: datagrams wait in
// its receive buffer (as they would for a socket nobody reads yet).
func (w *Worker) Listen(addr netip.AddrPort, h Handler) (*Conn, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, ErrClosed
	}
	w.tok++
	c := &Conn{w: w, tok: w.tok, h: h, fd: -1}
	if err := w.be.open(c, addr); err != nil {
		return nil, fmt.Errorf("mediaio: listen %s: %w", addr, err)
	}
	if h != nil {
		if err := c.serveLocked(); err != nil {
			c.closeLocked()
			return nil, fmt.Errorf("mediaio: listen %s: %w", addr, err)
		}
	}
	w.conns[c.tok] = c
	return c, nil
}

// Schedule runs fn on w at 'at', and again at each time fn returns,
// until fn returns the zero time or the timer is stopped. A late worker
// runs fn once per pass with the current time, so fn decides how to
// catch up. Schedule on a closed engine returns a stopped timer.
func (w *Worker) Schedule(at time.Time, fn func(now time.Time) time.Time) *Timer {
	t := &Timer{w: w, fn: fn, due: at, idx: -1}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return t
	}
	heap.Push(&w.timers, t)
	if w.sleeping && t.idx == 0 && (w.until.IsZero() || at.Before(w.until)) {
		// Under the lock: once Close has set closed, no wake-up can
		// follow the backend's release (a late eventfd write would hit a
		// closed or reused descriptor).
		w.be.wake()
	}
	w.mu.Unlock()
	return t
}

// nextTimeoutLocked returns when the worker must wake by itself (zero:
// no timer) and marks it sleeping.
func (w *Worker) nextTimeoutLocked() time.Time {
	w.sleeping = true
	w.until = time.Time{}
	if len(w.timers) > 0 {
		w.until = w.timers[0].due
	}
	return w.until
}

// maxRunsPerPass bounds the timer functions run per pass beyond one per
// timer, so a function that keeps returning past times cannot starve
// the sockets.
const maxRunsPerPass = 64

// runTimersLocked runs the timers due at now.
func (w *Worker) runTimersLocked(now time.Time) {
	w.sleeping = false
	budget := len(w.timers) + maxRunsPerPass
	for len(w.timers) > 0 && budget > 0 && !w.timers[0].due.After(now) {
		budget--
		t := w.timers[0]
		next := t.fn(now)
		if t.idx < 0 {
			continue // cannot happen: Stop from fn would deadlock
		}
		if next.IsZero() {
			heap.Remove(&w.timers, t.idx)
			continue
		}
		t.due = next
		heap.Fix(&w.timers, t.idx)
	}
}

// timeoutMillis converts a wake-up time to an epoll-style timeout: -1
// for none, else the milliseconds until it, rounded up.
func timeoutMillis(until, now time.Time) int {
	if until.IsZero() {
		return -1
	}
	d := until.Sub(now)
	if d <= 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	return int(min(ms, 1<<30))
}

// Timer is a function scheduled on a worker.
type Timer struct {
	w   *Worker
	fn  func(now time.Time) time.Time
	due time.Time
	idx int // position in w.timers, -1 when not scheduled
}

// Stop unschedules the timer. When it returns, fn is not running and
// will not run again. It must not be called from a handler or timer
// function of the same worker. Stopping twice is harmless.
func (t *Timer) Stop() {
	t.w.mu.Lock()
	if t.idx >= 0 {
		heap.Remove(&t.w.timers, t.idx)
	}
	t.w.mu.Unlock()
}

// timerHeap orders timers by due time.
type timerHeap []*Timer

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*Timer)
	t.idx = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.idx = -1
	return t
}
