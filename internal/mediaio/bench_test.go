package mediaio

import (
	"net/netip"
	"testing"
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
