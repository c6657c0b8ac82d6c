package mediaio

import (
	"encoding/binary"
	"net"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRoundTrip: one datagram to an echoing socket and back (the
// receive path, a handler call and a send).
func BenchmarkRoundTrip(b *testing.B) {
	for _, name := range []string{"native", "portable"} {
		b.Run(name, func(b *testing.B) {
			e, err := New(backends[name])
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			c, err := e.Pick().Listen(loopback, nil)
			if err != nil {
				b.Fatal(err)
			}
			c.SetHandler(func(p []byte, from netip.AddrPort) { c.WriteTo(p, from) })
			client, err := e.Pick().Listen(loopback, nil)
			if err != nil {
				b.Fatal(err)
			}
			got := make(chan struct{}, 1)
			client.SetHandler(func([]byte, netip.AddrPort) { got <- struct{}{} })
			pkt := make([]byte, 172)
			b.ReportAllocs()
			for b.Loop() {
				client.WriteTo(pkt, c.LocalAddr())
				<-got
			}
		})
	}
}

// BenchmarkFanIn: datagrams spread over 500 sockets (a PBX's RTP load),
// per datagram received.
func BenchmarkFanIn(b *testing.B) {
	for _, name := range []string{"native", "portable"} {
		b.Run(name, func(b *testing.B) {
			e, err := New(backends[name])
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			const sockets = 500
			got := make(chan struct{}, sockets)
			conns := make([]*Conn, sockets)
			for i := range conns {
				c, err := e.Pick().Listen(loopback, func([]byte, netip.AddrPort) { got <- struct{}{} })
				if err != nil {
					b.Fatal(err)
				}
				conns[i] = c
			}
			sender, err := e.Pick().Listen(loopback, nil)
			if err != nil {
				b.Fatal(err)
			}
			pkt := make([]byte, 172)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				sender.WriteTo(pkt, conns[i%sockets].LocalAddr())
				i++
				if i%100 == 0 {
					for range 100 {
						<-got
					}
				}
			}
			for range i % 100 {
				<-got
			}
		})
	}
}

// cpuTime returns the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLatency500: 500 sockets each receiving a datagram every 20 ms
// (a PBX's RTP at 250 bridged calls), sent spread over the interval; the
// handler measures the time from send to handling. It reports the
// median, 99th and 99.9th percentile for the native backend (a few
// workers) and the portable one (a goroutine per socket), and the
// process's CPU time per datagram (sender included).
func BenchmarkLatency500(b *testing.B) {
	for _, name := range []string{"native", "portable"} {
		b.Run(name, func(b *testing.B) {
			e, err := New(backends[name])
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			const sockets, interval, run = 500, 20 * time.Millisecond, 2 * time.Second
			var mu sync.Mutex
			var delays []time.Duration
			conns := make([]*Conn, sockets)
			for i := range conns {
				c, err := e.Pick().Listen(loopback, func(p []byte, _ netip.AddrPort) {
					d := time.Duration(time.Now().UnixNano() - int64(binary.BigEndian.Uint64(p)))
					mu.Lock()
					delays = append(delays, d)
					mu.Unlock()
				})
				if err != nil {
					b.Fatal(err)
				}
				conns[i] = c
			}
			sender, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				b.Fatal(err)
			}
			defer sender.Close()
			pkt := make([]byte, 172)
			cpu0 := cpuTime()
			for b.Loop() {
				mu.Lock()
				delays = delays[:0]
				mu.Unlock()
				// One tick per millisecond sends to the next slice of
				// sockets, so each socket gets one packet per interval.
				tick := time.NewTicker(time.Millisecond)
				perTick := sockets / int(interval/time.Millisecond)
				next := 0
				for end := time.Now().Add(run); time.Now().Before(end); {
					<-tick.C
					for range perTick {
						binary.BigEndian.PutUint64(pkt, uint64(time.Now().UnixNano()))
						sender.WriteToUDPAddrPort(pkt, conns[next%sockets].LocalAddr())
						next++
					}
				}
				tick.Stop()
			}
			cpu := cpuTime() - cpu0
			mu.Lock()
			defer mu.Unlock()
			b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(max(len(delays), 1)), "cpu-µs/pkt")
			slices.Sort(delays)
			if len(delays) == 0 {
				b.Fatal("nothing received")
			}
			at := func(q float64) float64 { return float64(delays[int(q*float64(len(delays)-1))].Microseconds()) }
			b.ReportMetric(at(0.5), "p50-µs")
			b.ReportMetric(at(0.99), "p99-µs")
			b.ReportMetric(at(0.999), "p99.9-µs")
		})
	}
}
