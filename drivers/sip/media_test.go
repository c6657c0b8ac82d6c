package sip

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/drivers/sip/sdp"
	"github.com/pbx-dev/pbx/internal/dtmf"
	"github.com/pbx-dev/pbx/internal/mediaio"
)

// mediaRig is one RTP stream of a bare call (no SIP), with a peer socket
// standing in for the phone.
type mediaRig struct {
	c    *call
	s    *rtpStream
	peer *net.UDPConn
	pool *portPool
}

func newMediaRig(tb testing.TB, mods ...func(*sdp.Media)) *mediaRig {
	tb.Helper()
	d := &Driver{log: slog.New(slog.DiscardHandler)}
	c := newCall(d, true, "rig")
	c.running.Store(true) // no mailbox goroutine: the test plays the mailbox
	io, err := mediaio.New(mediaio.Config{Workers: 1})
	if err != nil {
		tb.Fatal(err)
	}
	pool := newPortPool(io, netip.MustParseAddr("127.0.0.1"), 30000, 39999)
	conn, err := pool.alloc()
	if err != nil {
		tb.Fatal(err)
	}
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	m := sdp.Media{
		Type:      format.Audio,
		State:     stream.SendRecv,
		LocalPort: conn.port,
		Remote:    peer.LocalAddr().(*net.UDPAddr).AddrPort(),
		Send:      []sdp.Codec{{PT: 0, Format: format.ULaw}, {PT: 8, Format: format.ALaw}},
		Recv:      []sdp.Codec{{PT: 0, Format: format.ULaw}, {PT: 8, Format: format.ALaw}},
		SendDTMF:  sdp.Codec{PT: 101, Format: format.TelephoneEvent},
		RecvDTMF:  sdp.Codec{PT: 101, Format: format.TelephoneEvent},
	}
	for _, f := range mods {
		f(&m)
	}
	s := newRTPStream(c, 0, conn)
	s.configure(&m)
	r := &mediaRig{c: c, s: s, peer: peer, pool: pool}
	tb.Cleanup(func() {
		s.stop()
		pool.free(conn)
		peer.Close()
		c.drain()
		io.Close()
	})
	return r
}

func (r *mediaRig) peerAddr() netip.AddrPort { return r.peer.LocalAddr().(*net.UDPAddr).AddrPort() }

// packet marshals an RTP packet.
func packet(tb testing.TB, pt uint8, seq uint16, ts uint32, marker bool, payload []byte) []byte {
	tb.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 0x1234, Marker: marker}, Payload: payload}
	b, err := p.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// readPacket reads one packet at the peer.
func (r *mediaRig) readPacket(tb testing.TB) rtp.Packet {
	tb.Helper()
	buf := make([]byte, 2048)
	r.peer.SetReadDeadline(time.Now().Add(testTimeout))
	n, err := r.peer.Read(buf)
	if err != nil {
		tb.Fatalf("peer read: %v", err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil {
		tb.Fatal(err)
	}
	p.Payload = append([]byte(nil), p.Payload...)
	return p
}

func voiceFrame(n int, ts uint32) *frame.Frame {
	f := frame.Get(n)
	f.Kind = frame.Voice
	f.Format = format.ULaw
	f.Samples = n
	f.Timestamp = ts
	for i := range f.Payload {
		f.Payload[i] = byte(i)
	}
	return f
}

func TestRTPReceive(t *testing.T) {
	r := newMediaRig(t)
	a := netip.MustParseAddrPort("127.0.0.1:40000")
	b := netip.MustParseAddrPort("127.0.0.1:40002")
	payload := []byte{1, 2, 3, 4}
	r.s.receive(packet(t, 8, 7, 1000, true, payload), a)
	f := <-r.c.rx
	if f.Kind != frame.Voice || !f.Format.Is(format.ALaw) || f.Stream != 0 || f.SeqNo != 7 ||
		f.Timestamp != 1000 || !f.Marker || f.Samples != 4 || string(f.Payload) != string(payload) {
		t.Fatalf("frame %+v", f)
	}
	f.Release()

	// Symmetric RTP: a is learned, b is ignored.
	r.s.receive(packet(t, 0, 8, 1160, false, payload), b)
	if got := r.s.Stats().Foreign; got != 1 {
		t.Fatalf("foreign %d, want 1", got)
	}
	select {
	case f := <-r.c.rx:
		t.Fatalf("packet from another source delivered: %v", f)
	default:
	}
	if got := r.s.dest(r.s.params.Load()); got != a {
		t.Fatalf("sending to %v, want the learned %v", got, a)
	}

	// Unknown payload type, RTCP on the RTP port, garbage.
	r.s.receive(packet(t, 99, 9, 1320, false, payload), a)
	rr, _ := (&rtcp.ReceiverReport{SSRC: 1}).Marshal()
	r.s.receive(rr, a)
	r.s.receive([]byte{1, 2, 3}, a)
	st := r.s.Stats()
	if st.Invalid != 2 || st.RTCP != 1 {
		t.Fatalf("stats %+v, want 2 invalid, 1 rtcp", st)
	}
}

func TestRTPReceiveDTMF(t *testing.T) {
	r := newMediaRig(t)
	a := netip.MustParseAddrPort("127.0.0.1:40000")
	var snd dtmf.Sender
	pkts, err := snd.Packets(nil, '5', 100*time.Millisecond, 5000)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pkts {
		r.s.receive(packet(t, 101, uint16(i), p.Timestamp, p.Marker, dtmf.Marshal(nil, p.Event)), a)
	}
	var got []string
	for len(got) < 2 {
		select {
		case f := <-r.c.ctl:
			got = append(got, f.Kind.String()+" "+string(f.Digit))
			if f.Kind == frame.DTMFEnd && f.Duration != 100*time.Millisecond {
				t.Errorf("duration %v", f.Duration)
			}
			f.Release()
		default:
			t.Fatalf("frames %v, want begin and end of 5", got)
		}
	}
	if got[0] != "dtmf-begin 5" || got[1] != "dtmf-end 5" {
		t.Fatalf("frames %v", got)
	}
}

func TestRTPQueueDropsOldest(t *testing.T) {
	r := newMediaRig(t)
	a := netip.MustParseAddrPort("127.0.0.1:40000")
	for i := range rxQueueLen + 10 {
		r.s.receive(packet(t, 0, uint16(i), uint32(i*160), false, make([]byte, 160)), a)
	}
	if got := r.c.rxDropped.Load(); got != 10 {
		t.Fatalf("dropped %d, want 10", got)
	}
	f := <-r.c.rx
	defer f.Release()
	if f.SeqNo != 10 {
		t.Fatalf("oldest kept seq %d, want 10", f.SeqNo)
	}
}

// TestRTPSendContinuity: whatever the input timestamps (two sources one
// after the other), the stream's sequence numbers and timestamps run on;
// the first packet and the first after a silence carry the marker.
func TestRTPSendContinuity(t *testing.T) {
	r := newMediaRig(t)
	write := func(ts uint32) {
		f := voiceFrame(160, ts)
		r.s.write(f)
		f.Release()
	}
	for i := range 3 {
		write(uint32(90000 + i*160)) // source A
	}
	for i := range 3 {
		write(uint32(7 + i*160)) // source B
	}
	var prev rtp.Packet
	for i := range 6 {
		p := r.readPacket(t)
		if i == 0 && !p.Marker {
			t.Error("first packet without marker")
		}
		if i > 0 {
			if p.SequenceNumber != prev.SequenceNumber+1 || p.Timestamp != prev.Timestamp+160 || p.SSRC != prev.SSRC || p.Marker {
				t.Fatalf("packet %d: seq %d ts %d marker %v after seq %d ts %d", i, p.SequenceNumber, p.Timestamp, p.Marker, prev.SequenceNumber, prev.Timestamp)
			}
		}
		if p.PayloadType != 0 || len(p.Payload) != 160 {
			t.Fatalf("packet %d: pt %d len %d", i, p.PayloadType, len(p.Payload))
		}
		prev = p
	}
	// A silence of a second: the timeline jumps by it and a talk-spurt
	// starts.
	r.s.sendMu.Lock()
	r.s.last = r.s.last.Add(-time.Second)
	r.s.sendMu.Unlock()
	write(0)
	p := r.readPacket(t)
	if !p.Marker || p.SequenceNumber != prev.SequenceNumber+1 || p.Timestamp-prev.Timestamp < 8000 {
		t.Fatalf("after silence: marker %v seq %d ts +%d", p.Marker, p.SequenceNumber, p.Timestamp-prev.Timestamp)
	}
}

func TestRTPSendRules(t *testing.T) {
	t.Run("unnegotiated format dropped", func(t *testing.T) {
		r := newMediaRig(t)
		f := voiceFrame(160, 0)
		f.Format = format.G722
		r.s.write(f)
		f.Release()
		if r.s.Stats().SendDropped != 1 || r.s.Stats().PacketsSent != 0 {
			t.Fatalf("stats %+v", r.s.Stats())
		}
	})
	t.Run("recvonly sends nothing", func(t *testing.T) {
		r := newMediaRig(t, func(m *sdp.Media) { m.State = stream.RecvOnly })
		f := voiceFrame(160, 0)
		r.s.write(f)
		f.Release()
		if r.s.Stats().PacketsSent != 0 {
			t.Fatalf("stats %+v", r.s.Stats())
		}
	})
	t.Run("hold address sends nothing", func(t *testing.T) {
		r := newMediaRig(t, func(m *sdp.Media) { m.Remote = netip.AddrPort{} })
		f := voiceFrame(160, 0)
		r.s.write(f)
		f.Release()
		if r.s.Stats().PacketsSent != 0 {
			t.Fatalf("stats %+v", r.s.Stats())
		}
	})
}

func TestRTPSendDigit(t *testing.T) {
	r := newMediaRig(t)
	f := voiceFrame(160, 0)
	r.s.write(f)
	f.Release()
	audio := r.readPacket(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := r.s.sendDigit(ctx, '9', 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var events []rtp.Packet
	for {
		p := r.readPacket(t)
		if p.PayloadType != 101 {
			t.Fatalf("pt %d", p.PayloadType)
		}
		events = append(events, p)
		if e, _ := dtmf.Unmarshal(p.Payload); e.End && len(events) >= 3 && events[len(events)-2].Payload[1]&0x80 != 0 && events[len(events)-3].Payload[1]&0x80 != 0 {
			break
		}
	}
	if !events[0].Marker || events[0].SequenceNumber != audio.SequenceNumber+1 {
		t.Fatalf("first event packet marker %v seq %d after audio seq %d", events[0].Marker, events[0].SequenceNumber, audio.SequenceNumber)
	}
	for _, p := range events {
		if p.Timestamp != events[0].Timestamp {
			t.Fatalf("event timestamps differ: %d vs %d", p.Timestamp, events[0].Timestamp)
		}
	}
	if events[0].Timestamp != audio.Timestamp+160 {
		t.Errorf("event starts at %d, want %d", events[0].Timestamp, audio.Timestamp+160)
	}
	f = voiceFrame(160, 0)
	r.s.write(f)
	f.Release()
	next := r.readPacket(t)
	if !next.Marker || next.Timestamp != events[0].Timestamp+480 {
		t.Errorf("audio after the digit: marker %v ts %d, want %d", next.Marker, next.Timestamp, events[0].Timestamp+480)
	}
	if err := r.s.sendDigit(ctx, 'x', time.Second); err == nil {
		t.Error("invalid digit accepted")
	}
}

func TestRTPNoDTMFNegotiated(t *testing.T) {
	r := newMediaRig(t, func(m *sdp.Media) { m.SendDTMF = sdp.Codec{} })
	if err := r.s.sendDigit(context.Background(), '1', time.Second); err != ErrNoDTMF {
		t.Fatalf("err %v, want ErrNoDTMF", err)
	}
}

// TestRTPZeroAlloc guards the steady-state media path.
func TestRTPZeroAlloc(t *testing.T) {
	r := newMediaRig(t)
	a := netip.MustParseAddrPort("127.0.0.1:40000")
	pkt := packet(t, 0, 1, 160, false, make([]byte, 160))
	r.s.receive(pkt, a) // learn, warm the pool
	(<-r.c.rx).Release()
	if n := testing.AllocsPerRun(200, func() {
		r.s.receive(pkt, a)
		(<-r.c.rx).Release()
	}); n != 0 {
		t.Errorf("receive: %v allocs per packet", n)
	}
	f := voiceFrame(160, 0)
	defer f.Release()
	r.s.write(f)
	if n := testing.AllocsPerRun(200, func() { r.s.write(f) }); n != 0 {
		t.Errorf("send: %v allocs per frame", n)
	}
}

func BenchmarkRTPReceive(b *testing.B) {
	for _, size := range []int{160, 1200} {
		b.Run(map[int]string{160: "pcmu-20ms", 1200: "video-1200B"}[size], func(b *testing.B) {
			r := newMediaRig(b)
			a := netip.MustParseAddrPort("127.0.0.1:40000")
			pkt := packet(b, 0, 1, 160, false, make([]byte, size))
			b.ReportAllocs()
			b.SetBytes(int64(len(pkt)))
			for b.Loop() {
				r.s.receive(pkt, a)
				(<-r.c.rx).Release()
			}
		})
	}
}

func BenchmarkRTPSend(b *testing.B) {
	b.Run("frame-to-socket", func(b *testing.B) {
		r := newMediaRig(b)
		f := voiceFrame(160, 0)
		defer f.Release()
		b.ReportAllocs()
		b.SetBytes(160 + rtpHeaderLen)
		for b.Loop() {
			r.s.write(f)
		}
	})
	b.Run("packetize", func(b *testing.B) { // the same without the sendto syscall
		r := newMediaRig(b)
		f := voiceFrame(160, 0)
		defer f.Release()
		p := r.s.params.Load()
		b.ReportAllocs()
		b.SetBytes(160 + rtpHeaderLen)
		for b.Loop() {
			r.s.sendMu.Lock()
			ts, m := r.s.stampAudio(f, p)
			r.s.packetize(0, m, ts, f.Payload)
			r.s.sendMu.Unlock()
		}
	})
}

// TestRTPTimeout: an answered call that receives no RTP is hung up with
// cause 102 and a BYE.
func TestRTPTimeout(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RTPTimeout = 300 * time.Millisecond })
	e.handle(func(ctx context.Context, ch *channel.Channel) {
		if ch.Answer(ctx) == nil {
			drain(ch)
		}
	})
	ctx := ctxT(t)
	p := e.phone(t, "carol", "")
	call, err := p.Dial(ctx, "600", testphoneDefaults)
	if err != nil {
		t.Fatal(err)
	}
	ch := e.nextChannel(t)
	if cause := waitHangup(t, ch); cause != channel.CauseRecoveryOnTimerExpiry {
		t.Fatalf("cause %v, want 102", cause)
	}
	select {
	case <-call.Done():
	case <-ctx.Done():
		t.Fatal("no BYE")
	}
}

// TestRenegotiateWhileReceiving: a re-INVITE re-applies the media of a
// stream that keeps receiving, here with another DTMF payload type. The
// mailbox must leave the state the media worker owns (the DTMF receiver,
// the stream's position) to the worker: the race detector watches.
func TestRenegotiateWhileReceiving(t *testing.T) {
	r := newMediaRig(t)
	s := r.s
	r.c.sockets[s.conn.port] = s.conn
	r.c.media.Store(&mediaSet{streams: []*rtpStream{s}})
	s.start()
	dst := s.conn.rtp.LocalAddr()
	send := func(b []byte) {
		t.Helper()
		if _, err := r.peer.WriteToUDPAddrPort(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	next := func(q chan *frame.Frame) *frame.Frame {
		t.Helper()
		select {
		case f := <-q:
			return f
		case <-time.After(testTimeout):
			t.Fatal("no frame")
			return nil
		}
	}
	payload := make([]byte, 160)
	send(packet(t, 0, 1, 160, true, payload))
	next(r.c.rx).Release()

	// A digit and a voice packet in flight while the mailbox re-applies
	// the media.
	send(packet(t, 101, 2, 320, true, dtmf.Marshal(nil, dtmf.Event{Digit: '5', Duration: 160})))
	send(packet(t, 0, 3, 480, false, payload))
	m := sdp.Media{
		Type:      format.Audio,
		State:     stream.SendRecv,
		LocalPort: s.conn.port,
		Remote:    r.peerAddr(),
		Send:      []sdp.Codec{{PT: 0, Format: format.ULaw}},
		Recv:      []sdp.Codec{{PT: 0, Format: format.ULaw}},
		SendDTMF:  sdp.Codec{PT: 96, Format: format.TelephoneEvent},
		RecvDTMF:  sdp.Codec{PT: 96, Format: format.TelephoneEvent},
	}
	r.c.applyMedia([]sdp.Media{m})
	if got := r.c.media.Load().streams[0]; got != s {
		t.Fatal("the stream was replaced")
	}
	// The worker is done with what was in flight once a later packet
	// comes out (the digit may have been refused by the new table).
	send(packet(t, 0, 4, 640, false, payload))
	for {
		f := next(r.c.rx)
		seq := f.SeqNo
		f.Release()
		if seq == 4 {
			break
		}
	}
}
