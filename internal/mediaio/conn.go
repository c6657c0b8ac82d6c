package mediaio

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// Conn is a UDP socket served by one [Worker]. Safe for concurrent use.
type Conn struct {
	w     *Worker
	tok   uint64
	local netip.AddrPort

	h       Handler // guarded by w.mu
	closed  bool    // guarded by w.mu
	serving bool    // read by the worker; guarded by w.mu

	// Native backend.
	fd     int // -1 when closed; guarded by wmu for writers
	family int
	// Portable backend.
	uc *net.UDPConn

	// wmu serialises writes with each other and with close, and guards
	// the send scratch.
	wmu     sync.Mutex
	wclosed bool
	scratch sockaddr
}

// LocalAddr returns the address the socket is bound to.
func (c *Conn) LocalAddr() netip.AddrPort { return c.local }

// Worker returns the worker serving c.
func (c *Conn) Worker() *Worker { return c.w }

// SetHandler replaces the socket's handler; the first non-nil one starts
// reading the socket (a nil one afterwards drops datagrams). It must not
// be called from a handler or timer function of c's worker.
func (c *Conn) SetHandler(h Handler) error {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.h = h
	if h != nil && !c.serving {
		return c.serveLocked()
	}
	return nil
}

func (c *Conn) serveLocked() error {
	if err := c.w.be.serve(c); err != nil {
		return fmt.Errorf("mediaio: serve %s: %w", c.local, err)
	}
	c.serving = true
	return nil
}

// WriteTo sends b to 'to' without waiting: [ErrWouldBlock] when the send
// buffer is full, [ErrClosed] after Close. Safe from any goroutine,
// handlers included.
func (c *Conn) WriteTo(b []byte, to netip.AddrPort) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wclosed {
		return 0, ErrClosed
	}
	return c.w.be.write(c, b, to)
}

// Close stops serving the socket and closes it. When it returns the
// handler is not running and will not run again. It must not be called
// from a handler or timer function of c's worker. Closing twice is
// harmless.
func (c *Conn) Close() error {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	c.closeLocked()
	return nil
}

func (c *Conn) closeLocked() {
	if c.closed {
		return
	}
	c.closed = true
	c.h = nil
	delete(c.w.conns, c.tok)
	c.wmu.Lock()
	c.wclosed = true
	c.w.be.closeConn(c)
	c.wmu.Unlock()
}

// deliverLocked hands a datagram to the handler (w.mu held).
func (c *Conn) deliverLocked(b []byte, from netip.AddrPort) {
	if c.h != nil && !c.closed {
		c.h(b, netip.AddrPortFrom(from.Addr().Unmap(), from.Port()))
	}
}
