package sip

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/pbx-dev/pbx/internal/mediaio"
)

// rtpConn is a bound socket pair: RTP on an even port, RTCP on the next,
// both served by one media worker (their handlers and the stream's
// timers never run concurrently).
type rtpConn struct {
	port int
	w    *mediaio.Worker
	rtp  *mediaio.Conn
	rtcp *mediaio.Conn
}

// portPool hands out RTP socket pairs from the configured range. A port
// pair is bound when handed out, so a port in use by another process is
// skipped. Safe for concurrent use.
type portPool struct {
	io       *mediaio.Engine
	ip       netip.Addr
	min, max int // even min; max is the last usable RTP (even) port

	mu   sync.Mutex
	next int
	used map[int]bool
}

func newPortPool(io *mediaio.Engine, ip netip.Addr, lo, hi int) *portPool {
	lo += lo % 2
	last := hi - 1 // the last even port whose RTCP port fits
	if last%2 == 1 {
		last--
	}
	return &portPool{io: io, ip: ip, min: lo, max: last, next: lo, used: map[int]bool{}}
}

// alloc binds the next free pair.
func (p *portPool) alloc() (*rtpConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := (p.max-p.min)/2 + 1
	for range n {
		port := p.next
		p.next += 2
		if p.next > p.max {
			p.next = p.min
		}
		if p.used[port] {
			continue
		}
		c, err := bindPair(p.io.Pick(), p.ip, port)
		if err != nil {
			continue // taken by someone else
		}
		p.used[port] = true
		return c, nil
	}
	return nil, fmt.Errorf("%w: %d-%d", ErrPortsExhausted, p.min, p.max+1)
}

// free closes c and returns its ports to the pool. Freeing nil or twice is
// harmless.
func (p *portPool) free(c *rtpConn) {
	if c == nil {
		return
	}
	_ = c.close()
	p.mu.Lock()
	delete(p.used, c.port)
	p.mu.Unlock()
}

// inUse returns how many pairs are handed out.
func (p *portPool) inUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.used)
}

func bindPair(w *mediaio.Worker, ip netip.Addr, port int) (*rtpConn, error) {
	a, err := w.Listen(netip.AddrPortFrom(ip, uint16(port)), nil)
	if err != nil {
		return nil, err
	}
	b, err := w.Listen(netip.AddrPortFrom(ip, uint16(port+1)), nil)
	if err != nil {
		a.Close()
		return nil, err
	}
	return &rtpConn{port: port, w: w, rtp: a, rtcp: b}, nil
}

func (c *rtpConn) close() error {
	return errors.Join(c.rtp.Close(), c.rtcp.Close())
}
