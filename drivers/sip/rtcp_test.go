package sip

import (
	"net"
	"testing"
	"time"

	"github.com/pion/rtcp"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/drivers/sip/sdp"
)

func TestRTCPReceptionReport(t *testing.T) {
	var r rxStats
	t0 := time.Unix(1_700_000_000, 0)
	for i := uint16(0); i < 10; i++ {
		if i == 5 {
			continue // lost
		}
		arrival := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		if i%2 == 1 {
			arrival = arrival.Add(5 * time.Millisecond) // jitter
		}
		r.update(42, 65530+i, 1000+uint32(i)*160, arrival, 8000) // wraps the sequence
	}
	rr, ok := r.report(t0.Add(time.Second))
	if !ok {
		t.Fatal("no report")
	}
	if rr.SSRC != 42 || rr.TotalLost != 1 || rr.FractionLost != 25 || rr.LastSequenceNumber != 65530+9 {
		t.Fatalf("report %+v", rr)
	}
	if rr.Jitter == 0 || rr.Jitter > 40 {
		t.Fatalf("jitter %d timestamp units, want about 20", rr.Jitter)
	}
	// The next interval has no loss.
	r.update(42, 4, 1000+10*160, t0.Add(200*time.Millisecond), 8000)
	if rr, _ := r.report(t0.Add(2 * time.Second)); rr.FractionLost != 0 || rr.TotalLost != 1 || rr.LastSequenceNumber != 1<<16+4 {
		t.Fatalf("second report %+v", rr)
	}
}

// TestRTCPRoundTrip: a reception report about our stream that echoes an
// SR sent a second ago, held 250 ms by the far end, gives a 750 ms RTT.
func TestRTCPRoundTrip(t *testing.T) {
	r := newMediaRig(t)
	f := voiceFrame(160, 0)
	r.s.write(f)
	f.Release()
	now := time.Now()
	rr := &rtcp.ReceiverReport{SSRC: 9, Reports: []rtcp.ReceptionReport{{
		SSRC:             r.s.hdr.SSRC,
		FractionLost:     64,
		TotalLost:        3,
		Jitter:           80,
		LastSenderReport: uint32(ntpTime(now.Add(-time.Second)) >> 16),
		Delay:            65536 / 4,
	}}}
	b, err := rr.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !r.s.receiveRTCP(b) {
		t.Fatal("not taken as RTCP")
	}
	st := r.s.Stats()
	if st.RTT < 700*time.Millisecond || st.RTT > 800*time.Millisecond {
		t.Errorf("RTT %v, want about 750ms", st.RTT)
	}
	if st.RemoteFractionLost != 0.25 || st.RemoteLost != 3 || st.RemoteJitter != 10*time.Millisecond {
		t.Errorf("remote view %+v", st)
	}
}

// TestRTCPReports: the stream's report timer sends compound SR + SDES
// reports to the announced RTCP address, with a reception block once it
// received RTP.
func TestRTCPReports(t *testing.T) {
	old := rtcpInterval
	t.Cleanup(func() { rtcpInterval = old }) // after the rig's cleanup stopped the timer
	rtcpInterval = 40 * time.Millisecond
	peerRTCP, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peerRTCP.Close()
	r := newMediaRig(t, func(m *sdp.Media) { m.RemoteRTCP = peerRTCP.LocalAddr().(*net.UDPAddr).AddrPort() })
	a := r.peerAddr()
	r.s.receive(packet(t, 0, 1, 160, false, make([]byte, 160)), a)
	f := voiceFrame(160, 0)
	r.s.write(f)
	f.Release()
	(<-r.c.rx).Release()
	r.s.start() // the report timer
	buf := make([]byte, 1500)
	peerRTCP.SetReadDeadline(time.Now().Add(testTimeout))
	n, err := peerRTCP.Read(buf)
	if err != nil {
		t.Fatalf("no report: %v", err)
	}
	pkts, err := rtcp.Unmarshal(buf[:n])
	if err != nil || len(pkts) != 2 {
		t.Fatalf("compound %v: %v", pkts, err)
	}
	sr, ok := pkts[0].(*rtcp.SenderReport)
	if !ok || sr.SSRC != r.s.hdr.SSRC || sr.PacketCount != 1 || sr.OctetCount != 160 || len(sr.Reports) != 1 || sr.Reports[0].SSRC != 0x1234 {
		t.Fatalf("sender report %+v", pkts[0])
	}
	if _, ok := pkts[1].(*rtcp.SourceDescription); !ok {
		t.Fatalf("second packet %T, want SDES", pkts[1])
	}
}

// TestRTCPPictureLoss: a PLI or FIR from the far end becomes a
// VideoUpdate for the core on a video stream; a VideoUpdate from the core
// goes out as a PLI about the source received.
func TestRTCPPictureLoss(t *testing.T) {
	peerRTCP, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peerRTCP.Close()
	r := newMediaRig(t, func(m *sdp.Media) {
		m.Type = format.Video
		m.Send = []sdp.Codec{{PT: 96, Format: format.H264}}
		m.Recv = m.Send
		m.RemoteRTCP = peerRTCP.LocalAddr().(*net.UDPAddr).AddrPort()
	})
	for _, p := range []rtcp.Packet{
		&rtcp.PictureLossIndication{SenderSSRC: 0x1234, MediaSSRC: r.s.hdr.SSRC},
		&rtcp.FullIntraRequest{SenderSSRC: 0x1234, MediaSSRC: r.s.hdr.SSRC, FIR: []rtcp.FIREntry{{SSRC: r.s.hdr.SSRC}}},
	} {
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		r.s.receiveRTCP(b)
		select {
		case f := <-r.c.ctl:
			if f.Kind != frame.Control || f.Control != frame.VideoUpdate {
				t.Fatalf("%T gave %v", p, f)
			}
			f.Release()
		default:
			t.Fatalf("%T gave no VideoUpdate", p)
		}
	}

	r.s.sendPLI() // nothing received yet: no source to name
	r.s.receive(packet(t, 96, 1, 90000, true, []byte{1, 2, 3}), r.peerAddr())
	(<-r.c.rx).Release()
	r.s.sendPLI()
	peerRTCP.SetReadDeadline(time.Now().Add(testTimeout))
	buf := make([]byte, 1500)
	n, err := peerRTCP.Read(buf)
	if err != nil {
		t.Fatalf("no PLI: %v", err)
	}
	pkts, err := rtcp.Unmarshal(buf[:n])
	if err != nil || len(pkts) != 1 {
		t.Fatalf("PLI %v: %v", pkts, err)
	}
	pli, ok := pkts[0].(*rtcp.PictureLossIndication)
	if !ok || pli.MediaSSRC != 0x1234 || pli.SenderSSRC != r.s.hdr.SSRC {
		t.Fatalf("got %+v", pkts[0])
	}
}
