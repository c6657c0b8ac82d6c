package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pbx-dev/pbx/control"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/drivers/sip"
)

// sipStatser is the SIP call's counter accessor, found through
// [channel.Channel.Tech].
type sipStatser interface{ StreamStats() []sip.StreamStats }

// sipQueueDrops is the SIP call's queue drop accessor.
type sipQueueDrops interface {
	QueueDrops() (media, control uint64)
}

// controlStats reads the SIP driver's counters for the control endpoint
// (pbx channels --stats, pbx show channel, pbx show rtp).
func controlStats(ch *channel.Channel) (control.MediaStats, bool) {
	s, ok := ch.Tech().(sipStatser)
	if !ok {
		return control.MediaStats{}, false
	}
	list := s.StreamStats()
	m := control.MediaStats{Streams: make([]control.StreamStats, len(list))}
	for i, x := range list {
		m.Streams[i] = control.StreamStats{
			PacketsReceived: x.PacketsReceived, PacketsSent: x.PacketsSent,
			BytesReceived: x.BytesReceived, BytesSent: x.BytesSent,
			Lost: x.Lost, JitterMS: millis(x.Jitter),
			RemoteFractionLost: x.RemoteFractionLost, RemoteLost: int64(x.RemoteLost),
			RemoteJitterMS: millis(x.RemoteJitter), RTTMS: millis(x.RTT),
			Foreign: x.Foreign, Invalid: x.Invalid,
			RTCPReceived: x.RTCP, RTCPSent: x.RTCPSent,
			SendDropped:  x.SendDropped,
			JitterBuffer: x.JitterBuffer, JitterTargetMS: millis(x.JitterTarget), JitterDelayMS: millis(x.JitterDelay),
			JitterConcealed: x.JitterConcealed, JitterLate: x.JitterLate,
			JitterDuplicate: x.JitterDuplicate, JitterAdjusts: x.JitterAdjusts,
		}
	}
	if q, ok := ch.Tech().(sipQueueDrops); ok {
		m.QueueDropped, m.ControlDropped = q.QueueDrops()
	}
	return m, true
}

func newShowChannelCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "channel NAME|ID",
		Short: "Show one live channel with its streams and their RTP/RTCP counters (like Asterisk's core show channel)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := request(cmd, "GET", "/channels/"+url.PathEscape(args[0]), nil)
			if err != nil {
				return err
			}
			if asJSON {
				cmd.Print(string(out))
				return nil
			}
			var info control.ChannelInfo
			if err := json.Unmarshal(out, &info); err != nil {
				return err
			}
			return writeChannel(cmd.OutOrStdout(), info)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the channel as JSON")
	return c
}

func writeChannel(out io.Writer, c control.ChannelInfo) error {
	w := tabwriter.NewWriter(out, 2, 4, 1, ' ', 0)
	fmt.Fprintf(w, "Name:\t%s\n", c.Name)
	fmt.Fprintf(w, "ID:\t%s\n", c.ID)
	fmt.Fprintf(w, "State:\t%s\n", c.State)
	fmt.Fprintf(w, "Duration:\t%ds\n", int(c.Duration))
	fmt.Fprintf(w, "Caller:\t%s\n", dash(c.Caller))
	for _, s := range c.Streams {
		def := ""
		if s.IsDefault {
			def = " (default)"
		}
		fmt.Fprintf(w, "Stream %d:\t%s%s\n", s.Position, s.Summary, def)
	}
	if c.Stats == nil {
		fmt.Fprintf(w, "RTP:\tno counters (the driver keeps none)\n")
		return w.Flush()
	}
	for _, s := range c.Stats.Streams {
		fmt.Fprintf(w, "RTP stream %d:\t%s %s\n", s.Position, s.Type, s.Name)
		fmt.Fprintf(w, "  Received:\t%d packets, %d bytes\n", s.PacketsReceived, s.BytesReceived)
		fmt.Fprintf(w, "  Sent:\t%d packets, %d bytes\n", s.PacketsSent, s.BytesSent)
		fmt.Fprintf(w, "  Lost:\t%d (%.2f%%)\n", s.Lost, s.LossPercent())
		fmt.Fprintf(w, "  Jitter:\t%.1f ms\n", s.JitterMS)
		fmt.Fprintf(w, "  Remote lost:\t%d (last report %.1f%%)\n", s.RemoteLost, 100*s.RemoteFractionLost)
		fmt.Fprintf(w, "  Remote jitter:\t%.1f ms\n", s.RemoteJitterMS)
		fmt.Fprintf(w, "  RTT:\t%.1f ms\n", s.RTTMS)
		fmt.Fprintf(w, "  RTCP:\t%d received, %d sent\n", s.RTCPReceived, s.RTCPSent)
		fmt.Fprintf(w, "  Foreign:\t%d\n", s.Foreign)
		fmt.Fprintf(w, "  Invalid:\t%d\n", s.Invalid)
		fmt.Fprintf(w, "  Send dropped:\t%d\n", s.SendDropped)
		if s.JitterBuffer {
			fmt.Fprintf(w, "  Jitter buffer:\ttarget %.0f ms, delay %.0f ms\n", s.JitterTargetMS, s.JitterDelayMS)
			fmt.Fprintf(w, "  Concealed:\t%d frames\n", s.JitterConcealed)
			fmt.Fprintf(w, "  Late/duplicate:\t%d / %d packets\n", s.JitterLate, s.JitterDuplicate)
			fmt.Fprintf(w, "  Delay adjusts:\t%d frames\n", s.JitterAdjusts)
		}
	}
	fmt.Fprintf(w, "Queue dropped:\t%d media, %d control\n", c.Stats.QueueDropped, c.Stats.ControlDropped)
	return w.Flush()
}

// streamStatsLine is one stream's counters on one line, for
// pbx channels --stats.
func streamStatsLine(s control.StreamStats) string {
	line := fmt.Sprintf("%d:%s rx=%d tx=%d lost=%d (%.2f%%) jitter=%.1fms", s.Position, s.Type,
		s.PacketsReceived, s.PacketsSent, s.Lost, s.LossPercent(), s.JitterMS)
	if s.RTTMS > 0 || s.RemoteLost > 0 {
		line += fmt.Sprintf(" remote_lost=%d remote_jitter=%.1fms rtt=%.1fms", s.RemoteLost, s.RemoteJitterMS, s.RTTMS)
	}
	if s.Foreign+s.Invalid+s.SendDropped > 0 {
		line += fmt.Sprintf(" foreign=%d invalid=%d send_dropped=%d", s.Foreign, s.Invalid, s.SendDropped)
	}
	return line
}

func newShowRTPCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "rtp",
		Short: "Show RTP totals over the live channels and the channels that ended: packets, loss, drops",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := request(cmd, "GET", "/rtp", nil)
			if err != nil {
				return err
			}
			if asJSON {
				cmd.Print(string(out))
				return nil
			}
			var rep control.RTPReport
			if err := json.Unmarshal(out, &rep); err != nil {
				return err
			}
			return writeRTPReport(cmd.OutOrStdout(), rep)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the totals as JSON")
	return c
}

func writeRTPReport(out io.Writer, rep control.RTPReport) error {
	l, e := rep.Live, rep.Ended
	var b strings.Builder
	row := func(name string, live, ended any) { fmt.Fprintf(&b, "%-18s %14v %14v\n", name, live, ended) }
	row("", "LIVE", "ENDED")
	row("Channels with RTP", fmt.Sprintf("%d of %d", l.Channels, rep.LiveChannels), e.Channels)
	row("Streams", l.Streams, e.Streams)
	row("Packets received", l.PacketsReceived, e.PacketsReceived)
	row("Packets lost", l.Lost, e.Lost)
	row("Loss", fmt.Sprintf("%.3f%%", l.LossPercent), fmt.Sprintf("%.3f%%", e.LossPercent))
	row("Packets sent", l.PacketsSent, e.PacketsSent)
	row("Remote lost", l.RemoteLost, e.RemoteLost)
	row("Send dropped", l.SendDropped, e.SendDropped)
	row("Queue dropped", l.QueueDropped, e.QueueDropped)
	row("Control dropped", l.ControlDropped, e.ControlDropped)
	row("Foreign", l.Foreign, e.Foreign)
	row("Invalid", l.Invalid, e.Invalid)
	row("Concealed", l.Concealed, e.Concealed)
	row("Late", l.Late, e.Late)
	row("Delay adjusts", l.Adjusts, e.Adjusts)
	row("Max jitter", fmt.Sprintf("%.1f ms", l.MaxJitterMS), fmt.Sprintf("%.1f ms", e.MaxJitterMS))
	row("Max RTT", fmt.Sprintf("%.1f ms", l.MaxRTTMS), fmt.Sprintf("%.1f ms", e.MaxRTTMS))
	_, err := io.WriteString(out, b.String())
	return err
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
