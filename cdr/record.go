package cdr

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/topology"
)

// Record is one call: the inbound channel that started it (or the
// channel the PBX originated, see [Writer.Originated]) and, when a
// Dial connected it, the peer channel (Asterisk's channel and
// dstchannel). Times are wall-clock; Duration and BillSec are whole
// seconds, truncated as Asterisk's cdr.c does.
type Record struct {
	// ID identifies the record (random, 26 base32 characters). It is the
	// database's unique key, so a retried insert never duplicates a row.
	ID string `json:"id"`
	// UniqueID is the inbound channel's ID (Asterisk's uniqueid).
	UniqueID string `json:"uniqueid"`

	CallerNum  string `json:"caller_num"`
	CallerName string `json:"caller_name"`
	// Context and Callee are where the call entered the dialplan: the
	// endpoint's context and the dialled extension (Asterisk's dcontext
	// and dst).
	Context string `json:"context"`
	Callee  string `json:"callee"`
	// Channel is the inbound channel's name, PeerChannel the channel its
	// Dial answered (DIALEDPEERNAME), empty when none did.
	Channel     string `json:"channel"`
	PeerChannel string `json:"peer_channel,omitempty"`

	Start time.Time `json:"start"`
	// Answer is when the callee answered (the peer went up), or for a
	// call without an answered Dial when the PBX answered the inbound
	// channel; zero when nobody answered.
	Answer time.Time `json:"answer,omitzero"`
	End    time.Time `json:"end"`
	// Duration is End-Start and BillSec End-Answer (0 when unanswered),
	// in seconds.
	Duration int `json:"duration"`
	BillSec  int `json:"billsec"`

	Disposition Disposition `json:"disposition"`
	// DialStatus is the inbound channel's DIALSTATUS when the call ended
	// (empty when no Dial had finished by then).
	DialStatus string `json:"dial_status,omitempty"`
	// Cause is the inbound channel's Q.850 hangup cause and CauseName its
	// Asterisk name ("NORMAL_CLEARING"); PeerCause the peer's (0 without
	// a peer).
	Cause     channel.Cause `json:"cause"`
	CauseName string        `json:"cause_name"`
	PeerCause channel.Cause `json:"peer_cause,omitempty"`

	// Codecs summarises the inbound channel's topology when it hung up, a
	// stream per item: "0:audio:ulaw;1:video:h264" (position, media type,
	// first codec; removed streams are left out). PeerCodecs is the peer's.
	Codecs     string `json:"codecs"`
	PeerCodecs string `json:"peer_codecs,omitempty"`

	// RTP and PeerRTP are the legs' RTP counters when their driver
	// exposes them (see [StatsFunc]); nil otherwise.
	RTP     *RTPSummary `json:"rtp,omitempty"`
	PeerRTP *RTPSummary `json:"peer_rtp,omitempty"`
}

// RTPSummary is one leg's RTP quality over all its streams: packet and
// loss counts are summed, jitter and round-trip time are the worst
// stream's.
type RTPSummary struct {
	PacketsReceived uint64 `json:"packets_received"`
	PacketsSent     uint64 `json:"packets_sent"`
	// Lost counts packets the far end sent that never arrived (RFC 3550
	// A.3) and JitterMS is the interarrival jitter (A.8) we measured.
	Lost     int64   `json:"lost"`
	JitterMS float64 `json:"jitter_ms"`
	// RemoteLost and RemoteJitterMS are what the far end reported about
	// our packets in its last RTCP receiver report; RTTMS is the round-trip
	// time computed from it. All three are 0 when the far end sent no RTCP.
	RemoteLost     int64   `json:"remote_lost"`
	RemoteJitterMS float64 `json:"remote_jitter_ms"`
	RTTMS          float64 `json:"rtt_ms"`
	// Streams has the same counters per stream, ";"-separated:
	// "0:audio rx=1500 tx=1500 lost=0 jitter=0.8ms rtt=1.2ms".
	Streams string `json:"streams"`
}

// StreamStats are the RTP counters of one stream as a driver reports
// them; a [StatsFunc] converts its driver's type into these.
type StreamStats struct {
	PacketsReceived, PacketsSent uint64
	Lost                         int64
	Jitter                       time.Duration
	RemoteLost                   int64
	RemoteJitter, RTT            time.Duration
}

// StatsFunc returns the RTP counters of ch's streams, indexed by stream
// position, and false when ch's driver keeps none. It is called on the
// goroutine that hangs ch up, right after the driver's Hangup returned,
// and must not block. cmd/pbx provides one for the SIP driver, so that
// this package does not depend on any driver.
type StatsFunc func(ch *channel.Channel) ([]StreamStats, bool)

// leg is what a record needs from one channel, copied when it hung up.
type leg struct {
	id, name              string
	callerNum, callerName string
	context, exten        string
	created, answered     time.Time
	ended                 time.Time
	cause                 channel.Cause
	dialStatus, peerName  string
	codecs                string
	rtp                   *RTPSummary
}

// snapshot copies what a record needs from ch, which hung up at end.
func snapshot(ch *channel.Channel, end time.Time, stats StatsFunc) leg {
	l := leg{
		id: ch.ID(), name: ch.Name(),
		created: ch.Created(), answered: ch.AnsweredAt(), ended: end,
		cause: ch.HangupCause(),
	}
	l.callerNum, l.callerName = ch.CallerID()
	l.context, l.exten = ch.DialplanTarget()
	l.dialStatus, _ = ch.Var("DIALSTATUS")
	l.peerName, _ = ch.Var("DIALEDPEERNAME")
	topo := ch.Topology()
	l.codecs = CodecSummary(topo)
	if stats != nil {
		if st, ok := stats(ch); ok {
			l.rtp = summarize(topo, st)
		}
	}
	return l
}

// newRecord builds the record of a call from its inbound leg and, when
// known, the peer leg its Dial answered.
func newRecord(in leg, peer *leg) Record {
	r := Record{
		ID:        rand.Text(),
		UniqueID:  in.id,
		CallerNum: in.callerNum, CallerName: in.callerName,
		Context: in.context, Callee: in.exten,
		Channel: in.name, PeerChannel: in.peerName,
		Start: in.created, End: in.ended,
		DialStatus: in.dialStatus,
		Cause:      in.cause, CauseName: in.cause.String(),
		Codecs: in.codecs,
		RTP:    in.rtp,
	}
	r.Answer = in.answered
	if peer != nil {
		r.PeerCause = peer.cause
		r.PeerCodecs = peer.codecs
		r.PeerRTP = peer.rtp
		if !peer.answered.IsZero() {
			r.Answer = peer.answered
		}
	}
	r.Disposition = disposition(in.peerName, in.dialStatus, !in.answered.IsZero(), in.cause)
	r.Duration = seconds(r.End.Sub(r.Start))
	if !r.Answer.IsZero() {
		r.BillSec = seconds(r.End.Sub(r.Answer))
	}
	return r
}

func seconds(d time.Duration) int { return max(int(d/time.Second), 0) }

// CodecSummary returns the per-stream codec summary of t, as in
// [Record.Codecs]: "0:audio:ulaw;1:video:h264". A stream's codec is its
// first format other than telephone-event ("-" when it has none).
func CodecSummary(t *topology.Topology) string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	for _, s := range t.Streams() {
		if s.IsRemoved() {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, "%d:%s:%s", s.Position(), s.Type(), codecOf(s.Formats()))
	}
	return b.String()
}

func codecOf(c format.Caps) string {
	first := "-"
	for i, f := range c.All {
		if i == 0 {
			first = f.Name
		}
		if f.Name != format.TelephoneEvent.Name {
			return f.Name
		}
	}
	return first
}

// summarize folds per-stream counters into a leg summary; streams that
// are removed from t or that the stats do not cover are left out, and nil
// means no stream was covered (the driver had already dropped its media).
func summarize(t *topology.Topology, st []StreamStats) *RTPSummary {
	s := &RTPSummary{}
	covered := false
	var b strings.Builder
	for _, str := range t.Streams() {
		pos := str.Position()
		if str.IsRemoved() || pos >= len(st) {
			continue
		}
		x := st[pos]
		covered = true
		s.PacketsReceived += x.PacketsReceived
		s.PacketsSent += x.PacketsSent
		s.Lost += x.Lost
		s.RemoteLost += x.RemoteLost
		s.JitterMS = max(s.JitterMS, ms(x.Jitter))
		s.RemoteJitterMS = max(s.RemoteJitterMS, ms(x.RemoteJitter))
		s.RTTMS = max(s.RTTMS, ms(x.RTT))
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, "%d:%s rx=%d tx=%d lost=%d jitter=%.1fms", pos, str.Type(),
			x.PacketsReceived, x.PacketsSent, x.Lost, ms(x.Jitter))
		if x.RTT > 0 {
			fmt.Fprintf(&b, " rtt=%.1fms", ms(x.RTT))
		}
	}
	if !covered {
		return nil
	}
	s.Streams = b.String()
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
