// Package mediaio serves many UDP media sockets and their periodic work
// (jitter-buffer playout, RTCP reports) with a few goroutines.
//
// A PBX with 500 calls has 1000 or more RTP and RTCP sockets, each
// receiving a packet every 20 ms. One goroutine per socket, as the net
// package invites, costs a goroutine stack per socket and a scheduler
// wake-up per packet, and its latency tail grows with the number of
// runnable goroutines. An [Engine] instead runs a small, fixed set of
// workers (one per CPU by default). Each socket ([Conn]) and each timer
// ([Timer]) belongs to one worker for its whole life.
//
// On Linux a worker owns an epoll instance of its sockets. The epoll fd
// itself is registered with the Go runtime's poller, so the worker
// goroutine parks there (holding no thread) until a socket is readable or
// its earliest timer is due (the fd's read deadline), then reads one
// batch with epoll_wait(0), one datagram per ready socket, and runs the
// due timers. The sockets are opened by this package (non-blocking, not
// registered with the runtime's poller), read with recvfrom into the
// worker's buffer, and written with sendto from any goroutine. Elsewhere (or with [Config.Portable]) each socket
// has a reader goroutine using the net package and each worker one timer
// goroutine; the contract below is the same.
//
// # Goroutines and locking
//
// Everything a worker runs — the handlers of its sockets and the
// functions of its timers — runs with the worker's mutex held, one at a
// time. Handlers and timer functions must therefore not block, and must
// not call [Worker.Listen], [Worker.Schedule], [Conn.SetHandler],
// [Conn.Close] or [Timer.Stop] on their own worker (they would deadlock),
// nor on another worker whose handlers might do the same to theirs; they
// may write to any socket. When
// [Conn.Close] or [Timer.Stop] returns, the handler or function is not
// running and will not run again.
//
// # Ownership
//
// The buffer passed to a handler belongs to the worker and is valid only
// during the call: copy what must be kept. Writes copy nothing: the
// caller's buffer goes to the kernel before WriteTo returns.
package mediaio
