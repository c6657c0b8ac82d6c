package mediaio

import "errors"

var (
	// ErrClosed is returned by operations on a closed [Engine] or [Conn].
	ErrClosed = errors.New("mediaio: closed")
	// ErrWouldBlock is returned by [Conn.WriteTo] when the socket's send
	// buffer is full; the packet was not sent (media does not wait).
	ErrWouldBlock = errors.New("mediaio: send buffer full")
)
