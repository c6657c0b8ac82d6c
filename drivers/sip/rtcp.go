package sip

import (
	"math/rand/v2"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/pion/rtcp"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// RTCP (RFC 3550 §6): every stream sends a compound SR (while it sends
// RTP) or RR, with a reception report about the source it receives and an
// SDES CNAME, every 5 s (randomised by ±50%, §6.2), and reads the far
// end's reports for its view of our stream (loss, jitter) and the round
// trip time (§6.4.1: now − LSR − DLSR). The stream's media worker does
// both: it serves the RTCP socket and runs the report timer. RTCP
// multiplexed on the RTP port (RFC 5761) arrives through the RTP handler.

// rtcpInterval is the nominal report interval (a variable for tests).
var rtcpInterval = 5 * time.Second

// rxStats is the reception state of a stream (RFC 3550 appendix A.3 and
// A.8), updated for every RTP packet received and read by the report
// timer; mu is uncontended (both run on the stream's media worker, but
// Stats may read it from anywhere).
type rxStats struct {
	mu          sync.Mutex
	have        bool
	ssrc        uint32
	baseSeq     uint32 // extended
	maxSeq      uint32 // extended highest sequence number
	received    uint32
	expPrior    uint32
	recPrior    uint32
	jitter      float64 // RFC 3550 A.8, in timestamp units
	lastTransit uint32
	haveTransit bool
	clock       int
	lsr         uint32    // middle 32 bits of the last SR's NTP time
	lsrAt       time.Time // when it arrived

	// The far end's reports about our stream.
	remoteFraction uint8
	remoteLost     uint32
	remoteJitter   uint32
	rtt            time.Duration
}

// update accounts one received RTP packet.
func (r *rxStats) update(ssrc uint32, seq uint16, ts uint32, now time.Time, clock int) {
	r.mu.Lock()
	if !r.have || ssrc != r.ssrc {
		r.have, r.ssrc = true, ssrc
		r.baseSeq, r.maxSeq = uint32(seq), uint32(seq)
		r.received, r.expPrior, r.recPrior = 0, 0, 0
		r.jitter, r.haveTransit = 0, false
	}
	if d := seq - uint16(r.maxSeq); d != 0 && d < 0x8000 {
		r.maxSeq += uint32(d)
	}
	r.received++
	if clock > 0 {
		units := uint32(uint64(now.UnixNano()) * uint64(clock) / uint64(time.Second))
		transit := units - ts
		if r.haveTransit && r.clock == clock {
			d := int32(transit - r.lastTransit)
			if d < 0 {
				d = -d
			}
			r.jitter += (float64(d) - r.jitter) / 16
		}
		r.lastTransit, r.haveTransit, r.clock = transit, true, clock
	}
	r.mu.Unlock()
}

// report returns the reception report block about the source received,
// and advances the interval counters; false before any packet.
func (r *rxStats) report(now time.Time) (rtcp.ReceptionReport, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.have {
		return rtcp.ReceptionReport{}, false
	}
	expected := r.maxSeq - r.baseSeq + 1
	lost := int64(expected) - int64(r.received)
	expInt := expected - r.expPrior
	recInt := r.received - r.recPrior
	r.expPrior, r.recPrior = expected, r.received
	var fraction uint8
	if lostInt := int64(expInt) - int64(recInt); expInt > 0 && lostInt > 0 {
		fraction = uint8(lostInt << 8 / int64(expInt))
	}
	rr := rtcp.ReceptionReport{
		SSRC:               r.ssrc,
		FractionLost:       fraction,
		TotalLost:          uint32(min(max(lost, 0), 0x7fffff)),
		LastSequenceNumber: r.maxSeq,
		Jitter:             uint32(r.jitter),
		LastSenderReport:   r.lsr,
	}
	if !r.lsrAt.IsZero() {
		rr.Delay = uint32(now.Sub(r.lsrAt) * 65536 / time.Second)
	}
	return rr, true
}

// ntpTime converts t to the 64-bit NTP format (RFC 3550 §4).
func ntpTime(t time.Time) uint64 {
	const epochOffset = 2208988800 // 1900 to 1970
	secs := uint64(t.Unix()) + epochOffset
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// rtcpDest returns where to send RTCP: the source RTCP came from, else the
// announced address (with rtcp-mux: the RTP destination).
func (s *rtpStream) rtcpDest(p *streamParams) netip.AddrPort {
	if p.mux {
		return s.dest(p)
	}
	if l := s.rtcpFrom.Load(); l != nil {
		return *l
	}
	if !p.remote.IsValid() {
		return netip.AddrPort{}
	}
	return p.remoteRTCP
}

// receiveRTCPFrom handles a datagram on the stream's RTCP socket (media
// worker) and remembers where the far end's RTCP comes from.
func (s *rtpStream) receiveRTCPFrom(b []byte, from netip.AddrPort) {
	if s.stopped.Load() {
		return
	}
	if s.receiveRTCP(b) {
		if l := s.rtcpFrom.Load(); l == nil || *l != from {
			s.rtcpFrom.Store(&from)
		}
	}
}

// reportTick sends a report and returns when the next one is due (media
// worker timer).
func (s *rtpStream) reportTick(now time.Time) time.Time {
	if s.stopped.Load() {
		return time.Time{}
	}
	s.sendReport(now)
	return now.Add(reportDelay())
}

// reportDelay returns the next report interval, randomised to 0.5–1.5 of
// the nominal one (RFC 3550 §6.2).
func reportDelay() time.Duration {
	return rtcpInterval/2 + rand.N(rtcpInterval)
}

// cname is the SDES CNAME of our streams.
var cname = func() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "pbx"
	}
	return "pbx@" + h
}()

// buildReport returns our compound RTCP packet, or nil when the stream has
// neither sent nor received anything.
func (s *rtpStream) buildReport(now time.Time) []byte {
	rr, haveRR := s.rx.report(now)
	s.sendMu.Lock()
	sending := s.started
	ssrc := s.hdr.SSRC
	var rtpTime uint32
	if sending {
		clock := s.params.Load().clock
		rtpTime = s.ts + uint32(int64(now.Sub(s.last))*int64(clock)/int64(time.Second))
	}
	s.sendMu.Unlock()
	if !sending && !haveRR {
		return nil
	}
	var first rtcp.Packet
	if sending {
		sr := &rtcp.SenderReport{
			SSRC:        ssrc,
			NTPTime:     ntpTime(now),
			RTPTime:     rtpTime,
			PacketCount: uint32(s.stats.txPackets.Load()),
			OctetCount:  uint32(s.stats.txBytes.Load() - rtpHeaderLen*s.stats.txPackets.Load()),
		}
		if haveRR {
			sr.Reports = []rtcp.ReceptionReport{rr}
		}
		first = sr
	} else {
		first = &rtcp.ReceiverReport{SSRC: ssrc, Reports: []rtcp.ReceptionReport{rr}}
	}
	b, err := rtcp.Marshal([]rtcp.Packet{first, rtcp.NewCNAMESourceDescription(ssrc, cname)})
	if err != nil {
		return nil
	}
	return b
}

// sendReport sends our compound report.
func (s *rtpStream) sendReport(now time.Time) {
	if s.stopped.Load() {
		return
	}
	p := s.params.Load()
	dst := s.rtcpDest(p)
	if !dst.IsValid() {
		return
	}
	b := s.buildReport(now)
	if b == nil {
		return
	}
	conn := s.conn.rtcp
	if p.mux {
		conn = s.conn.rtp
	}
	if _, err := conn.WriteTo(b, dst); err == nil {
		s.stats.rtcpSent.Add(1)
	}
}

// sendPLI asks the far end's video encoder for a key frame with an RTCP
// Picture Loss Indication about the source we receive (RFC 4585 §6.3.1);
// nothing before any packet arrived.
func (s *rtpStream) sendPLI() {
	if s.stopped.Load() {
		return
	}
	p := s.params.Load()
	dst := s.rtcpDest(p)
	s.rx.mu.Lock()
	media, have := s.rx.ssrc, s.rx.have
	s.rx.mu.Unlock()
	if !dst.IsValid() || !have {
		return
	}
	s.sendMu.Lock()
	sender := s.hdr.SSRC
	s.sendMu.Unlock()
	b, err := (&rtcp.PictureLossIndication{SenderSSRC: sender, MediaSSRC: media}).Marshal()
	if err != nil {
		return
	}
	conn := s.conn.rtcp
	if p.mux {
		conn = s.conn.rtp
	}
	if _, err := conn.WriteTo(b, dst); err == nil {
		s.stats.rtcpSent.Add(1)
	}
}

// receiveRTCP processes a compound RTCP packet from the far end: sender
// reports (for our next LSR/DLSR) and the reception reports about our
// stream (loss, jitter, round-trip time). It reports whether b was RTCP.
func (s *rtpStream) receiveRTCP(b []byte) bool {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		s.stats.invalid.Add(1)
		return false
	}
	s.stats.rtcp.Add(1)
	now := time.Now()
	s.sendMu.Lock()
	ours := s.hdr.SSRC
	s.sendMu.Unlock()
	keyFrame := false
	defer func() {
		if keyFrame && s.params.Load().typ == format.Video {
			s.c.queueCtl(frame.NewControl(frame.VideoUpdate))
		}
	}()
	r := &s.rx
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range pkts {
		var reports []rtcp.ReceptionReport
		switch p := p.(type) {
		case *rtcp.SenderReport:
			r.lsr, r.lsrAt = uint32(p.NTPTime>>16), now
			reports = p.Reports
		case *rtcp.ReceiverReport:
			reports = p.Reports
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			// The far end's decoder wants a key frame of our video:
			// the bridge passes it to the leg we forward from.
			keyFrame = true
		}
		for _, rep := range reports {
			if rep.SSRC != ours {
				continue
			}
			r.remoteFraction, r.remoteLost, r.remoteJitter = rep.FractionLost, rep.TotalLost, rep.Jitter
			if rep.LastSenderReport != 0 {
				mid := uint32(ntpTime(now) >> 16)
				if rtt := int64(mid) - int64(rep.LastSenderReport) - int64(rep.Delay); rtt >= 0 {
					r.rtt = time.Duration(rtt) * time.Second / 65536
				}
			}
		}
	}
	return true
}

// receptionStats fills the RTCP-derived fields of st.
func (s *rtpStream) receptionStats(st *StreamStats) {
	r := &s.rx
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.have {
		exp := r.maxSeq - r.baseSeq + 1
		st.Lost = max(int64(exp)-int64(r.received), 0)
		if r.clock > 0 {
			st.Jitter = time.Duration(r.jitter * float64(time.Second) / float64(r.clock))
		}
	}
	st.RemoteFractionLost = float64(r.remoteFraction) / 256
	st.RemoteLost = r.remoteLost
	if c := s.params.Load().clock; c > 0 {
		st.RemoteJitter = time.Duration(int64(r.remoteJitter) * int64(time.Second) / int64(c))
	}
	st.RTT = r.rtt
}
