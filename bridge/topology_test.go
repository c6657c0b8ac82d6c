package bridge

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/drivers/local"
)

func withVideo(t *testing.T, base *topology.Topology, st stream.State) *topology.Topology {
	t.Helper()
	c := base.Clone()
	if _, err := c.Append(videoStream(st)); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTopologyMirroring covers issue 4 (bridges).
func TestTopologyMirroring(t *testing.T) {
	bubble(t, "given A with audio and video and B with audio when B joins then B is asked for the mirror with its own audio formats", func(t *testing.T) {
		ma := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw", "video:recvonly:h264"))
		mb := channeltest.NewMock(topo(t, "audio:sendrecv:alaw|g722"))
		newPair(t, Config{}, ma, mb)
		reqs := mb.Requests()
		if len(reqs) != 1 {
			t.Fatalf("B got %d requests, want 1", len(reqs))
		}
		want := "<0:audio-0:audio:sendrecv (alaw|g722)> <1:video-1:video:sendonly (h264)>"
		if got := reqs[0].String(); got != want {
			t.Errorf("B asked for\n got %s\nwant %s", got, want)
		}
		if n := len(ma.Requests()); n != 0 {
			t.Errorf("A got %d requests, want 0", n)
		}
	})

	bubble(t, "given a two-party call when A re-offers adding video then B is asked once with directions swapped and nothing bounces", func(t *testing.T) {
		audio := topo(t, "audio:sendrecv:ulaw")
		ma := channeltest.NewMock(audio)
		mb := channeltest.NewMock(topo(t, "audio:sendrecv:alaw"))
		p := newPair(t, Config{}, ma, mb)
		if n := len(mb.Requests()); n != 0 {
			t.Fatalf("B got %d requests on join, want 0 (already the mirror)", n)
		}
		ma.RemoteChange(withVideo(t, audio, stream.RecvOnly))
		synctest.Wait()

		reqs := mb.Requests()
		if len(reqs) != 1 {
			t.Fatalf("B got %d requests, want 1", len(reqs))
		}
		want := "<0:audio-0:audio:sendrecv (alaw)> <1:video-1:video:sendonly (h264)>"
		if got := reqs[0].String(); got != want {
			t.Errorf("B asked for\n got %s\nwant %s", got, want)
		}
		if n := len(ma.Requests()); n != 0 {
			t.Errorf("A got %d requests: the change bounced back", n)
		}
		// Exactly one TopologyChanged per side: A's re-offer, B's completion.
		if a, b := member(t, p.b, p.a).topoChanged.Load(), member(t, p.b, p.c).topoChanged.Load(); a != 1 || b != 1 {
			t.Errorf("TopologyChanged read: A %d, B %d; want 1 and 1", a, b)
		}
		// Video now flows A → B on the new stream.
		vid := frame.Get(10)
		vid.Kind, vid.Format, vid.Stream = frame.Video, format.H264, 1
		drainAndRelease(mb)
		ma.Inject(vid)
		synctest.Wait()
		got := drain(mb)
		if len(got) != 1 || got[0].Kind != frame.Video || got[0].Stream != 1 {
			t.Errorf("B got %v, want one video frame on stream 1", got)
		}
		releaseAll(got)
	})

	bubble(t, "given B's renegotiation pending when A changes again then the second change is merged and sent after the first", func(t *testing.T) {
		audio := topo(t, "audio:sendrecv:ulaw")
		ma := channeltest.NewMock(audio)
		mb := channeltest.NewMock(audio)
		mb.Manual = true
		newPair(t, Config{}, ma, mb)
		one := withVideo(t, audio, stream.SendRecv)
		ma.RemoteChange(one)
		synctest.Wait()
		two := withVideo(t, one, stream.RecvOnly) // a second video stream
		ma.RemoteChange(two)
		synctest.Wait()
		if n := len(mb.Requests()); n != 1 {
			t.Fatalf("B got %d requests while the first was pending, want 1", n)
		}
		mb.CompleteTopology(mb.Requests()[0])
		synctest.Wait()
		reqs := mb.Requests()
		if len(reqs) != 2 {
			t.Fatalf("B got %d requests, want 2 (the queued one after completion)", len(reqs))
		}
		want := "<0:audio-0:audio:sendrecv (ulaw)> <1:video-1:video:sendrecv (h264)> <2:video-2:video:sendonly (h264)>"
		if got := reqs[1].String(); got != want {
			t.Errorf("second request\n got %s\nwant %s", got, want)
		}
		mb.CompleteTopology(reqs[1])
		synctest.Wait()
		if n := len(mb.Requests()) + len(ma.Requests()); n != 2 {
			t.Errorf("%d requests in all, want 2: no storm", n)
		}
	})
}

// TestTopologyThroughChainedBridges: phone A ─ bridge 1 ─ Local;1 … Local;2
// ─ bridge 2 ─ phone B. A re-offers with video; B must be asked once, A
// never, and each bridge must read exactly one TopologyChanged per side.
func TestTopologyThroughChainedBridges(t *testing.T) {
	bubble(t, "given two bridges joined by a Local pair when A re-offers with video then B is asked once and the exchange settles", func(t *testing.T) {
		audio := topo(t, "audio:sendrecv:ulaw")
		phoneA := channeltest.NewMock(audio)
		phoneB := channeltest.NewMock(audio)
		b1 := testBridge(t, Config{ID: "b1", DissolveOnHangup: true})
		b2 := testBridge(t, Config{ID: "b2", DissolveOnHangup: true})

		var reg *channel.Registry
		b2Done := make(chan struct{})
		var chB, l2 *channel.Channel
		reg = newReg(t)
		d := local.New(reg, func(ctx context.Context, ch *channel.Channel, _, _ string) {
			// The Local pair's second half runs "Dial(Mock/b)": phone B's
			// leg on a goroutine of its own, the Local half on this one.
			l2 = ch
			var err error
			chB, err = reg.NewChannel(channel.Config{Tech: phoneB, Name: "Mock/b"})
			if err != nil {
				t.Error(err)
				return
			}
			go func() {
				defer close(b2Done)
				b2.Join(ctx, chB)
			}()
			b2.Join(ctx, ch)
			<-b2Done
		})
		if err := reg.Register(d); err != nil {
			t.Fatal(err)
		}
		defer d.Close()

		chA := newChan(t, reg, phoneA, "Mock/a")
		l1, err := reg.Dial(context.Background(), "Local/b@test", chA.Topology().Mirror())
		if err != nil {
			t.Fatal(err)
		}
		ja := join(t, b1, chA)
		jl := join(t, b1, l1)
		synctest.Wait()
		if len(phoneA.Requests())+len(phoneB.Requests()) != 0 {
			t.Fatalf("requests on join: A %v B %v", phoneA.Requests(), phoneB.Requests())
		}

		phoneA.RemoteChange(withVideo(t, audio, stream.RecvOnly))
		synctest.Wait()

		reqs := phoneB.Requests()
		if len(reqs) != 1 {
			t.Fatalf("phone B got %d requests, want 1", len(reqs))
		}
		if s, _ := reqs[0].Stream(1); s == nil || s.Type() != format.Video || s.State() != stream.SendOnly {
			t.Errorf("phone B asked for %s, want video sendonly (A's recvonly, mirrored by each bridge and by the Local pair)", reqs[0])
		}
		if n := len(phoneA.Requests()); n != 0 {
			t.Errorf("phone A got %d requests: the change bounced back", n)
		}
		for _, c := range []struct {
			b  *Bridge
			ch *channel.Channel
		}{{b1, chA}, {b1, l1}, {b2, l2}, {b2, chB}} {
			if n := member(t, c.b, c.ch).topoChanged.Load(); n != 1 {
				t.Errorf("%s read %d TopologyChanged from %s, want 1", c.b, n, c.ch)
			}
		}

		// Media still flows end to end after the change, both ways.
		g := newTone(t, format.ULaw, 500, 0.3, 0)
		drainAndRelease(phoneA, phoneB)
		phoneA.Inject(g.next(t))
		phoneB.Inject(g.next(t))
		synctest.Wait()
		for name, m := range map[string]*channeltest.Mock{"A": phoneA, "B": phoneB} {
			fs := drain(m)
			if len(fs) != 1 || fs[0].Kind != frame.Voice {
				t.Errorf("phone %s got %v, want one voice frame", name, fs)
			}
			releaseAll(fs)
		}

		chA.Hangup(channel.CauseNormalClearing)
		if r := ja.wait(t); r != LeaveHangup {
			t.Errorf("A left with %v", r)
		}
		if r := jl.wait(t); r != LeaveDissolved {
			t.Errorf("Local;1 left with %v", r)
		}
		// Dial's caller side hangs up its peer; the hangup crosses the pair
		// and dissolves bridge 2, which leaves phone B to its dialler.
		l1.Hangup(channel.CauseNormalClearing)
		d.Close() // the Local handler (bridge 2's Joins) has returned
		if n := len(b2.Members()); n != 0 {
			t.Errorf("bridge 2 still has %v", b2.Members())
		}
	})
}
