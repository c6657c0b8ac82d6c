package cdr

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/topology"
)

var quiet = slog.New(slog.DiscardHandler)

// testTopology is an audio (with telephone-event) and a video stream.
const testTopology = "<0:audio-0:audio:sendrecv (ulaw|telephone-event)> <1:video-1:video:sendrecv (h264)>"

// calls builds channels on a registry whose events go to observe; its
// cleanup shuts the registry down and waits for the read pumps.
type calls struct {
	t   *testing.T
	reg *channel.Registry
}

func newCalls(t *testing.T, observe func(channel.Event)) *calls {
	t.Helper()
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: quiet})
	reg.Observe(observe)
	t.Cleanup(func() {
		if err := reg.Shutdown(ctxT(t, 10*time.Second)); err != nil {
			t.Errorf("registry shutdown: %v", err)
		}
	})
	return &calls{t: t, reg: reg}
}

func (c *calls) topo() *topology.Topology {
	c.t.Helper()
	tp, err := topology.Parse(testTopology)
	if err != nil {
		c.t.Fatal(err)
	}
	return tp
}

// inbound is a call from num to exten in context default.
func (c *calls) inbound(num, name, exten string) *channel.Channel {
	c.t.Helper()
	ch, err := c.reg.NewChannel(channel.Config{
		Tech: channeltest.NewMock(c.topo()), Name: "SIP/" + num, Inbound: true,
		CallerNum: num, CallerName: name, Context: "default", Exten: exten,
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return ch
}

// outbound is a dialled channel, as Dial creates.
func (c *calls) outbound(dest string) *channel.Channel {
	c.t.Helper()
	ch, err := c.reg.NewChannel(channel.Config{Tech: channeltest.NewMock(c.topo()), Name: "SIP/" + dest})
	if err != nil {
		c.t.Fatal(err)
	}
	return ch
}

// answer answers ch and returns when it is up.
func answer(t *testing.T, ch *channel.Channel) {
	t.Helper()
	if err := ch.Answer(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
}

// bridged marks in as having dialled peer successfully, as Dial does.
func bridged(in, peer *channel.Channel) {
	in.SetVar("DIALSTATUS", "ANSWER")
	in.SetVar("DIALEDPEERNAME", peer.Name())
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// fixedStats reports the same counters for every channel: audio with RTCP
// feedback, video without.
func fixedStats(*channel.Channel) ([]StreamStats, bool) {
	return []StreamStats{
		{PacketsReceived: 100, PacketsSent: 90, Lost: 2, Jitter: 1500 * time.Microsecond,
			RemoteLost: 1, RemoteJitter: 2 * time.Millisecond, RTT: 20 * time.Millisecond},
		{PacketsReceived: 50, PacketsSent: 40, Lost: 1, Jitter: 3 * time.Millisecond},
	}, true
}

// wantRTP is fixedStats summarised over testTopology.
var wantRTP = RTPSummary{
	PacketsReceived: 150, PacketsSent: 130, Lost: 3, JitterMS: 3,
	RemoteLost: 1, RemoteJitterMS: 2, RTTMS: 20,
	Streams: "0:audio rx=100 tx=90 lost=2 jitter=1.5ms rtt=20.0ms;1:video rx=50 tx=40 lost=1 jitter=3.0ms",
}

// recv waits for the next record on c.
func recv(t *testing.T, c <-chan Record) Record {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no call record within 10 s")
		return Record{}
	}
}
