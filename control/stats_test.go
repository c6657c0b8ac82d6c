package control

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/topology"
)

const testToken = "test-token"

// testTopology has an audio stream, a removed one and a video stream.
const testTopology = "<0:audio-0:audio:sendrecv (ulaw|telephone-event)> <1:text-1:text:removed (t140)> <2:video-2:video:sendrecv (h264)>"

// rig is a control server on a registry of mock channels.
type rig struct {
	t   *testing.T
	reg *channel.Registry
	srv *Server
	// hungup receives every channel whose hang-up the server has seen
	// (this observer runs after the server's).
	hungup chan *channel.Channel
}

func newRig(t *testing.T, stats StatsFunc) *rig {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	r := &rig{t: t, reg: channel.NewRegistry(channel.RegistryConfig{Logger: log}), hungup: make(chan *channel.Channel, 16)}
	srv, err := New("127.0.0.1:0", testToken, r.reg, Hooks{Stats: stats}, log)
	if err != nil {
		t.Fatal(err)
	}
	r.srv = srv
	r.reg.Observe(func(ev channel.Event) {
		if ev.Type == "hangup" {
			r.hungup <- ev.Channel
		}
	})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := r.reg.Shutdown(ctx); err != nil {
			t.Errorf("registry shutdown: %v", err)
		}
	})
	return r
}

// channel creates a live mock channel named name.
func (r *rig) channel(name string) *channel.Channel {
	r.t.Helper()
	tp, err := topology.Parse(testTopology)
	if err != nil {
		r.t.Fatal(err)
	}
	ch, err := r.reg.NewChannel(channel.Config{Tech: channeltest.NewMock(tp), Name: name, Inbound: true, CallerNum: "1001"})
	if err != nil {
		r.t.Fatal(err)
	}
	return ch
}

// hangup hangs ch up and waits until the server has seen it.
func (r *rig) hangup(ch *channel.Channel) {
	r.t.Helper()
	ch.Hangup(channel.CauseNormalClearing)
	for {
		select {
		case got := <-r.hungup:
			if got == ch {
				return
			}
		case <-time.After(10 * time.Second):
			r.t.Fatalf("%s: no hangup event within 10 s", ch.Name())
		}
	}
}

// get fetches path and decodes the JSON answer into v; it returns the
// status code.
func (r *rig) get(path string, v any) int {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+r.srv.Addr()+path, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	if res.StatusCode == http.StatusOK && v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			r.t.Fatalf("GET %s: %v\n%s", path, err, b)
		}
	}
	return res.StatusCode
}

// sipStats reports counters for channels named SIP/…: the audio stream
// received 98 packets and lost 2, the removed stream's slot is zero, the
// video stream has RTCP feedback. Other channels keep none.
func sipStats(ch *channel.Channel) (MediaStats, bool) {
	if !strings.HasPrefix(ch.Name(), "SIP/") {
		return MediaStats{}, false
	}
	return MediaStats{
		Streams: []StreamStats{
			{PacketsReceived: 98, PacketsSent: 100, Lost: 2, JitterMS: 1.5, SendDropped: 1, Foreign: 3},
			{},
			{PacketsReceived: 50, PacketsSent: 40, RemoteLost: 4, RemoteFractionLost: 0.25, RTTMS: 20, JitterMS: 4, Invalid: 1},
		},
		QueueDropped: 5, ControlDropped: 1,
	}, true
}

func TestChannelStats(t *testing.T) {
	r := newRig(t, sipStats)
	sip := r.channel("SIP/1001")
	local := r.channel("Local/600@default")

	var list []ChannelInfo
	if code := r.get("/channels", &list); code != http.StatusOK || len(list) != 2 {
		t.Fatalf("GET /channels: %d, %d channels", code, len(list))
	}
	for _, c := range list {
		if c.Stats != nil {
			t.Errorf("%s: stats without ?stats=1", c.Name)
		}
	}

	list = nil
	if code := r.get("/channels?stats=1", &list); code != http.StatusOK || len(list) != 2 {
		t.Fatalf("GET /channels?stats=1: %d, %d channels", code, len(list))
	}
	byName := map[string]ChannelInfo{}
	for _, c := range list {
		byName[c.Name] = c
	}
	if s := byName[local.Name()].Stats; s != nil {
		t.Errorf("%s: stats %+v from a driver that keeps none", local.Name(), s)
	}
	st := byName[sip.Name()].Stats
	if st == nil {
		t.Fatalf("%s: no stats", sip.Name())
	}
	if len(st.Streams) != 2 || st.QueueDropped != 5 || st.ControlDropped != 1 {
		t.Fatalf("stats %+v, want 2 streams (the removed one left out) and the queue drops", st)
	}
	a, v := st.Streams[0], st.Streams[1]
	if a.Position != 0 || a.Name != "audio-0" || a.Type != "audio" || a.PacketsReceived != 98 || a.Lost != 2 {
		t.Errorf("audio stream %+v", a)
	}
	if v.Position != 2 || v.Name != "video-2" || v.Type != "video" || v.RTTMS != 20 || v.RemoteLost != 4 {
		t.Errorf("video stream %+v", v)
	}
	if got := a.LossPercent(); math.Abs(got-2) > 1e-9 {
		t.Errorf("audio loss %.3f%%, want 2%%", got)
	}

	// One channel, by name (its '/' as is or escaped) or ID.
	for _, path := range []string{
		"/channels/" + sip.Name(),
		"/channels/" + url.PathEscape(sip.Name()),
		"/channels/" + sip.ID(),
	} {
		var one ChannelInfo
		if code := r.get(path, &one); code != http.StatusOK {
			t.Errorf("GET %s: %d", path, code)
			continue
		}
		if one.Name != sip.Name() || one.Stats == nil || len(one.Stats.Streams) != 2 || len(one.Streams) != 3 {
			t.Errorf("GET %s: %+v", path, one)
		}
	}
	if code := r.get("/channels/SIP/nobody-00000009", nil); code != http.StatusNotFound {
		t.Errorf("unknown channel: %d, want 404", code)
	}
}

func TestRTPTotals(t *testing.T) {
	r := newRig(t, sipStats)
	a := r.channel("SIP/1001")
	r.channel("SIP/1002")
	r.channel("Local/600@default")

	var rep RTPReport
	if code := r.get("/rtp", &rep); code != http.StatusOK {
		t.Fatalf("GET /rtp: %d", code)
	}
	want := RTPTotals{
		Channels: 2, Streams: 4,
		PacketsReceived: 2 * 148, PacketsSent: 2 * 140, Lost: 4, LossPercent: lossPercent(2*148, 4),
		RemoteLost: 8, SendDropped: 2, QueueDropped: 10, ControlDropped: 2,
		Foreign: 6, Invalid: 2, MaxJitterMS: 4, MaxRTTMS: 20,
	}
	if math.Abs(want.LossPercent-4.0/300*100) > 1e-9 {
		t.Errorf("loss %v%%, want 4 lost of 300 expected", want.LossPercent)
	}
	if rep.LiveChannels != 3 || rep.Live != want || rep.Ended != (RTPTotals{}) {
		t.Errorf("report %+v,\nwant live %+v over 3 channels, nothing ended", rep, want)
	}

	// A channel that hangs up moves to the ended totals with its final
	// counters.
	r.hangup(a)
	rep = RTPReport{}
	r.get("/rtp", &rep)
	half := RTPTotals{
		Channels: 1, Streams: 2,
		PacketsReceived: 148, PacketsSent: 140, Lost: 2, LossPercent: lossPercent(148, 2),
		RemoteLost: 4, SendDropped: 1, QueueDropped: 5, ControlDropped: 1,
		Foreign: 3, Invalid: 1, MaxJitterMS: 4, MaxRTTMS: 20,
	}
	if rep.LiveChannels != 2 || rep.Live != half || rep.Ended != half {
		t.Errorf("after a hang-up: %+v,\nwant live and ended %+v", rep, half)
	}
}

func TestStatsWithoutHook(t *testing.T) {
	r := newRig(t, nil)
	ch := r.channel("SIP/1001")
	var one ChannelInfo
	if code := r.get("/channels/"+ch.Name(), &one); code != http.StatusOK || one.Stats != nil {
		t.Errorf("GET /channels/%s without a stats hook: %d %+v", ch.Name(), code, one.Stats)
	}
	var rep RTPReport
	if r.get("/rtp", &rep); rep.LiveChannels != 1 || rep.Live != (RTPTotals{}) {
		t.Errorf("GET /rtp without a stats hook: %+v", rep)
	}
}

func TestStatsNeedTheToken(t *testing.T) {
	r := newRig(t, sipStats)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, path := range []string{"/rtp", "/channels/SIP/1001-00000001"} {
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+r.srv.Addr()+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %d, want 401", path, res.StatusCode)
		}
	}
}
