package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/control"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/drivers/sip"
)

// fakeSIP is a mock tech with the SIP call's counter accessors.
type fakeSIP struct {
	*channeltest.Mock
	stats []sip.StreamStats
}

func (f fakeSIP) StreamStats() []sip.StreamStats { return f.stats }
func (f fakeSIP) QueueDrops() (uint64, uint64)   { return 7, 2 }

func newChannel(t *testing.T, tech channel.Tech) *channel.Channel {
	t.Helper()
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		reg.Shutdown(ctx)
	})
	ch, err := reg.NewChannel(channel.Config{Tech: tech, Name: "SIP/1001"})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestControlStatsConvertsSIPCounters(t *testing.T) {
	ch := newChannel(t, fakeSIP{Mock: channeltest.NewMock(nil), stats: []sip.StreamStats{{
		PacketsReceived: 10, PacketsSent: 11, BytesReceived: 1720, BytesSent: 1892,
		Foreign: 1, Invalid: 2, RTCP: 3, RTCPSent: 4, SendDropped: 5,
		Lost: 6, Jitter: 1500 * time.Microsecond,
		RemoteFractionLost: 0.5, RemoteLost: 8, RemoteJitter: 2 * time.Millisecond, RTT: 30 * time.Millisecond,
		JitterBuffer: true, JitterTarget: 40 * time.Millisecond, JitterDelay: 45 * time.Millisecond,
		JitterConcealed: 9, JitterLate: 10, JitterDuplicate: 11, JitterAdjusts: 12,
	}}})
	m, ok := controlStats(ch)
	if !ok {
		t.Fatal("no stats from a tech with StreamStats")
	}
	want := control.StreamStats{
		PacketsReceived: 10, PacketsSent: 11, BytesReceived: 1720, BytesSent: 1892,
		Foreign: 1, Invalid: 2, RTCPReceived: 3, RTCPSent: 4, SendDropped: 5,
		Lost: 6, JitterMS: 1.5,
		RemoteFractionLost: 0.5, RemoteLost: 8, RemoteJitterMS: 2, RTTMS: 30,
		JitterBuffer: true, JitterTargetMS: 40, JitterDelayMS: 45,
		JitterConcealed: 9, JitterLate: 10, JitterDuplicate: 11, JitterAdjusts: 12,
	}
	if len(m.Streams) != 1 || m.Streams[0] != want || m.QueueDropped != 7 || m.ControlDropped != 2 {
		t.Errorf("controlStats = %+v,\nwant %+v with queue drops 7 and 2", m, want)
	}
	if _, ok := controlStats(newChannel(t, channeltest.NewMock(nil))); ok {
		t.Error("stats from a tech without StreamStats")
	}
}

func TestWriteRTPReport(t *testing.T) {
	var b strings.Builder
	err := writeRTPReport(&b, control.RTPReport{
		LiveChannels: 3,
		Live:         control.RTPTotals{Channels: 2, Streams: 2, PacketsReceived: 980, Lost: 20, LossPercent: 2, PacketsSent: 1000},
		Ended:        control.RTPTotals{Channels: 4},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"LIVE          ENDED",
		"Channels with RTP          2 of 3              4",
		"Packets received              980              0",
		"Loss                       2.000%         0.000%",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report does not contain %q:\n%s", want, b.String())
		}
	}
}
