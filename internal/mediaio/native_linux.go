package mediaio

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The Linux backend: one epoll instance per worker (level-triggered, one
// datagram read per ready socket per pass), sockets opened here and kept
// away from the Go runtime's poller, an eventfd to wake the worker.

const (
	maxDatagram = 2048 // larger datagrams are truncated (and not RTP we accept)
	maxEvents   = 256
)

type native struct {
	w      *Worker
	epfd   int
	wakefd int
	file   *os.File        // epfd, registered with the runtime poller
	rc     syscall.RawConn // file's
	poll   func(fd uintptr) bool
	events []unix.EpollEvent

	// Owned by the worker loop.
	buf    []byte
	rsa    unix.RawSockaddrAny
	rsaLen uint32
	polled bool // pollReady ran in this pass
}

// sockaddr is a socket's send scratch: the destination in kernel form.
type sockaddr struct {
	in4 unix.RawSockaddrInet4
	in6 unix.RawSockaddrInet6
}

func newNative(w *Worker) (backend, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wakefd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN} // token 0
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wakefd, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, err
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		unix.Close(wakefd)
		return nil, err
	}
	file := os.NewFile(uintptr(epfd), "epoll")
	rc, err := file.SyscallConn()
	if err != nil {
		file.Close()
		unix.Close(wakefd)
		return nil, err
	}
	n := &native{
		w: w, epfd: epfd, wakefd: wakefd, file: file, rc: rc,
		events: make([]unix.EpollEvent, maxEvents),
		buf:    make([]byte, maxDatagram),
	}
	n.poll = n.pollReady
	return n, nil
}

func (n *native) open(c *Conn, addr netip.AddrPort) error {
	family := unix.AF_INET
	if !addr.Addr().Is4() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return err
	}
	var sa unix.Sockaddr
	if family == unix.AF_INET {
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}
	} else {
		sa = &unix.SockaddrInet6{Port: int(addr.Port()), Addr: addr.Addr().As16()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return err
	}
	local, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return err
	}
	switch la := local.(type) {
	case *unix.SockaddrInet4:
		c.local = netip.AddrPortFrom(netip.AddrFrom4(la.Addr), uint16(la.Port))
	case *unix.SockaddrInet6:
		c.local = netip.AddrPortFrom(netip.AddrFrom16(la.Addr), uint16(la.Port))
	}
	c.fd, c.family = fd, family
	return nil
}

func (n *native) serve(c *Conn) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(uint32(c.tok)), Pad: int32(uint32(c.tok >> 32))}
	return unix.EpollCtl(n.epfd, unix.EPOLL_CTL_ADD, c.fd, &ev)
}

func (n *native) closeConn(c *Conn) {
	if c.fd < 0 {
		return
	}
	// Deregister before closing: the number may be reused at once.
	if c.serving {
		_ = unix.EpollCtl(n.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	}
	_ = unix.Close(c.fd)
	c.fd = -1
}

func (n *native) write(c *Conn, b []byte, to netip.AddrPort) (int, error) {
	var sa unsafe.Pointer
	var salen uintptr
	a := to.Addr()
	switch {
	case c.family == unix.AF_INET && a.Unmap().Is4():
		s := &c.scratch.in4
		s.Family = unix.AF_INET
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&s.Port))[:], to.Port())
		s.Addr = a.Unmap().As4()
		sa, salen = unsafe.Pointer(s), unix.SizeofSockaddrInet4
	case c.family == unix.AF_INET6:
		s := &c.scratch.in6
		s.Family = unix.AF_INET6
		binary.BigEndian.PutUint16((*[2]byte)(unsafe.Pointer(&s.Port))[:], to.Port())
		s.Addr = a.As16()
		sa, salen = unsafe.Pointer(s), unix.SizeofSockaddrInet6
	default:
		return 0, errors.New("mediaio: address family mismatch")
	}
	var p unsafe.Pointer
	if len(b) > 0 {
		p = unsafe.Pointer(&b[0])
	}
	r, _, errno := unix.Syscall6(unix.SYS_SENDTO, uintptr(c.fd), uintptr(p), uintptr(len(b)),
		unix.MSG_DONTWAIT, uintptr(sa), salen)
	switch errno {
	case 0:
		return int(r), nil
	case unix.EAGAIN:
		return 0, ErrWouldBlock
	}
	return 0, errno
}

// read receives one datagram from c into n.buf (worker loop).
func (n *native) read(c *Conn) {
	n.rsaLen = unix.SizeofSockaddrAny
	r, _, errno := unix.Syscall6(unix.SYS_RECVFROM, uintptr(c.fd), uintptr(unsafe.Pointer(&n.buf[0])), uintptr(len(n.buf)),
		unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&n.rsa)), uintptr(unsafe.Pointer(&n.rsaLen)))
	if errno != 0 {
		return // EAGAIN (spurious) or an ICMP error queued on the socket
	}
	var from netip.AddrPort
	switch n.rsa.Addr.Family {
	case unix.AF_INET:
		s := (*unix.RawSockaddrInet4)(unsafe.Pointer(&n.rsa))
		from = netip.AddrPortFrom(netip.AddrFrom4(s.Addr), binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&s.Port))[:]))
	case unix.AF_INET6:
		s := (*unix.RawSockaddrInet6)(unsafe.Pointer(&n.rsa))
		from = netip.AddrPortFrom(netip.AddrFrom16(s.Addr), binary.BigEndian.Uint16((*[2]byte)(unsafe.Pointer(&s.Port))[:]))
	default:
		return
	}
	c.deliverLocked(n.buf[:r], from)
}

// run serves the worker. The epoll descriptor itself is handed to the Go
// runtime's poller (os.File on a non-blocking fd): the worker goroutine
// parks there, holding no thread, until one of its sockets is readable
// or its earliest timer is due (the file's read deadline). A blocking
// epoll_wait would hold a P until sysmon retook it, stalling the rest of
// the process for up to 10 ms when it is idle.
func (n *native) run() {
	w := n.w
	for {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return
		}
		until := w.nextTimeoutLocked()
		w.mu.Unlock()
		if err := n.file.SetReadDeadline(until); err != nil {
			n.died(err)
			return
		}
		n.polled = false
		err := n.rc.Read(n.poll)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			n.died(err)
			return
		}
		if !n.polled {
			// A deadline already past fails the read before poll runs: a
			// worker whose timers are late would never serve its sockets.
			// Serve what is ready, without waiting, before the timers.
			n.pollReady(uintptr(n.epfd))
		}
		w.mu.Lock()
		if !w.closed {
			w.runTimersLocked(time.Now())
		}
		w.mu.Unlock()
	}
}

// died reports a worker loop that ends other than by Engine.Close (its
// epoll file failed): its sockets and timers are no longer served.
func (n *native) died(err error) {
	n.w.mu.Lock()
	closing := n.w.closed
	n.w.mu.Unlock()
	if !closing {
		n.w.e.log.Error("media worker stopped: its sockets and timers are no longer served", "error", err)
	}
}

// poll handles one batch of ready sockets (one datagram each, at most
// maxEvents sockets); false (nothing was ready) lets the runtime park the
// worker until the epoll fd is readable.
func (n *native) pollReady(fd uintptr) bool {
	w := n.w
	n.polled = true
	for {
		cnt, err := unix.EpollWait(int(fd), n.events, 0)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return true
		}
		if cnt == 0 {
			return false
		}
		w.mu.Lock()
		for i := range cnt {
			ev := &n.events[i]
			tok := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			if tok == 0 {
				var b [8]byte
				_, _ = unix.Read(n.wakefd, b[:])
				continue
			}
			if c := w.conns[tok]; c != nil {
				n.read(c)
			}
		}
		w.mu.Unlock()
		// Sockets left with data (level-triggered) are reported again
		// by the next pass, which polls before it parks; returning after
		// each batch lets due timers run between batches, even when more
		// sockets are ready than one batch holds.
		return true
	}
}

func (n *native) wake() {
	b := [8]byte{7: 1}
	if _, err := unix.Write(n.wakefd, b[:]); err != nil && !errors.Is(err, unix.EAGAIN) {
		return // the counter is saturated: a wake-up is pending anyway
	}
}

func (n *native) release() {
	n.file.Close() // closes epfd
	unix.Close(n.wakefd)
}
