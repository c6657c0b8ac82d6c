package sip

import (
	"net"
	"net/netip"
	"testing"

	"github.com/pion/rtp"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// TestConformance runs the channel driver contract on an answered
// outbound call; the far end's media is a raw RTP socket.
func TestConformance(t *testing.T) {
	channeltest.Run(t, func(t *testing.T) channeltest.Harness {
		e := newEnv(t)
		ctx := ctxT(t)
		p := e.phone(t, "dave", "")
		tech, err := e.d.Request(ctx, "dave@"+p.Addr().String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tech.Call(ctx); err != nil {
			t.Fatal(err)
		}
		in, err := p.WaitIncoming(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := in.Answer(ctx); err != nil {
			t.Fatal(err)
		}
		for { // the Answer frame: the mailbox applied the answer
			f, err := tech.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			answered := f.Kind == frame.Control && f.Control == frame.Answer
			f.Release()
			if answered {
				break
			}
		}
		port := tech.(*call).media.Load().stream(0, format.Audio).conn.port
		far, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		dst := net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port)))
		var seq uint16
		return channeltest.Harness{
			Tech: tech,
			Send: func(b []byte) {
				seq++
				pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 7}, Payload: b}
				raw, _ := pkt.Marshal()
				if _, err := far.WriteToUDP(raw, dst); err != nil {
					t.Error(err)
				}
			},
			Close: func() {
				tech.Hangup(channel.CauseNormalClearing)
				far.Close()
			},
		}
	})
}
