package mediaio

import (
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

const testTimeout = 5 * time.Second

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var backends = map[string]Config{
	"native":   {Workers: 2},
	"portable": {Workers: 2, Portable: true},
}

func forEach(t *testing.T, fn func(t *testing.T, e *Engine)) {
	for name, cfg := range backends {
		t.Run(name, func(t *testing.T) {
			e, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			fn(t, e)
		})
	}
}

var loopback = netip.MustParseAddrPort("127.0.0.1:0")

func peer(t *testing.T) *net.UDPConn {
	t.Helper()
	p, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if err := p.SetDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	return p
}

func addrOf(p *net.UDPConn) netip.AddrPort { return p.LocalAddr().(*net.UDPAddr).AddrPort() }

// TestEcho: a handler that answers each datagram from its own socket;
// the sender sees its bytes back and the handler sees the right source.
func TestEcho(t *testing.T) {
	forEach(t, func(t *testing.T, e *Engine) {
		froms := make(chan netip.AddrPort, 4)
		c, err := e.Pick().Listen(loopback, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.SetHandler(func(b []byte, from netip.AddrPort) {
			froms <- from
			if _, err := c.WriteTo(b, from); err != nil {
				t.Error(err)
			}
		})
		defer c.Close()
		if c.LocalAddr().Port() == 0 {
			t.Fatal("port 0 not resolved")
		}
		p := peer(t)
		for i := range 3 {
			msg := []byte{byte(i), 1, 2, 3}
			if _, err := p.WriteToUDPAddrPort(msg, c.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 64)
			n, from, err := p.ReadFromUDPAddrPort(buf)
			if err != nil {
				t.Fatal(err)
			}
			if string(buf[:n]) != string(msg) || from != c.LocalAddr() {
				t.Fatalf("got %x from %v", buf[:n], from)
			}
			if f := <-froms; f != addrOf(p) {
				t.Fatalf("handler saw %v, want %v", f, addrOf(p))
			}
		}
	})
}

// TestIPv6: sockets bound to ::1 work both ways (skipped without IPv6).
func TestIPv6(t *testing.T) {
	p, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer p.Close()
	forEach(t, func(t *testing.T, e *Engine) {
		got := make(chan []byte, 1)
		c, err := e.Pick().Listen(netip.MustParseAddrPort("[::1]:0"), func(b []byte, _ netip.AddrPort) { got <- append([]byte(nil), b...) })
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.WriteTo([]byte("out"), addrOf(p)); err != nil {
			t.Fatal(err)
		}
		p.SetDeadline(time.Now().Add(testTimeout))
		buf := make([]byte, 16)
		if n, _, err := p.ReadFromUDPAddrPort(buf); err != nil || string(buf[:n]) != "out" {
			t.Fatalf("peer read %q, %v", buf[:n], err)
		}
		if _, err := p.WriteToUDPAddrPort([]byte("in"), c.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		select {
		case b := <-got:
			if string(b) != "in" {
				t.Fatalf("handler got %q", b)
			}
		case <-time.After(testTimeout):
			t.Fatal("no datagram")
		}
	})
}

// TestCloseStopsHandler: once Close returns, the handler never runs
// again, even with datagrams in flight.
func TestCloseStopsHandler(t *testing.T) {
	forEach(t, func(t *testing.T, e *Engine) {
		var closed, after atomic.Bool
		first := make(chan struct{}, 1)
		c, err := e.Pick().Listen(loopback, func([]byte, netip.AddrPort) {
			if closed.Load() {
				after.Store(true)
			}
			select {
			case first <- struct{}{}:
			default:
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		p := peer(t)
		stop := make(chan struct{})
		sent := make(chan struct{})
		go func() {
			defer close(sent)
			for {
				select {
				case <-stop:
					return
				default:
				}
				p.WriteToUDPAddrPort([]byte("x"), c.LocalAddr())
			}
		}()
		select {
		case <-first:
		case <-time.After(testTimeout):
			t.Fatal("no datagram")
		}
		c.Close()
		closed.Store(true)
		close(stop)
		<-sent
		// A datagram to the closed socket and one through a fresh socket
		// on the same worker: once the fresh one is seen, the worker had
		// its chance to misdeliver.
		p.WriteToUDPAddrPort([]byte("late"), c.LocalAddr())
		seen := make(chan struct{}, 1)
		c2, err := c.Worker().Listen(loopback, func([]byte, netip.AddrPort) {
			select {
			case seen <- struct{}{}:
			default:
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		p.WriteToUDPAddrPort([]byte("y"), c2.LocalAddr())
		select {
		case <-seen:
		case <-time.After(testTimeout):
			t.Fatal("fresh socket got nothing")
		}
		if after.Load() {
			t.Fatal("handler ran after Close returned")
		}
		if _, err := c.WriteTo([]byte("x"), addrOf(p)); !errors.Is(err, ErrClosed) {
			t.Fatalf("write after close: %v", err)
		}
		if err := c.Close(); err != nil {
			t.Fatalf("second close: %v", err)
		}
	})
}

// TestTimers: a periodic timer runs at its times until it returns zero;
// a stopped one never runs again; a timer earlier than the worker's
// current wait wakes it.
func TestTimers(t *testing.T) {
	forEach(t, func(t *testing.T, e *Engine) {
		w := e.Pick()
		ticks := make(chan time.Time, 8)
		n := 0
		w.Schedule(time.Now().Add(time.Millisecond), func(now time.Time) time.Time {
			ticks <- now
			if n++; n == 3 {
				return time.Time{}
			}
			return now.Add(2 * time.Millisecond)
		})
		var prev time.Time
		for i := range 3 {
			select {
			case now := <-ticks:
				if i > 0 && now.Sub(prev) < 2*time.Millisecond {
					t.Fatalf("tick %d only %v after the previous", i, now.Sub(prev))
				}
				prev = now
			case <-time.After(testTimeout):
				t.Fatalf("tick %d missing", i)
			}
		}

		// A far timer makes the worker sleep long; a near one must still
		// run on time.
		far := w.Schedule(time.Now().Add(time.Hour), func(time.Time) time.Time {
			t.Error("far timer ran")
			return time.Time{}
		})
		near := make(chan struct{})
		w.Schedule(time.Now().Add(time.Millisecond), func(time.Time) time.Time { close(near); return time.Time{} })
		select {
		case <-near:
		case <-time.After(testTimeout):
			t.Fatal("near timer did not wake the worker")
		}
		far.Stop()
		far.Stop()

		var ran atomic.Int32
		first := make(chan struct{}, 1)
		st := w.Schedule(time.Now(), func(now time.Time) time.Time {
			ran.Add(1)
			select {
			case first <- struct{}{}:
			default:
			}
			return now.Add(time.Millisecond)
		})
		select {
		case <-first:
		case <-time.After(testTimeout):
			t.Fatal("periodic timer never ran")
		}
		st.Stop()
		after := ran.Load()
		// Let the worker make passes: a timer scheduled after Stop runs.
		done := make(chan struct{})
		w.Schedule(time.Now().Add(5*time.Millisecond), func(time.Time) time.Time { close(done); return time.Time{} })
		<-done
		if ran.Load() != after {
			t.Fatal("stopped timer ran")
		}
	})
}

// TestEngineClose: Close closes sockets and stops timers; Listen
// afterwards fails; Close twice is harmless.
func TestEngineClose(t *testing.T) {
	for name, cfg := range backends {
		t.Run(name, func(t *testing.T) {
			e, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			w := e.Pick()
			c, err := w.Listen(loopback, nil)
			if err != nil {
				t.Fatal(err)
			}
			w.Schedule(time.Now().Add(time.Hour), func(time.Time) time.Time { return time.Time{} })
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := c.WriteTo([]byte("x"), loopback); !errors.Is(err, ErrClosed) {
				t.Fatalf("write after engine close: %v", err)
			}
			if _, err := w.Listen(loopback, nil); !errors.Is(err, ErrClosed) {
				t.Fatalf("listen after close: %v", err)
			}
			w.Schedule(time.Now(), func(time.Time) time.Time { t.Error("ran after close"); return time.Time{} }).Stop()
			e.Close()
		})
	}
}

// TestWriteAllocs: sending allocates nothing.
func TestWriteAllocs(t *testing.T) {
	e, err := New(Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	c, err := e.Pick().Listen(loopback, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := peer(t)
	dst := addrOf(p)
	b := make([]byte, 172)
	if n := testing.AllocsPerRun(100, func() { c.WriteTo(b, dst) }); n != 0 {
		t.Fatalf("%v allocations per write", n)
	}
}

// TestUnservedSocketKeepsDatagrams: a socket listened without a handler
// is not read; what arrived meanwhile is delivered once a handler is set.
func TestUnservedSocketKeepsDatagrams(t *testing.T) {
	forEach(t, func(t *testing.T, e *Engine) {
		c, err := e.Pick().Listen(loopback, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		p := peer(t)
		for _, m := range []string{"a", "b"} {
			if _, err := p.WriteToUDPAddrPort([]byte(m), c.LocalAddr()); err != nil {
				t.Fatal(err)
			}
		}
		got := make(chan string, 2)
		if err := c.SetHandler(func(b []byte, _ netip.AddrPort) { got <- string(b) }); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"a", "b"} {
			select {
			case m := <-got:
				if m != want {
					t.Fatalf("got %q, want %q", m, want)
				}
			case <-time.After(testTimeout):
				t.Fatalf("datagram %q lost", want)
			}
		}
		c.Close()
		if err := c.SetHandler(func([]byte, netip.AddrPort) {}); !errors.Is(err, ErrClosed) {
			t.Fatalf("SetHandler after close: %v", err)
		}
	})
}

// TestLateTimerDoesNotStarveSockets: a timer that keeps returning times
// already past (a worker that cannot keep up) still leaves the worker's
// sockets served, as maxRunsPerPass promises.
func TestLateTimerDoesNotStarveSockets(t *testing.T) {
	forEach(t, func(t *testing.T, e *Engine) {
		w := e.Pick()
		got := make(chan struct{}, 1)
		c, err := w.Listen(loopback, func([]byte, netip.AddrPort) {
			select {
			case got <- struct{}{}:
			default:
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		late := w.Schedule(time.Now(), func(now time.Time) time.Time { return now.Add(-time.Millisecond) })
		defer late.Stop()
		p := peer(t)
		if _, err := p.WriteToUDPAddrPort([]byte("x"), c.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
		case <-time.After(testTimeout):
			t.Fatal("a late timer starved the worker's socket")
		}
	})
}

// TestStopAfterEngineClose: stopping a timer that was scheduled when the
// engine closed is harmless (Close stopped it).
func TestStopAfterEngineClose(t *testing.T) {
	for name, cfg := range backends {
		t.Run(name, func(t *testing.T) {
			e, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			w := e.Pick()
			tm := w.Schedule(time.Now().Add(time.Hour), func(time.Time) time.Time { return time.Time{} })
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			tm.Stop()
			tm.Stop()
		})
	}
}

// TestBusySocketsDoNotStarveTimers: with more sockets ready than one
// epoll_wait returns, and each holding many datagrams, a timer that comes
// due still runs between batches instead of after the whole backlog.
// Native only: the portable backend has a reader goroutine per socket,
// and how soon its timer goroutine gets the lock among 300 runnable
// readers is up to the Go scheduler.
func TestBusySocketsDoNotStarveTimers(t *testing.T) {
	const (
		sockets = 300 // more than maxEvents
		each    = 40
		total   = sockets * each
	)
	e, err := New(Config{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	w := e.Pick()
	var handled atomic.Int64
	conns := make([]*Conn, sockets)
	for i := range conns {
		c, err := w.Listen(loopback, func([]byte, netip.AddrPort) { handled.Add(1) })
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	// Hold the worker in a timer while the backlog arrives; the timer
	// then asks to run again 1 ms later.
	entered, release := make(chan struct{}), make(chan struct{})
	at := make(chan int64, 1)
	calls := 0
	w.Schedule(time.Now(), func(now time.Time) time.Time {
		if calls++; calls == 1 {
			close(entered)
			<-release
			return time.Now().Add(time.Millisecond)
		}
		at <- handled.Load()
		return time.Time{}
	})
	<-entered
	p := peer(t)
	msg := make([]byte, 32)
	for range each {
		for _, c := range conns {
			if _, err := p.WriteToUDPAddrPort(msg, c.LocalAddr()); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(release)
	select {
	case n := <-at:
		if n > total/2 {
			t.Fatalf("the timer due 1 ms later ran after %d of %d datagrams", n, total)
		}
	case <-time.After(testTimeout):
		t.Fatal("timer never ran")
	}
}

// lockCheckedBackend counts the wake-ups made without the worker's lock.
type lockCheckedBackend struct {
	backend
	w        *Worker
	unlocked atomic.Int32
}

func (b *lockCheckedBackend) wake() {
	if b.w.mu.TryLock() {
		b.w.mu.Unlock()
		b.unlocked.Add(1)
	}
	b.backend.wake()
}

// TestWakeHoldsWorkerLock: a wake-up is made with the worker's lock held,
// so it cannot come after Engine.Close released the backend. Schedule
// used to wake after unlocking; racing Close, its eventfd write could hit
// a closed descriptor, or whatever file had reused the number since.
func TestWakeHoldsWorkerLock(t *testing.T) {
	for name, portable := range map[string]bool{"native": false, "portable": true} {
		t.Run(name, func(t *testing.T) {
			// A worker whose loop is not started: the test plays it,
			// parked with no timer.
			e := &Engine{}
			w := &Worker{e: e, conns: map[uint64]*Conn{}}
			var be backend
			if portable {
				be = newPortable(w)
			} else {
				var err error
				if be, err = newNative(w); err != nil {
					t.Fatal(err)
				}
			}
			cb := &lockCheckedBackend{backend: be, w: w}
			w.be = cb
			e.workers = append(e.workers, w)
			w.mu.Lock()
			w.nextTimeoutLocked()
			w.mu.Unlock()

			w.Schedule(time.Now(), func(time.Time) time.Time { return time.Time{} })
			e.Close()
			if n := cb.unlocked.Load(); n != 0 {
				t.Fatalf("%d wake-ups without the worker's lock", n)
			}
		})
	}
}
