package bridge

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
)

// videoUpdates counts the video updates written to each mock so far.
func videoUpdates(ms ...*channeltest.Mock) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = countControl(m, frame.VideoUpdate)
	}
	return out
}

// TestKeyframeOnNewVideoPath: when a video path through the bridge becomes
// usable, the sender is asked for a key frame (a VideoUpdate written to
// its channel), because what it sent before was dropped and the receiver's
// decoder would otherwise wait for the next periodic key frame.
func TestKeyframeOnNewVideoPath(t *testing.T) {
	bubble(t, "given a two-party call when A re-offers adding video then A and B are asked for a key frame once B's mirror completes, not before", func(t *testing.T) {
		audio := topo(t, "audio:sendrecv:ulaw")
		ma := channeltest.NewMock(audio)
		mb := channeltest.NewMock(audio)
		mb.Manual = true
		p := newPair(t, Config{}, ma, mb)

		ma.RemoteChange(withVideo(t, audio, stream.SendRecv))
		synctest.Wait()
		if n := len(mb.Requests()); n != 1 {
			t.Fatalf("B got %d requests, want the mirror", n)
		}
		if got := videoUpdates(ma, mb); got[0] != 0 || got[1] != 0 {
			t.Fatalf("video updates %v while B's renegotiation is pending, want none (no video path yet)", got)
		}

		mb.CompleteTopology(mb.Requests()[0])
		synctest.Wait()
		if got := videoUpdates(ma, mb); got[0] != 1 || got[1] != 1 {
			t.Errorf("video updates A, B = %v after the mirror completed, want 1 and 1 (both send video now)", got)
		}
		if n := member(t, p.b, p.a).keyframes.Load(); n != 1 {
			t.Errorf("bridge counted %d key-frame requests to A, want 1", n)
		}
		// The key frame A sends now reaches B.
		drainAndRelease(mb)
		vid := frame.Get(10)
		vid.Kind, vid.Format, vid.Stream, vid.Marker = frame.Video, format.H264, 1, true
		ma.Inject(vid)
		synctest.Wait()
		fs := drain(mb)
		if len(fs) != 1 || fs[0].Kind != frame.Video || fs[0].Stream != 1 {
			t.Errorf("B got %v, want A's video on stream 1", fs)
		}
		releaseAll(fs)

		// Nothing new: a refresh re-offer and time passing ask for nothing.
		ma.RemoteChange(ma.Topology())
		synctest.Wait()
		advance(5 * DefaultVideoUpdateInterval)
		if got := videoUpdates(ma, mb); got[0] != 1 || got[1] != 1 {
			t.Errorf("video updates %v after a no-op re-offer, want still 1 and 1", got)
		}
	})

	bubble(t, "given A re-offers receive-only video then only B, the sender, is asked for a key frame", func(t *testing.T) {
		audio := topo(t, "audio:sendrecv:ulaw")
		ma, mb := channeltest.NewMock(audio), channeltest.NewMock(audio)
		newPair(t, Config{}, ma, mb)
		ma.RemoteChange(withVideo(t, audio, stream.SendOnly)) // the PBX sends, A's phone only receives
		synctest.Wait()
		if s, _ := mb.Topology().Stream(1); s == nil || s.State() != stream.RecvOnly {
			t.Fatalf("B's topology %s, want video recvonly (B sends)", mb.Topology())
		}
		if got := videoUpdates(ma, mb); got[0] != 0 || got[1] != 1 {
			t.Errorf("video updates A, B = %v, want 0 and 1", got)
		}
	})

	bubble(t, "given two parties with video when the second joins then each is asked for a key frame once; without video nobody is", func(t *testing.T) {
		ma := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw", "video:sendrecv:h264"))
		mb := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw", "video:sendrecv:h264"))
		newPair(t, Config{}, ma, mb)
		if got := videoUpdates(ma, mb); got[0] != 1 || got[1] != 1 {
			t.Errorf("video updates A, B = %v on join, want 1 and 1", got)
		}

		mc, md := channeltest.NewMock(nil), channeltest.NewMock(nil)
		newPair(t, Config{}, mc, md)
		if got := videoUpdates(mc, md); got[0] != 0 || got[1] != 0 {
			t.Errorf("audio-only call: video updates %v, want none", got)
		}
	})

	bubble(t, "given video on hold when it resumes then the senders are asked for a key frame again", func(t *testing.T) {
		av := topo(t, "audio:sendrecv:ulaw", "video:sendrecv:h264")
		ma, mb := channeltest.NewMock(av), channeltest.NewMock(av)
		newPair(t, Config{}, ma, mb)
		advance(DefaultVideoUpdateInterval)
		held := av.Clone()
		s, _ := held.Stream(1)
		s.SetState(stream.Inactive)
		ma.RemoteChange(held)
		synctest.Wait()
		advance(DefaultVideoUpdateInterval)
		if got := videoUpdates(ma, mb); got[0] != 1 || got[1] != 1 {
			t.Fatalf("video updates %v after hold, want still 1 and 1 (from the join)", got)
		}
		ma.RemoteChange(av)
		synctest.Wait()
		if got := videoUpdates(ma, mb); got[0] != 2 || got[1] != 2 {
			t.Errorf("video updates %v after resume, want 2 and 2", got)
		}
	})

	bubble(t, "given a video update just relayed to A when a new video path from A appears then the bridge's request waits one interval and is not lost", func(t *testing.T) {
		av := topo(t, "audio:sendrecv:ulaw", "video:sendrecv:h264")
		ma, mb := channeltest.NewMock(av), channeltest.NewMock(av)
		p := newPair(t, Config{}, ma, mb)
		advance(DefaultVideoUpdateInterval)
		base := countControl(ma, frame.VideoUpdate)

		mb.Inject(frame.NewControl(frame.VideoUpdate)) // B's phone asks A
		synctest.Wait()
		ma.RemoteChange(withVideo(t, av, stream.SendRecv)) // A adds a second camera
		synctest.Wait()
		if n := countControl(ma, frame.VideoUpdate) - base; n != 1 {
			t.Fatalf("A got %d video updates within one interval, want 1 (the relayed one)", n)
		}
		advance(DefaultVideoUpdateInterval)
		if n := countControl(ma, frame.VideoUpdate) - base; n != 2 {
			t.Errorf("A got %d video updates after an interval, want 2 (the deferred request)", n)
		}
		if n := member(t, p.b, p.a).keyframes.Load(); n != 2 {
			t.Errorf("bridge counted %d key-frame requests to A, want 2 (join and the new camera)", n)
		}
		advance(5 * DefaultVideoUpdateInterval)
		if n := countControl(ma, frame.VideoUpdate) - base; n != 2 {
			t.Errorf("A got %d video updates, want still 2", n)
		}
	})

	bubble(t, "given a storm of re-offers and video update requests then A is written at most one video update per interval", func(t *testing.T) {
		const iv = 200 * time.Millisecond
		audio := topo(t, "audio:sendrecv:ulaw")
		ma, mb := channeltest.NewMock(audio), channeltest.NewMock(audio)
		newPair(t, Config{VideoUpdateInterval: iv}, ma, mb)
		prev := 0
		for i := range 20 {
			// Video on and off every step, and B's phone asking each time.
			if i%2 == 0 {
				ma.RemoteChange(withVideo(t, audio, stream.SendRecv))
			} else {
				ma.RemoteChange(audio)
			}
			for range 3 {
				mb.Inject(frame.NewControl(frame.VideoUpdate))
			}
			synctest.Wait()
			advance(iv / 4)
			n := countControl(ma, frame.VideoUpdate)
			if n > (i+1)/4+1 {
				t.Fatalf("step %d (%v): A got %d video updates, more than one per %v", i, time.Duration(i+1)*iv/4, n, iv)
			}
			prev = n
		}
		if prev == 0 {
			t.Error("A got no video update at all")
		}
	})
}

// TestKeyframeConference: a conference participant whose video gains a
// receiver is asked for a key frame once the receiver has accepted the
// destination stream carrying it.
func TestKeyframeConference(t *testing.T) {
	bubble(t, "given two video participants when a third joins then the existing senders are asked for a key frame once it accepted their streams, and it is asked once the others accepted its own", func(t *testing.T) {
		c := newConference(t, Config{})
		a, b := c.videoParty(), c.videoParty()
		advance(2 * DefaultVideoUpdateInterval)
		base := videoUpdates(a.mock, b.mock)

		xm := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw", "video:sendrecv:h264|vp8"))
		xm.Manual = true // the newcomer's phone answers the destination streams later
		x := &party{mock: xm}
		x.ch = newChan(t, c.reg, xm, fmt.Sprintf("Mock/v%d", len(c.parties)))
		x.j = join(t, c.b, x.ch)
		c.parties = append(c.parties, x)
		synctest.Wait()

		// A and B accepted the destination for X's video at once: X sends.
		if n := countControl(xm, frame.VideoUpdate); n != 1 {
			t.Errorf("X got %d video updates, want 1 (its video reaches A and B)", n)
		}
		got := videoUpdates(a.mock, b.mock)
		if got[0] != base[0] || got[1] != base[1] {
			t.Fatalf("video updates A, B = %v before X accepted their streams, want %v", got, base)
		}
		reqs := xm.Requests()
		if len(reqs) == 0 {
			t.Fatal("X was not offered the destination streams")
		}
		xm.CompleteTopology(reqs[len(reqs)-1])
		synctest.Wait()
		got = videoUpdates(a.mock, b.mock)
		if got[0] != base[0]+1 || got[1] != base[1]+1 {
			t.Errorf("video updates A, B = %v after X accepted, want %v", got, []int{base[0] + 1, base[1] + 1})
		}
		// X's video reached A and B by two paths accepted one after the
		// other: the second may have cost X one deferred request more.
		advance(5 * DefaultVideoUpdateInterval)
		if again := videoUpdates(a.mock, b.mock, xm); again[0] != got[0] || again[1] != got[1] || again[2] > 2 {
			t.Errorf("video updates A, B, X = %v later, want %v, %v and at most 2", again, got[0], got[1])
		}
	})
}
