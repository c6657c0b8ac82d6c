package test

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/control"
	"github.com/pbx-dev/pbx/internal/testphone"
)

// TestRTPStatsOnTheCLI: 1001 calls the echo test and sends a tone that
// comes back. The SIP channel's per-stream counters show on
// `pbx show channel`, `pbx channels --stats` and `--json`, and
// `pbx show rtp` totals them; once the call has ended its counters move
// to the ended totals.
func TestRTPStatsOnTheCLI(t *testing.T) {
	s := startPBX(t, demoPlan)
	p := registered(t, s, "1001", "secret1001")
	ctx := ctxT(t, 60*time.Second)
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatalf("dial 600: %v", err)
	}
	m := call.Streams()[0]
	stop, _ := m.StartTone(1000)
	if err := m.WaitTone(ctx, 1000, 300*time.Millisecond); err != nil {
		t.Fatalf("no echo: %v", err)
	}
	stop()

	// Machine-readable: every channel with its counters.
	list := channelsJSON(t, s)
	if len(list) != 1 || !strings.HasPrefix(list[0].Name, "SIP/1001-") {
		t.Fatalf("channels %+v, want the one SIP/1001 channel", list)
	}
	ch := list[0]
	if ch.Stats == nil || len(ch.Stats.Streams) != 1 {
		t.Fatalf("%s: stats %+v, want one stream's counters", ch.Name, ch.Stats)
	}
	if st := ch.Stats.Streams[0]; st.Type != "audio" || st.PacketsReceived == 0 || st.PacketsSent == 0 {
		t.Errorf("%s stream 0: %+v, want audio packets received and sent", ch.Name, st)
	}

	out := cli(t, s, "show", "channel", ch.Name)
	t.Logf("pbx show channel %s:\n%s", ch.Name, out)
	for _, key := range []string{"Received", "Sent"} {
		m := regexp.MustCompile(`(?m)^\s+` + key + `:\s+(\d+) packets`).FindStringSubmatch(out)
		if m == nil || m[1] == "0" {
			t.Errorf("pbx show channel: %s packets missing or zero", key)
		}
	}
	for _, want := range []string{"Name:", ch.Name, "RTP stream 0:", "Lost:", "Jitter:", "RTT:", "Remote lost:", "Foreign:", "Invalid:", "Send dropped:", "Queue dropped:"} {
		if !strings.Contains(out, want) {
			t.Errorf("pbx show channel does not show %q", want)
		}
	}
	if out := cli(t, s, "show", "channel", ch.ID); !strings.Contains(out, ch.Name) {
		t.Errorf("pbx show channel by ID:\n%s", out)
	}
	if out, err := s.CLI("show", "channel", "SIP/nobody-00000099"); err == nil || !strings.Contains(out, "no such channel") {
		t.Errorf("pbx show channel of an unknown channel: %v\n%s", err, out)
	}

	if out := cli(t, s, "channels", "--stats"); !strings.Contains(out, "rtp 0:audio rx=") {
		t.Errorf("pbx channels --stats shows no RTP counters:\n%s", out)
	}

	rep := rtpJSON(t, s)
	if rep.LiveChannels != 1 || rep.Live.Channels != 1 || rep.Live.PacketsReceived == 0 || rep.Live.PacketsSent == 0 {
		t.Errorf("pbx show rtp: %+v, want the live channel's packets", rep)
	}
	out = cli(t, s, "show", "rtp")
	t.Logf("pbx show rtp:\n%s", out)
	for _, want := range []string{"LIVE", "ENDED", "Packets received", "Loss", "Queue dropped"} {
		if !strings.Contains(out, want) {
			t.Errorf("pbx show rtp does not show %q", want)
		}
	}

	// After the hang-up the call's final counters are in the ended totals.
	if err := call.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	waitNoChannels(t, s)
	rep = rtpJSON(t, s)
	if rep.LiveChannels != 0 || rep.Ended.Channels != 1 || rep.Ended.PacketsReceived < ch.Stats.Streams[0].PacketsReceived {
		t.Errorf("after the hang-up: %+v, want the call's %d received packets in the ended totals",
			rep, ch.Stats.Streams[0].PacketsReceived)
	}
}

// cli runs a pbx command that must succeed.
func cli(t *testing.T, s *server, args ...string) string {
	t.Helper()
	out, err := s.CLI(args...)
	if err != nil {
		t.Fatalf("pbx %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func channelsJSON(t *testing.T, s *server) []control.ChannelInfo {
	t.Helper()
	var list []control.ChannelInfo
	if err := json.Unmarshal([]byte(cli(t, s, "channels", "--json")), &list); err != nil {
		t.Fatalf("pbx channels --json: %v", err)
	}
	return list
}

func rtpJSON(t *testing.T, s *server) control.RTPReport {
	t.Helper()
	var rep control.RTPReport
	if err := json.Unmarshal([]byte(cli(t, s, "show", "rtp", "--json")), &rep); err != nil {
		t.Fatalf("pbx show rtp --json: %v", err)
	}
	return rep
}

// waitNoChannels polls `pbx channels --json` until no channel is live.
func waitNoChannels(t *testing.T, s *server) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		list := channelsJSON(t, s)
		if len(list) == 0 {
			return
		}
		if time.Now().After(deadline) {
			names := make([]string, len(list))
			for i, c := range list {
				names[i] = c.Name + " " + strconv.Quote(c.State)
			}
			t.Fatalf("channels still live after 15 s: %s", strings.Join(names, ", "))
		}
		<-tick.C
	}
}
