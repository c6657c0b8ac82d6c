package sip

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/drivers/sip/sdp"
	"github.com/pbx-dev/pbx/internal/dtmf"
	"github.com/pbx-dev/pbx/internal/mediaio"
)

// Media: one RTP stream per active m-line, each with its own socket pair
// from the port range, served by one of the driver's media workers
// (internal/mediaio) with the stream's RTCP and playout timers. Received
// packets become frames (payload copied into a pooled frame) delivered to
// the call's bounded queue; written frames become packets built in a
// per-stream buffer. See doc.go for the rules.

// Sizes of the media path.
const (
	rtpHeaderLen  = 12
	maxPacketSize = 1500 + 512 // a full Ethernet MTU and then some
	flushAfter    = 10         // audio packets after which a DTMF without end is ended
)

// mediaSet is the set of streams in force, by position (nil for removed
// streams). It is replaced as a whole on renegotiation and read without
// locks by the write path.
type mediaSet struct {
	streams []*rtpStream
	since   time.Time // when the set was installed (RTP timeout base)
}

// stream returns the stream at pos, or for [frame.DefaultStream] the first
// stream of media type mt.
func (m *mediaSet) stream(pos int, mt format.MediaType) *rtpStream {
	if pos >= 0 {
		if pos < len(m.streams) {
			return m.streams[pos]
		}
		return nil
	}
	for _, s := range m.streams {
		if s != nil && s.params.Load().typ == mt {
			return s
		}
	}
	return nil
}

// position returns the position of the first stream of type mt, or
// [frame.DefaultStream].
func (m *mediaSet) position(mt format.MediaType) int {
	if s := m.stream(frame.DefaultStream, mt); s != nil {
		return s.position()
	}
	return frame.DefaultStream
}

// recvCodec says what a received payload type carries.
type recvCodec struct {
	kind uint8 // recvNone, recvMedia, recvDTMF
	f    format.Format
}

// recvTable maps the 128 RTP payload types to what they carry: an index
// into codecs (0: not negotiated). It is compared on renegotiation.
type recvTable struct {
	idx    [128]uint8
	codecs []recvCodec // codecs[0] is the zero recvCodec
}

func (t *recvTable) set(pt uint8, rc recvCodec) {
	if len(t.codecs) == 0 {
		t.codecs = append(t.codecs, recvCodec{})
	}
	if len(t.codecs) > 255 {
		return
	}
	t.idx[pt&0x7f] = uint8(len(t.codecs))
	t.codecs = append(t.codecs, rc)
}

func (t *recvTable) get(pt uint8) recvCodec {
	i := t.idx[pt&0x7f]
	if i == 0 {
		return recvCodec{}
	}
	return t.codecs[i]
}

func (t *recvTable) equal(o *recvTable) bool {
	if t.idx != o.idx || len(t.codecs) != len(o.codecs) {
		return false
	}
	for i := range t.codecs {
		if t.codecs[i] != o.codecs[i] {
			return false
		}
	}
	return true
}

const (
	recvNone uint8 = iota
	recvMedia
	recvDTMF
)

// streamParams is the negotiated configuration of a stream, replaced
// atomically on renegotiation.
type streamParams struct {
	typ        format.MediaType
	kind       frame.Kind
	state      stream.State
	remote     netip.AddrPort // announced; zero when the far end cannot receive
	remoteRTCP netip.AddrPort
	mux        bool // rtcp-mux (RFC 5761)
	clock      int  // RTP clock rate of the codec sent (or received)
	recv       recvTable
	send       []sdp.Codec
	sendDTMF   sdp.Codec
	ptime      int
	dtmfRate   int // clock rate of the received telephone-event; 0: none
}

func newParams(m *sdp.Media) *streamParams {
	p := &streamParams{
		typ:        m.Type,
		state:      m.State,
		remote:     m.Remote,
		remoteRTCP: m.RemoteRTCP,
		mux:        m.RTCPMux,
		send:       m.Send,
		sendDTMF:   m.SendDTMF,
		ptime:      m.PTime,
	}
	if p.ptime <= 0 {
		p.ptime = 20
	}
	switch m.Type {
	case format.Video:
		p.kind = frame.Video
	case format.Text:
		p.kind = frame.Text
	default:
		p.kind = frame.Voice
	}
	for _, c := range m.Recv {
		p.recv.set(c.PT, recvCodec{kind: recvMedia, f: c.Format})
	}
	switch {
	case len(m.Send) > 0:
		p.clock = m.Send[0].Format.ClockRate
	case len(m.Recv) > 0:
		p.clock = m.Recv[0].Format.ClockRate
	}
	if !m.RecvDTMF.IsZero() {
		p.recv.set(m.RecvDTMF.PT, recvCodec{kind: recvDTMF, f: m.RecvDTMF.Format})
		p.dtmfRate = m.RecvDTMF.Format.ClockRate
	}
	return p
}

// sendCodec returns the payload type to send f with.
func (p *streamParams) sendCodec(f format.Format) (uint8, bool) {
	for i := range p.send {
		if p.send[i].Format.Is(f) {
			return p.send[i].PT, true
		}
	}
	return 0, false
}

// StreamStats are the counters of one RTP stream.
type StreamStats struct {
	PacketsReceived, PacketsSent uint64
	BytesReceived, BytesSent     uint64
	// Foreign counts packets ignored because they came from another
	// source than the one learned (symmetric RTP).
	Foreign uint64
	// Invalid counts packets that are not RTP, carry an unknown payload
	// type, or arrived while the stream does not receive.
	Invalid uint64
	// RTCP counts RTCP packets received; RTCPSent those sent.
	RTCP, RTCPSent uint64
	// SendDropped counts frames not sent: a format the stream did not
	// negotiate, a payload too large, or audio during a DTMF event.
	SendDropped uint64

	// Lost is the cumulative number of packets lost from the source
	// received (RFC 3550 A.3) and Jitter its interarrival jitter (A.8).
	Lost   int64
	Jitter time.Duration
	// RemoteFractionLost, RemoteLost and RemoteJitter are the far end's
	// latest report about our stream; RTT the round-trip time computed
	// from it (zero until the far end reported on one of our SRs).
	RemoteFractionLost float64
	RemoteLost         uint32
	RemoteJitter       time.Duration
	RTT                time.Duration

	// JitterBuffer is set while the stream's jitter buffer is on (audio
	// terminating in the PBX); the Jitter* fields are then its counters
	// (internal/jitter.Stats): the target and current playout delay,
	// frames concealed, packets discarded as late or duplicate, and
	// frames dropped or inserted to steer the delay.
	JitterBuffer                   bool
	JitterTarget, JitterDelay      time.Duration
	JitterConcealed, JitterLate    uint64
	JitterDuplicate, JitterAdjusts uint64
}

type streamCounters struct {
	rxPackets, txPackets, rxBytes, txBytes atomic.Uint64
	foreign, invalid, rtcp, sendDropped    atomic.Uint64
	rtcpSent                               atomic.Uint64
}

// rtpStream is the RTP side of one stream of a call.
//
// Goroutines: received packets (receive, receiveRTCP) and the stream's
// timers (RTCP reports, jitter-buffer playout) run on the media worker
// of its sockets, one at a time. The write path runs on the core's
// serialised write goroutine; SendDigit on the caller's; sendMu
// serialises the two around the sequence and timestamp state and the
// packet buffer.
type rtpStream struct {
	c        *call
	pos      atomic.Int32 // position in the topology (set by the mailbox)
	conn     *rtpConn
	params   atomic.Pointer[streamParams]
	learned  atomic.Pointer[netip.AddrPort] // symmetric RTP: the source in use
	lastRx   atomic.Int64                   // unix ns of the last packet
	stopped  atomic.Bool
	jb       atomic.Pointer[jitterState]    // nil: frames are delivered as they arrive
	rx       rxStats                        // RTCP reception statistics
	rtcpFrom atomic.Pointer[netip.AddrPort] // where the far end's RTCP comes from
	stats    streamCounters
	rtcpT    *mediaio.Timer // the report timer

	// Media worker only.
	pkt    rtp.Packet
	rxp    *streamParams // the parameters dtmfRx was last brought in line with
	dtmfRx dtmf.Receiver
	sigs   []dtmf.Signal
	voice  int // audio packets since a DTMF begin without end

	// Send side, guarded by sendMu.
	sendMu     sync.Mutex
	hdr        rtp.Header
	out        []byte
	started    bool
	ts         uint32    // timestamp of the last packet sent
	dur        uint32    // its duration in clock units
	last       time.Time // when it was sent
	markNext   bool
	inLast     uint32 // video: last input timestamp
	tsOff      uint32 // video: output - input timestamp
	dtmfTx     dtmf.Sender
	dtmfActive bool
}

func newRTPStream(c *call, pos int, conn *rtpConn) *rtpStream {
	s := &rtpStream{
		c:    c,
		conn: conn,
		sigs: make([]dtmf.Signal, 0, 4),
	}
	s.pos.Store(int32(pos))
	s.hdr.Version = 2
	s.hdr.SSRC = rand.Uint32()
	s.hdr.SequenceNumber = uint16(rand.Uint32())
	return s
}

// configure installs negotiated parameters. A changed announced remote
// address lets the stream learn its source again. It runs on the mailbox
// while the media worker may be receiving: the worker's own state
// follows at its next packet (rxParams).
func (s *rtpStream) configure(m *sdp.Media) {
	p := newParams(m)
	old := s.params.Swap(p)
	if old != nil && old.remote != p.remote {
		s.learned.Store(nil)
	}
}

// rxParams brings the receive state the media worker owns in line with
// new parameters: a changed payload type table restarts the DTMF
// receiver (media worker).
func (s *rtpStream) rxParams(p *streamParams) {
	if old := s.rxp; old != nil && !old.recv.equal(&p.recv) {
		s.dtmfRx.Reset()
	}
	if p.dtmfRate > 0 {
		s.dtmfRx.Rate = p.dtmfRate
	}
	s.rxp = p
}

// position returns the stream's position in the topology.
func (s *rtpStream) position() int { return int(s.pos.Load()) }

// start makes the media worker serve the stream: received packets and
// its RTCP reports. Mailbox (or before the call starts).
func (s *rtpStream) start() {
	if err := errors.Join(s.conn.rtp.SetHandler(s.receive), s.conn.rtcp.SetHandler(s.receiveRTCPFrom)); err != nil {
		s.c.log.Warn("media socket not served", "stream", s.position(), "port", s.conn.port, "err", err)
	}
	s.rtcpT = s.conn.w.Schedule(time.Now().Add(reportDelay()), s.reportTick)
}

// stop makes the stream deliver and send nothing more: its handlers and
// timers are not running when it returns (so it must not run on the
// media worker).
func (s *rtpStream) stop() {
	s.stopped.Store(true)
	if s.rtcpT != nil {
		s.rtcpT.Stop()
	}
	if js := s.jb.Load(); js != nil {
		js.stop()
	}
}

// Stats returns the stream's counters.
func (s *rtpStream) Stats() StreamStats {
	st := StreamStats{
		PacketsReceived: s.stats.rxPackets.Load(),
		PacketsSent:     s.stats.txPackets.Load(),
		BytesReceived:   s.stats.rxBytes.Load(),
		BytesSent:       s.stats.txBytes.Load(),
		Foreign:         s.stats.foreign.Load(),
		Invalid:         s.stats.invalid.Load(),
		RTCP:            s.stats.rtcp.Load(),
		RTCPSent:        s.stats.rtcpSent.Load(),
		SendDropped:     s.stats.sendDropped.Load(),
	}
	s.receptionStats(&st)
	if js := s.jb.Load(); js != nil {
		js.fill(&st)
	}
	return st
}

// lastReceived returns when the last packet arrived (zero: never).
func (s *rtpStream) lastReceived() time.Time {
	n := s.lastRx.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// receive turns one datagram into frames. It runs on the media worker
// and allocates nothing in steady state.
func (s *rtpStream) receive(b []byte, from netip.AddrPort) {
	if s.stopped.Load() {
		return
	}
	if len(b) < 8 || b[0]>>6 != 2 {
		s.stats.invalid.Add(1)
		return
	}
	if pt := b[1] & 0x7f; pt >= 64 && pt <= 95 {
		s.receiveRTCP(b) // RTCP multiplexed on the RTP port (RFC 5761 §4)
		return
	}
	if len(b) < rtpHeaderLen {
		s.stats.invalid.Add(1)
		return
	}
	p := s.params.Load()
	if p != s.rxp {
		s.rxParams(p)
	}
	if err := s.pkt.Unmarshal(b); err != nil {
		s.stats.invalid.Add(1)
		return
	}
	rc := p.recv.get(s.pkt.PayloadType)
	if rc.kind == recvNone {
		s.stats.invalid.Add(1)
		return
	}
	if l := s.learned.Load(); l == nil {
		learned := from // a copy: taking from's address would move it to the heap on every packet
		s.learned.Store(&learned)
	} else if *l != from {
		s.stats.foreign.Add(1)
		return
	}
	s.stats.rxPackets.Add(1)
	s.stats.rxBytes.Add(uint64(len(b)))
	now := time.Now()
	s.lastRx.Store(now.UnixNano())
	s.rx.update(s.pkt.SSRC, s.pkt.SequenceNumber, s.pkt.Timestamp, now, rc.f.ClockRate)
	if !p.state.Receives() {
		return
	}
	payload := s.pkt.Payload
	if rc.kind == recvDTMF {
		s.sigs, _ = s.dtmfRx.Push(s.pkt.Timestamp, payload, s.pkt.Marker, s.sigs[:0])
		s.emitDigits()
		return
	}
	if s.dtmfRx.Active() {
		if s.voice++; s.voice > flushAfter {
			s.sigs = s.dtmfRx.Flush(s.sigs[:0])
			s.emitDigits()
		}
	}
	if js := s.jb.Load(); js != nil && p.kind == frame.Voice {
		js.push(rc.f, s.pkt.SequenceNumber, s.pkt.Timestamp, s.pkt.Marker, payload, now)
		return
	}
	f := frame.Get(len(payload))
	copy(f.Payload, payload)
	f.Kind = p.kind
	f.Format = rc.f
	f.Stream = s.position()
	f.Timestamp = s.pkt.Timestamp
	f.SeqNo = s.pkt.SequenceNumber
	f.Marker = s.pkt.Marker
	if p.kind == frame.Voice {
		f.Samples = samplesOf(rc.f, len(payload), p.ptime)
	}
	s.c.deliver(f)
}

// emitDigits queues the DTMF signals in s.sigs as frames.
func (s *rtpStream) emitDigits() {
	for _, sg := range s.sigs {
		k := frame.DTMFBegin
		if sg.Kind == dtmf.End {
			k = frame.DTMFEnd
		}
		f := frame.NewDTMF(k, sg.Digit, sg.Duration)
		f.Stream = s.position()
		s.c.queueCtl(f)
	}
	s.voice = 0
}

// samplesOf returns the samples per channel of a payload of n bytes.
func samplesOf(f format.Format, n, ptime int) int {
	switch f.Name {
	case format.ULaw.Name, format.ALaw.Name:
		return n
	case format.G722.Name:
		return 2 * n
	case format.SLin8.Name, format.SLin16.Name, format.SLin48.Name:
		return n / 2
	}
	return f.Rate() * ptime / 1000
}

// dest returns where to send: the learned source (symmetric RTP), else the
// announced address.
func (s *rtpStream) dest(p *streamParams) netip.AddrPort {
	if !p.remote.IsValid() {
		return netip.AddrPort{} // the far end announced it cannot receive
	}
	if l := s.learned.Load(); l != nil {
		return *l
	}
	return p.remote
}

// write sends one media frame (borrowed). Frames the stream cannot send
// are dropped and counted.
func (s *rtpStream) write(f *frame.Frame) {
	p := s.params.Load()
	if s.stopped.Load() || !p.state.Sends() {
		return
	}
	dst := s.dest(p)
	if !dst.IsValid() {
		return
	}
	pt, ok := p.sendCodec(f.Format)
	if !ok || len(f.Payload) > maxPacketSize-rtpHeaderLen {
		s.stats.sendDropped.Add(1)
		return
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	if s.dtmfActive && p.kind == frame.Voice {
		s.stats.sendDropped.Add(1)
		return
	}
	var ts uint32
	var marker bool
	if p.kind == frame.Voice {
		ts, marker = s.stampAudio(f, p)
	} else {
		ts, marker = s.stampVideo(f), f.Marker
	}
	s.send(dst, pt, marker, ts, f.Payload)
}

// packetize builds the next packet in s.out and returns its length (0
// on error); sendMu is held.
func (s *rtpStream) packetize(pt uint8, marker bool, ts uint32, payload []byte) int {
	s.hdr.PayloadType = pt
	s.hdr.Marker = marker
	s.hdr.Timestamp = ts
	s.hdr.SequenceNumber++
	if need := rtpHeaderLen + len(payload); len(s.out) < need {
		// Sized for the stream's packets: allocates on the first packet
		// and when a larger one comes, never in steady state.
		s.out = make([]byte, max(need, 2*len(s.out), 256))
	}
	n, err := s.hdr.MarshalTo(s.out)
	if err != nil {
		return 0
	}
	return n + copy(s.out[n:], payload)
}

// send marshals and writes one packet; sendMu is held.
func (s *rtpStream) send(dst netip.AddrPort, pt uint8, marker bool, ts uint32, payload []byte) {
	n := s.packetize(pt, marker, ts, payload)
	if n == 0 {
		s.stats.sendDropped.Add(1)
		return
	}
	if _, err := s.conn.rtp.WriteTo(s.out[:n], dst); err != nil {
		s.stats.sendDropped.Add(1)
		return
	}
	s.stats.txPackets.Add(1)
	s.stats.txBytes.Add(uint64(n))
}

// clockDur converts a frame's samples to RTP clock units.
func clockDur(f *frame.Frame, ptime int) uint32 {
	clock := f.Format.ClockRate
	if clock <= 0 {
		clock = 8000
	}
	if f.Samples <= 0 {
		return uint32(clock * ptime / 1000)
	}
	rate := f.Format.Rate()
	if rate <= 0 {
		rate = clock
	}
	return uint32(int64(f.Samples) * int64(clock) / int64(rate))
}

// stampAudio returns the timestamp and marker of the next audio packet.
// The stream keeps its own timeline, so sequence numbers and timestamps
// stay continuous whoever feeds it (a bridged peer, a playback): the
// timestamp advances by each frame's duration, and by the wall-clock time
// when frames stopped coming for more than a few frame times (a silence or
// a source switch), which also starts a talk-spurt with the marker bit.
func (s *rtpStream) stampAudio(f *frame.Frame, p *streamParams) (uint32, bool) {
	now := time.Now()
	dur := clockDur(f, p.ptime)
	marker := f.Marker || s.markNext
	s.markNext = false
	var ts uint32
	if !s.started {
		s.started = true
		ts = rand.Uint32()
		marker = true
	} else {
		ts = s.ts + s.dur
		clock := max(f.Format.ClockRate, 1)
		frameTime := time.Duration(s.dur) * time.Second / time.Duration(clock)
		if gap := now.Sub(s.last); gap > 4*frameTime+20*time.Millisecond {
			ts = s.ts + uint32(int64(gap)*int64(clock)/int64(time.Second))
			marker = true
		}
	}
	s.ts, s.dur, s.last = ts, dur, now
	return ts, marker
}

// stampVideo maps an input timestamp into the stream's timeline, keeping
// the input's spacing (frames of one picture share a timestamp) and
// jumping to a continuation when the input source changes.
func (s *rtpStream) stampVideo(f *frame.Frame) uint32 {
	now := time.Now()
	switch {
	case !s.started:
		s.started = true
		s.tsOff = rand.Uint32() - f.Timestamp
	default:
		if d := int32(f.Timestamp - s.inLast); d < -2*90000 || d > 5*90000 {
			// A new source: continue from the last timestamp sent plus
			// the wall-clock time since.
			adv := uint32(now.Sub(s.last) * 90000 / time.Second)
			s.tsOff = s.ts + max(adv, 1) - f.Timestamp
		}
	}
	s.inLast = f.Timestamp
	s.ts = f.Timestamp + s.tsOff
	s.last = now
	return s.ts
}

// sendDigit sends one RFC 4733 event lasting d, a packet per ptime, with
// three end packets; audio written meanwhile is dropped. It blocks for
// the digit's duration; ctx ends it early (the end packets still go).
func (s *rtpStream) sendDigit(ctx context.Context, digit rune, d time.Duration) error {
	p := s.params.Load()
	if p.sendDTMF.IsZero() {
		return ErrNoDTMF
	}
	if !dtmf.Valid(digit) {
		return dtmf.ErrUnknownDigit
	}
	interval := time.Duration(p.ptime) * time.Millisecond
	s.sendMu.Lock()
	if s.dtmfActive {
		s.sendMu.Unlock()
		return dtmf.ErrBusy
	}
	var ts uint32
	switch {
	case !s.started:
		s.started = true
		ts = rand.Uint32()
	default:
		ts = s.ts + s.dur
		if gap := time.Since(s.last); gap > 4*interval+20*time.Millisecond {
			ts = s.ts + uint32(int64(gap)*int64(max(p.sendDTMF.Format.ClockRate, 1))/int64(time.Second))
		}
	}
	rate := max(p.sendDTMF.Format.ClockRate, 1)
	evDur := uint32(min(max(int64(d)*int64(rate)/int64(time.Second), 1), 0xffff))
	s.dtmfTx = dtmf.Sender{Rate: rate, Interval: interval}
	if err := s.dtmfTx.Start(digit, d, ts); err != nil {
		s.sendMu.Unlock()
		return err
	}
	s.dtmfActive = true
	s.sendMu.Unlock()

	tick := time.NewTicker(interval)
	defer tick.Stop()
	done := ctx.Done()
	var payload [dtmf.Size]byte
	for {
		s.sendMu.Lock()
		pk, ok := s.dtmfTx.Next()
		if !ok {
			s.dtmfActive = false
			// Audio resumes after the event, as a new talk-spurt.
			s.ts, s.dur, s.last = ts, evDur, time.Now()
			s.markNext = true
			s.sendMu.Unlock()
			return nil
		}
		cur := s.params.Load()
		if dst := s.dest(cur); dst.IsValid() && !s.stopped.Load() {
			s.send(dst, cur.sendDTMF.PT, pk.Marker, pk.Timestamp, dtmf.Marshal(payload[:0], pk.Event))
		}
		s.sendMu.Unlock()
		select {
		case <-tick.C:
		case <-done:
			done = nil
			s.sendMu.Lock()
			s.dtmfTx.Stop()
			s.sendMu.Unlock()
		case <-s.c.closed:
			s.sendMu.Lock()
			s.dtmfActive = false
			s.sendMu.Unlock()
			return channel.ErrHangup
		}
	}
}

// applyMedia installs negotiated media: streams keep their socket and
// sequence state while their port stays; new ports get a new stream and
// reader; streams that went away stop, and their sockets are freed when
// the m-line was removed. It runs on the mailbox goroutine (or before it
// starts).
func (c *call) applyMedia(ms []sdp.Media) {
	old := c.media.Load()
	next := &mediaSet{streams: make([]*rtpStream, len(ms)), since: time.Now()}
	for i := range ms {
		m := &ms[i]
		if m.LocalPort == 0 || m.State == stream.Removed {
			continue
		}
		conn := c.sockets[m.LocalPort]
		if conn == nil {
			c.log.Warn("no socket for negotiated port", "stream", i, "port", m.LocalPort)
			continue
		}
		var s *rtpStream
		if i < len(old.streams) && old.streams[i] != nil && old.streams[i].conn == conn {
			s = old.streams[i]
		} else {
			for _, o := range old.streams {
				if o != nil && o.conn == conn {
					s = o // moved position (cannot happen with RFC 3264, but be safe)
				}
			}
		}
		if s == nil {
			s = newRTPStream(c, i, conn)
			s.configure(m)
			s.start()
		} else {
			s.pos.Store(int32(i))
			s.configure(m)
		}
		c.streamJitter(s)
		next.streams[i] = s
	}
	c.media.Store(next)
	for i, o := range old.streams {
		if o == nil || slicesContains(next.streams, o) {
			continue
		}
		o.stop()
		if i < len(ms) && ms[i].LocalPort == 0 {
			// Removed m-line: the SDP session released the port.
			delete(c.sockets, o.conn.port)
			c.d.port.free(o.conn)
		}
	}
}

func slicesContains(list []*rtpStream, s *rtpStream) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
