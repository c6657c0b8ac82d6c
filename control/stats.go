package control

import (
	"net/http"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
)

// StreamStats are the media counters of one stream of a channel, as
// `pbx show channel` prints them. A [StatsFunc] fills the counters; the
// server fills Position, Name and Type from the channel's topology.
type StreamStats struct {
	Position int    `json:"position"`
	Name     string `json:"name"`
	Type     string `json:"type"`

	PacketsReceived uint64 `json:"packets_received"`
	PacketsSent     uint64 `json:"packets_sent"`
	BytesReceived   uint64 `json:"bytes_received"`
	BytesSent       uint64 `json:"bytes_sent"`
	// Lost counts the packets the far end sent that never arrived (RFC
	// 3550 A.3) and JitterMS is the interarrival jitter (A.8) measured on
	// what arrived.
	Lost     int64   `json:"lost"`
	JitterMS float64 `json:"jitter_ms"`
	// RemoteFractionLost (0–1, over the last report interval),
	// RemoteLost and RemoteJitterMS are the far end's view of our stream
	// from its last RTCP report; RTTMS the round-trip time computed from
	// it. Zero until the far end reports.
	RemoteFractionLost float64 `json:"remote_fraction_lost"`
	RemoteLost         int64   `json:"remote_lost"`
	RemoteJitterMS     float64 `json:"remote_jitter_ms"`
	RTTMS              float64 `json:"rtt_ms"`
	// Foreign counts packets from another source than the one learned,
	// Invalid packets that were not usable RTP.
	Foreign uint64 `json:"foreign"`
	Invalid uint64 `json:"invalid"`
	// RTCPReceived and RTCPSent count RTCP packets.
	RTCPReceived uint64 `json:"rtcp_received"`
	RTCPSent     uint64 `json:"rtcp_sent"`
	// SendDropped counts frames the stream did not send (a format it did
	// not negotiate, too large, audio during a DTMF event).
	SendDropped uint64 `json:"send_dropped"`
	// JitterBuffer is set while the stream's audio goes through an
	// adaptive jitter buffer; the Jitter* fields are then its target and
	// current playout delay and its counters: frames concealed (packet
	// loss concealment), packets discarded as late or duplicate, frames
	// dropped or inserted to steer the delay.
	JitterBuffer    bool    `json:"jitter_buffer,omitempty"`
	JitterTargetMS  float64 `json:"jitter_target_ms,omitempty"`
	JitterDelayMS   float64 `json:"jitter_delay_ms,omitempty"`
	JitterConcealed uint64  `json:"jitter_concealed,omitempty"`
	JitterLate      uint64  `json:"jitter_late,omitempty"`
	JitterDuplicate uint64  `json:"jitter_duplicate,omitempty"`
	JitterAdjusts   uint64  `json:"jitter_adjusts,omitempty"`
}

// LossPercent returns the share of the far end's packets that were lost,
// in percent: Lost / (PacketsReceived + Lost) × 100.
func (s StreamStats) LossPercent() float64 { return lossPercent(s.PacketsReceived, s.Lost) }

// MediaStats are a channel's media counters as its driver keeps them.
type MediaStats struct {
	// Streams are the counters of the channel's streams by position in
	// its topology (a StatsFunc returns them so); the server leaves out
	// removed streams.
	Streams []StreamStats `json:"streams"`
	// QueueDropped counts media frames the driver dropped because the
	// core did not read them in time; ControlDropped the same for control
	// and DTMF frames.
	QueueDropped   uint64 `json:"queue_dropped"`
	ControlDropped uint64 `json:"control_dropped"`
}

// StatsFunc returns the media counters of ch, and false when ch's driver
// keeps none. The server calls it on an HTTP handler's goroutine for a
// live channel, and on the goroutine that hangs a channel up for the
// channel that hung up; it must not block. cmd/pbx provides one for the
// SIP driver, so that this package depends on no driver.
type StatsFunc func(ch *channel.Channel) (MediaStats, bool)

// RTPTotals sum the media counters of a set of channels.
type RTPTotals struct {
	// Channels counts the channels with counters and Streams their
	// streams.
	Channels        int    `json:"channels"`
	Streams         int    `json:"streams"`
	PacketsReceived uint64 `json:"packets_received"`
	PacketsSent     uint64 `json:"packets_sent"`
	Lost            int64  `json:"lost"`
	// LossPercent is Lost / (PacketsReceived + Lost) × 100.
	LossPercent float64 `json:"loss_percent"`
	RemoteLost  int64   `json:"remote_lost"`
	SendDropped uint64  `json:"send_dropped"`
	// QueueDropped counts the media, ControlDropped the control frames
	// the drivers dropped because the core did not read them in time.
	QueueDropped   uint64 `json:"queue_dropped"`
	ControlDropped uint64 `json:"control_dropped"`
	Foreign        uint64 `json:"foreign"`
	Invalid        uint64 `json:"invalid"`
	// Concealed, Late and Adjusts sum the jitter buffers' frames
	// concealed, packets discarded as late, and delay adjustments.
	Concealed uint64 `json:"concealed"`
	Late      uint64 `json:"late"`
	Adjusts   uint64 `json:"adjusts"`
	// MaxJitterMS and MaxRTTMS are the worst stream's.
	MaxJitterMS float64 `json:"max_jitter_ms"`
	MaxRTTMS    float64 `json:"max_rtt_ms"`
}

// add folds the counters of one channel in.
func (t *RTPTotals) add(m *MediaStats) {
	t.Channels++
	t.QueueDropped += m.QueueDropped
	t.ControlDropped += m.ControlDropped
	for _, s := range m.Streams {
		t.Streams++
		t.PacketsReceived += s.PacketsReceived
		t.PacketsSent += s.PacketsSent
		t.Lost += s.Lost
		t.RemoteLost += s.RemoteLost
		t.SendDropped += s.SendDropped
		t.Foreign += s.Foreign
		t.Invalid += s.Invalid
		t.Concealed += s.JitterConcealed
		t.Late += s.JitterLate
		t.Adjusts += s.JitterAdjusts
		t.MaxJitterMS = max(t.MaxJitterMS, s.JitterMS)
		t.MaxRTTMS = max(t.MaxRTTMS, s.RTTMS)
	}
	t.LossPercent = lossPercent(t.PacketsReceived, t.Lost)
}

// RTPReport is what `pbx show rtp` prints.
type RTPReport struct {
	// LiveChannels counts every live channel, with counters or not.
	LiveChannels int `json:"live_channels"`
	// Live sums the counters of the live channels; Ended those of the
	// channels that hung up since the control endpoint started, as they
	// were when each hung up.
	Live  RTPTotals `json:"live"`
	Ended RTPTotals `json:"ended"`
	Time  time.Time `json:"time"`
}

func lossPercent(received uint64, lost int64) float64 {
	if lost <= 0 {
		return 0
	}
	return float64(lost) / (float64(received) + float64(lost)) * 100
}

// mediaStats returns ch's counters with the streams named from its
// topology, removed ones left out; nil when there are none.
func (s *Server) mediaStats(ch *channel.Channel) *MediaStats {
	if s.hooks.Stats == nil {
		return nil
	}
	m, ok := s.hooks.Stats(ch)
	if !ok {
		return nil
	}
	t := ch.Topology()
	list := make([]StreamStats, 0, len(m.Streams))
	for pos, st := range m.Streams {
		str, ok := t.Stream(pos)
		if !ok || str.IsRemoved() {
			continue
		}
		st.Position, st.Name, st.Type = pos, str.Name(), str.Type().String()
		list = append(list, st)
	}
	m.Streams = list
	return &m
}

// channel serves GET /channels/{name}: one channel, by name or ID, with
// its media counters.
func (s *Server) channel(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ch, ok := s.reg.Find(name)
	if !ok {
		http.Error(w, "no such channel: "+name, http.StatusNotFound)
		return
	}
	info := Describe(ch)
	info.Stats = s.mediaStats(ch)
	writeJSON(w, info)
}

// rtp serves GET /rtp: the RTP totals of the live channels and of those
// that ended.
func (s *Server) rtp(w http.ResponseWriter, _ *http.Request) {
	rep := RTPReport{Time: time.Now()}
	for _, ch := range s.reg.Channels() {
		rep.LiveChannels++
		if m := s.mediaStats(ch); m != nil {
			rep.Live.add(m)
		}
	}
	s.mu.Lock()
	rep.Ended = s.ended
	s.mu.Unlock()
	writeJSON(w, rep)
}

// channelEnded adds the final counters of ch, which hung up, to the
// ended totals.
func (s *Server) channelEnded(ch *channel.Channel) {
	m := s.mediaStats(ch)
	if m == nil {
		return
	}
	s.mu.Lock()
	s.ended.add(m)
	s.mu.Unlock()
}
