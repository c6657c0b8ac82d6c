package mediaio

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// The portable backend: a reader goroutine per socket using the net
// package, which takes the worker's lock around each handler call, and a
// timer goroutine per worker.

type portable struct {
	w       *Worker
	wakeC   chan struct{}
	readers sync.WaitGroup
}

func newPortable(w *Worker) backend {
	return &portable{w: w, wakeC: make(chan struct{}, 1)}
}

func (p *portable) open(c *Conn, addr netip.AddrPort) error {
	uc, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return err
	}
	c.uc = uc
	c.local = uc.LocalAddr().(*net.UDPAddr).AddrPort()
	return nil
}

func (p *portable) serve(c *Conn) error {
	uc := c.uc
	p.readers.Go(func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := uc.ReadFromUDPAddrPort(buf)
			if err != nil {
				if p.connClosed(c) {
					return
				}
				continue
			}
			p.w.mu.Lock()
			c.deliverLocked(buf[:n], from)
			p.w.mu.Unlock()
		}
	})
	return nil
}

func (p *portable) connClosed(c *Conn) bool {
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	return c.closed
}

func (p *portable) closeConn(c *Conn) { _ = c.uc.Close() }

func (p *portable) write(c *Conn, b []byte, to netip.AddrPort) (int, error) {
	return c.uc.WriteToUDPAddrPort(b, to)
}

func (p *portable) run() {
	w := p.w
	tm := time.NewTimer(time.Hour)
	defer tm.Stop()
	for {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			p.readers.Wait()
			return
		}
		until := w.nextTimeoutLocked()
		w.mu.Unlock()
		var tc <-chan time.Time
		if !until.IsZero() {
			tm.Reset(time.Until(until))
			tc = tm.C
		}
		select {
		case <-tc:
		case <-p.wakeC:
		}
		w.mu.Lock()
		if !w.closed {
			w.runTimersLocked(time.Now())
		}
		w.mu.Unlock()
	}
}

func (p *portable) wake() {
	select {
	case p.wakeC <- struct{}{}:
	default:
	}
}

func (p *portable) release() {}
