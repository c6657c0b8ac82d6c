package testphone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/pbx-dev/pbx/internal/audiotest"
)

// ptime is the packetisation interval of audio and telephone events.
const ptime = 20 * time.Millisecond

// audioRate is the sample rate of the audio the phone encodes and decodes
// (G.711).
const audioRate = 8000

// Media is one m-line of a call: an RTP socket (symmetric RTP: the phone
// sends from the socket it receives on), the outcome of the latest
// offer/answer for the m-line, and everything received on it.
//
// Received audio (PCMU or PCMA, whatever payload type the far end uses
// from this phone's SDP) is decoded and kept for tone detection;
// telephone-event packets become digits; video and unknown packets are
// only counted. A Media never sends while the negotiated direction or port
// forbids it: such packets are counted in [MediaStats.PacketsSuppressed].
//
// Goroutines: one reader per socket, plus one per [Media.StartTone]; all
// stop when the call ends. Sending methods may be called from any
// goroutine, but one tone or DTMF sender at a time per Media keeps the
// timestamps meaningful.
type Media struct {
	index int
	kind  Kind
	ip    netip.Addr
	log   *slog.Logger

	// ctx is the Media's own lifetime (the documented exception to "no
	// context in a struct"): cancelled by close.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // reader and tone goroutines

	mu        sync.Mutex // guards the fields below; taken after Call.mu, never before
	conn      *net.UDPConn
	closed    bool
	pref      StreamSpec
	local     mediaLine // latest m-line this phone sent
	remote    mediaLine // latest m-line received
	neg       negotiated
	recv      map[uint8]codec // payload types this phone declared
	det       *audiotest.Detector
	scratch   []int16
	digits    []rune
	lastEvTS  uint32
	haveEvent bool
	stats     MediaStats
	notify    chan struct{} // closed and replaced on every change

	sendMu   sync.Mutex // serialises senders; taken before mu
	seq      uint16
	ts       uint32
	ssrc     uint32
	lastSent time.Time
	dtmfBusy bool
	payload  []byte
	packet   []byte
}

// MediaStats counts a Media's packets.
type MediaStats struct {
	PacketsSent       uint64
	PacketsSuppressed uint64 // not sent: port 0, inactive/recvonly, or no remote address
	PacketsReceived   uint64
	BytesReceived     uint64         // RTP payload bytes
	UnknownReceived   uint64         // packets with a payload type this phone did not declare
	LastPayloadType   int            // -1 before the first packet
	LastSSRC          uint32         // SSRC of the latest packet
	LastSource        netip.AddrPort // source address of the latest packet
}

func newMedia(index int, kind Kind, ip netip.Addr, log *slog.Logger) *Media {
	ctx, cancel := context.WithCancel(context.Background())
	return &Media{
		index:   index,
		kind:    kind,
		ip:      ip,
		log:     log.With("stream", index),
		ctx:     ctx,
		cancel:  cancel,
		recv:    map[uint8]codec{},
		det:     audiotest.NewDetector(audioRate),
		stats:   MediaStats{LastPayloadType: -1},
		notify:  make(chan struct{}),
		seq:     uint16(rand.Uint32()),
		ts:      rand.Uint32(),
		ssrc:    rand.Uint32(),
		payload: make([]byte, 0, 1500),
		packet:  make([]byte, 1500),
	}
}

// ensureSocket opens the RTP socket if the Media has none yet (an even
// port, as RFC 3550 §11 recommends) and starts its reader. It returns the
// local port.
func (m *Media) ensureSocket() (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrCallEnded
	}
	if m.conn != nil {
		return m.conn.LocalAddr().(*net.UDPAddr).Port, nil
	}
	conn, err := listenEven(m.ip)
	if err != nil {
		return 0, fmt.Errorf("testphone: RTP socket: %w", err)
	}
	m.conn = conn
	m.wg.Go(func() { m.readLoop(conn) })
	return conn.LocalAddr().(*net.UDPAddr).Port, nil
}

// listenEven binds an ephemeral UDP port on ip, preferring an even one.
func listenEven(ip netip.Addr) (*net.UDPConn, error) {
	var odd []*net.UDPConn
	defer func() {
		for _, c := range odd {
			c.Close()
		}
	}()
	for range 16 {
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
		if err != nil {
			return nil, err
		}
		if c.LocalAddr().(*net.UDPAddr).Port%2 == 0 {
			return c, nil
		}
		odd = append(odd, c)
	}
	c := odd[len(odd)-1]
	odd = odd[:len(odd)-1]
	return c, nil
}

// close stops the Media's goroutines and closes its socket. It is
// idempotent and waits for the goroutines.
func (m *Media) close() {
	m.mu.Lock()
	m.closed = true
	conn := m.conn
	m.notifyLocked()
	m.mu.Unlock()
	m.cancel()
	if conn != nil {
		conn.Close()
	}
	m.wg.Wait()
}

func (m *Media) notifyLocked() {
	close(m.notify)
	m.notify = make(chan struct{})
}

// expect adds the payload types of a line this phone is about to send
// (an offer), so packets in any offered format are understood before the
// answer arrives.
func (m *Media) expect(l mediaLine) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range l.codecs {
		m.recv[c.pt] = c
	}
}

// commit records the outcome of an offer/answer exchange for this m-line.
func (m *Media) commit(pref StreamSpec, local, remote mediaLine) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pref = pref
	m.local = local
	m.remote = remote
	m.neg = negotiate(local, remote)
	m.recv = map[uint8]codec{}
	for _, c := range local.codecs {
		m.recv[c.pt] = c
	}
	m.notifyLocked()
}

// localLine returns the latest m-line this phone sent.
func (m *Media) localLine() mediaLine {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.local
}

// preference returns the StreamSpec the m-line was last offered or
// answered with, for re-offers.
func (m *Media) preference() StreamSpec {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pref
}

// readLoop is the reader goroutine: it runs until the socket is closed.
func (m *Media) readLoop(conn *net.UDPConn) {
	buf := make([]byte, 2048)
	var pkt rtp.Packet
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				m.log.Debug("rtp read stopped", "error", err)
			}
			return
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			continue // not RTP (RTCP on a muxed port, STUN, garbage)
		}
		m.receive(&pkt, from)
	}
}

// receive accounts for one packet. pkt aliases the read buffer, so its
// payload is decoded here and not retained.
func (m *Media) receive(pkt *rtp.Packet, from netip.AddrPort) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := &m.stats
	st.PacketsReceived++
	st.BytesReceived += uint64(len(pkt.Payload))
	st.LastPayloadType = int(pkt.PayloadType)
	st.LastSSRC = pkt.SSRC
	st.LastSource = from
	c, ok := m.recv[pkt.PayloadType]
	if !ok {
		st.UnknownReceived++
		c, ok = staticPayloadTypes[pkt.PayloadType]
	}
	switch {
	case ok && c.isEvent():
		m.eventLocked(pkt.Timestamp, pkt.Payload)
	case ok && c.encodable():
		m.scratch = decodeAudio(m.scratch[:0], c, pkt.Payload)
		m.det.Write(m.scratch)
	}
	m.notifyLocked()
}

// eventLocked turns RFC 4733 packets into digits: every event (one RTP
// timestamp) yields its digit once, at its first packet, whatever the
// number of retransmitted end packets.
func (m *Media) eventLocked(ts uint32, payload []byte) {
	if len(payload) < 4 {
		return
	}
	if m.haveEvent && ts == m.lastEvTS {
		return
	}
	m.haveEvent, m.lastEvTS = true, ts
	if d, ok := eventDigit(payload[0]); ok {
		m.digits = append(m.digits, d)
	}
}

// Index returns the m-line's position in the SDP, from 0.
func (m *Media) Index() int { return m.index }

// Kind returns the m-line's media type.
func (m *Media) Kind() Kind { return m.kind }

// Enabled reports whether the latest negotiation left the m-line active
// (non-zero port on both sides).
func (m *Media) Enabled() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.neg.enabled
}

// Direction returns the negotiated direction from this phone's point of
// view: [SendOnly] means this phone may send but the far end will not.
// A disabled m-line is [Inactive].
func (m *Media) Direction() Direction {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.neg.enabled {
		return Inactive
	}
	return m.neg.dir
}

// LocalDirection returns the direction attribute of the m-line in this
// phone's latest SDP for this call.
func (m *Media) LocalDirection() Direction {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.local.dir
}

// RemoteDirection returns the direction attribute of the m-line in the far
// end's latest SDP.
func (m *Media) RemoteDirection() Direction {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.remote.dir
}

// Codec returns the encoding name this phone sends on the m-line (e.g.
// "PCMU"), or "" if none was negotiated.
func (m *Media) Codec() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.neg.canSend {
		return ""
	}
	return m.neg.send.name
}

// PayloadType returns the payload type this phone sends the negotiated
// codec with (the far end's number for it), or -1.
func (m *Media) PayloadType() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.neg.canSend {
		return -1
	}
	return int(m.neg.send.pt)
}

// TelephoneEvent reports whether RFC 4733 telephone-event was negotiated.
func (m *Media) TelephoneEvent() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.neg.hasDTMF
}

// LocalAddr returns the address of the m-line's RTP socket; it is invalid
// when the m-line never had a socket.
func (m *Media) LocalAddr() netip.AddrPort {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conn == nil {
		return netip.AddrPort{}
	}
	return m.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// RemoteAddr returns where this phone sends RTP for the m-line, taken from
// the far end's SDP; it is invalid when there is none (port 0, c=0.0.0.0).
func (m *Media) RemoteAddr() netip.AddrPort {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.neg.remote
}

// Stats returns the m-line's packet counters.
func (m *Media) Stats() MediaStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

// Audio returns a copy of the audio received and decoded since the call
// started or since [Media.ResetReceived], at 8000 Hz.
func (m *Media) Audio() []int16 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]int16(nil), m.det.Samples()...)
}

// ToneDuration returns how long freq (Hz) dominated the received audio, in
// 20 ms blocks, since the call started or since [Media.ResetReceived].
func (m *Media) ToneDuration(freq float64) time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.det.Total(freq)
}

// Digits returns the RFC 4733 digits received since the call started or
// since [Media.ResetReceived], in order, each event once.
func (m *Media) Digits() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return string(m.digits)
}

// ResetReceived discards the received audio and digits (not the
// counters), so later waits only see what arrives afterwards.
func (m *Media) ResetReceived() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.det.Reset()
	m.digits = nil
	m.notifyLocked()
}

// waitFor blocks until cond (called with m.mu held) holds, the Media is
// closed or ctx ends.
func (m *Media) waitFor(ctx context.Context, cond func() bool) error {
	for {
		m.mu.Lock()
		if cond() {
			m.mu.Unlock()
			return nil
		}
		ch, closed := m.notify, m.closed
		m.mu.Unlock()
		if closed {
			return ErrCallEnded
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrNotFound, ctx.Err())
		}
	}
}

// WaitTone waits until freq (Hz) has dominated at least d of the received
// audio (counted in 20 ms blocks since the call started or since
// [Media.ResetReceived], so a tone that already arrived counts).
func (m *Media) WaitTone(ctx context.Context, freq float64, d time.Duration) error {
	block := audioRate / 50
	need := max(1, int((d+ptime-1)/ptime))
	off, blocks := 0, 0
	err := m.waitFor(ctx, func() bool {
		s := m.det.Samples()
		if off > len(s) { // reset
			off, blocks = 0, 0
		}
		for ; off+block <= len(s); off += block {
			if audiotest.Detect(s[off:off+block], audioRate, freq) {
				blocks++
			}
		}
		return blocks >= need
	})
	if err != nil {
		m.mu.Lock()
		heard, total := m.det.Total(freq), m.det.Len()
		m.mu.Unlock()
		return fmt.Errorf("testphone: stream %d: %v Hz heard for %v of %v received audio, want %v: %w",
			m.index, freq, heard, total, d, err)
	}
	return nil
}

// WaitDigits waits until the received digits contain want.
func (m *Media) WaitDigits(ctx context.Context, want string) error {
	err := m.waitFor(ctx, func() bool { return strings.Contains(string(m.digits), want) })
	if err != nil {
		return fmt.Errorf("testphone: stream %d: digits %q received, want %q: %w", m.index, m.Digits(), want, err)
	}
	return nil
}

// WaitPackets waits until at least n RTP packets have been received on the
// m-line since the call started.
func (m *Media) WaitPackets(ctx context.Context, n uint64) error {
	err := m.waitFor(ctx, func() bool { return m.stats.PacketsReceived >= n })
	if err != nil {
		return fmt.Errorf("testphone: stream %d: %d packets received, want %d: %w", m.index, m.Stats().PacketsReceived, n, err)
	}
	return nil
}

// sendLocked writes one RTP packet if the negotiation allows sending,
// otherwise counts it as suppressed. m.sendMu must be held.
func (m *Media) sendLocked(neg negotiated, pt uint8, marker bool, ts uint32, payload []byte) error {
	m.mu.Lock()
	conn, closed := m.conn, m.closed
	if closed {
		m.mu.Unlock()
		return ErrCallEnded
	}
	if conn == nil || !neg.enabled || !neg.dir.Sends() || !neg.remote.IsValid() {
		m.stats.PacketsSuppressed++
		m.mu.Unlock()
		return nil
	}
	m.mu.Unlock()
	pkt := rtp.Packet{
		Header: rtp.Header{
			Version:        2,
			Marker:         marker,
			PayloadType:    pt,
			SequenceNumber: m.seq,
			Timestamp:      ts,
			SSRC:           m.ssrc,
		},
		Payload: payload,
	}
	n, err := pkt.MarshalTo(m.packet)
	if err != nil {
		return fmt.Errorf("testphone: marshal RTP: %w", err)
	}
	m.seq++
	if _, err := conn.WriteToUDPAddrPort(m.packet[:n], neg.remote); err != nil {
		if errors.Is(err, net.ErrClosed) {
			return ErrCallEnded
		}
		return fmt.Errorf("testphone: send RTP: %w", err)
	}
	m.mu.Lock()
	m.stats.PacketsSent++
	m.mu.Unlock()
	return nil
}

// negotiation returns the current negotiation outcome.
func (m *Media) negotiation() negotiated {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.neg
}

// spurtLocked starts a talkspurt (or an event) at now: the timestamp
// jumps over the silence since the last packet, in whole 20 ms frames.
// m.sendMu must be held.
func (m *Media) spurtLocked(now time.Time, rate int) {
	if m.lastSent.IsZero() {
		return
	}
	if gap := now.Sub(m.lastSent) - ptime; gap > 0 {
		frames := int64(gap / ptime)
		m.ts += uint32(frames * int64(rate/50))
	}
}

// sendAudio encodes and sends one 20 ms frame in the negotiated codec.
func (m *Media) sendAudio(frame []int16, first bool) error {
	m.sendMu.Lock()
	defer m.sendMu.Unlock()
	if m.dtmfBusy {
		return nil // the event replaces the audio
	}
	neg := m.negotiation()
	if neg.canSend && !neg.send.encodable() {
		return fmt.Errorf("%w: %s", ErrUnsupportedCodec, neg.send.name)
	}
	now := time.Now()
	if first {
		m.spurtLocked(now, audioRate)
	}
	m.payload = encodeAudio(m.payload[:0], neg.send, frame)
	err := m.sendLocked(neg, neg.send.pt, first, m.ts, m.payload)
	m.ts += uint32(len(frame))
	m.lastSent = now
	return err
}

// errStopped tells playTone's callers that their stop channel fired.
var errStopped = errors.New("testphone: tone stopped")

// playTone sends frames 20 ms frames of a freq sine (forever when frames
// is negative), paced by a ticker, until stop is closed or the Media ends.
func (m *Media) playTone(stop <-chan struct{}, freq float64, frames int) error {
	gen := audiotest.NewGenerator(freq, audioRate, 0.5)
	frame := make([]int16, gen.FrameLen())
	t := time.NewTicker(ptime)
	defer t.Stop()
	for i := 0; frames < 0 || i < frames; i++ {
		if i > 0 {
			select {
			case <-t.C:
			case <-stop:
				return errStopped
			case <-m.ctx.Done():
				return ErrCallEnded
			}
		}
		gen.Next(frame)
		if err := m.sendAudio(frame, i == 0); err != nil {
			return err
		}
	}
	return nil
}

// SendTone sends a freq (Hz) sine for d in the negotiated codec (PCMU or
// PCMA), one RTP packet every 20 ms, the first with the marker bit. It
// returns when the tone is over, ctx ends or the call ends.
func (m *Media) SendTone(ctx context.Context, freq float64, d time.Duration) error {
	frames := max(1, int((d+ptime-1)/ptime))
	err := m.playTone(ctx.Done(), freq, frames)
	if errors.Is(err, errStopped) {
		return ctx.Err()
	}
	return err
}

// StartTone starts sending a freq (Hz) sine until stop is called or the
// call ends. stop is idempotent and returns once the sender goroutine has
// exited.
func (m *Media) StartTone(freq float64) (stop func(), err error) {
	if neg := m.negotiation(); neg.canSend && !neg.send.encodable() {
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedCodec, neg.send.name)
	}
	stopCh := make(chan struct{})
	done := make(chan struct{})
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrCallEnded
	}
	m.wg.Go(func() {
		defer close(done)
		if err := m.playTone(stopCh, freq, -1); err != nil && !errors.Is(err, errStopped) && !errors.Is(err, ErrCallEnded) {
			m.log.Warn("tone stopped", "error", err)
		}
	})
	m.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() { close(stopCh) })
		<-done
	}, nil
}

// SendDTMF sends digit as an RFC 4733 telephone-event lasting d: one
// packet every 20 ms sharing the event's timestamp, the first with the
// marker bit, the last (end bit set) sent three times (§2.5.1.4). Audio
// from a concurrent tone is suppressed meanwhile.
func (m *Media) SendDTMF(ctx context.Context, digit rune, d time.Duration) error {
	code, ok := eventCode(digit)
	if !ok {
		return fmt.Errorf("%w: %q", ErrInvalidDigit, digit)
	}
	neg := m.negotiation()
	if !neg.hasDTMF {
		return ErrNoTelephoneEvent
	}
	rate := neg.event.rate
	if rate <= 0 {
		rate = audioRate
	}
	step := rate / 50
	total := min(max(step, int(d.Seconds()*float64(rate))), 0xffff)

	m.sendMu.Lock()
	m.spurtLocked(time.Now(), rate)
	start := m.ts
	m.dtmfBusy = true
	m.sendMu.Unlock()
	defer func() {
		m.sendMu.Lock()
		m.ts = start + uint32((total+step-1)/step*step)
		m.lastSent = time.Now()
		m.dtmfBusy = false
		m.sendMu.Unlock()
	}()

	t := time.NewTicker(ptime)
	defer t.Stop()
	var payload [4]byte
	for dur, first := 0, true; ; first = false {
		dur += step
		end := dur >= total
		if end {
			dur = total
		}
		payload[0] = code
		payload[1] = 10 // volume: -10 dBm0
		if end {
			payload[1] |= 0x80
		}
		payload[2], payload[3] = byte(dur>>8), byte(dur)
		repeats := 1
		if end {
			repeats = 3
		}
		for r := range repeats {
			m.sendMu.Lock()
			err := m.sendLocked(neg, neg.event.pt, first && r == 0, start, payload[:])
			m.sendMu.Unlock()
			if err != nil {
				return err
			}
		}
		if end {
			return nil
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		case <-m.ctx.Done():
			return ErrCallEnded
		}
	}
}

// SendDigits sends each digit with [Media.SendDTMF] for d, with gap of
// silence between digits.
func (m *Media) SendDigits(ctx context.Context, digits string, d, gap time.Duration) error {
	for i, r := range digits {
		if i > 0 && gap > 0 {
			t := time.NewTimer(gap)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		}
		if err := m.SendDTMF(ctx, r, d); err != nil {
			return err
		}
	}
	return nil
}

// SendVideo sends n dummy RTP packets (an H.264 access unit delimiter) in
// the negotiated video payload type, each with the marker bit and a
// timestamp 3000 ticks (1/30 s at 90 kHz) after the previous one. They are
// sent back to back, not paced.
func (m *Media) SendVideo(n int) error {
	neg := m.negotiation()
	m.sendMu.Lock()
	defer m.sendMu.Unlock()
	for range n {
		if err := m.sendLocked(neg, neg.send.pt, true, m.ts, []byte{0x09, 0xf0}); err != nil {
			return err
		}
		m.ts += 3000
	}
	return nil
}

// eventCode maps a DTMF digit to its RFC 4733 §3.2 event code.
func eventCode(d rune) (uint8, bool) {
	switch {
	case d >= '0' && d <= '9':
		return uint8(d - '0'), true
	case d == '*':
		return 10, true
	case d == '#':
		return 11, true
	case d >= 'A' && d <= 'D':
		return uint8(12 + d - 'A'), true
	case d >= 'a' && d <= 'd':
		return uint8(12 + d - 'a'), true
	}
	return 0, false
}

// eventDigit is the inverse of eventCode; flash (16) and other events
// have no digit.
func eventDigit(code uint8) (rune, bool) {
	switch {
	case code <= 9:
		return rune('0' + code), true
	case code == 10:
		return '*', true
	case code == 11:
		return '#', true
	case code <= 15:
		return rune('A' + code - 12), true
	}
	return 0, false
}
