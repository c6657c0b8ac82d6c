package bridge

import (
	"fmt"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
)

// videoParty joins a participant with one audio and one sendrecv video
// stream.
func (c *conference) videoParty() *party {
	c.t.Helper()
	p := &party{mock: channeltest.NewMock(topo(c.t, "audio:sendrecv:ulaw", "video:sendrecv:h264|vp8"))}
	p.ch = newChan(c.t, c.reg, p.mock, fmt.Sprintf("Mock/v%d", len(c.parties)))
	p.j = join(c.t, c.b, p.ch)
	c.parties = append(c.parties, p)
	synctest.Wait()
	return p
}

// dests returns the destination streams of p's current topology as
// "pos:name:state".
func dests(p *party) []string {
	var out []string
	for i, s := range p.mock.Topology().Streams() {
		if isDest(s.Name()) {
			out = append(out, fmt.Sprintf("%d:%s:%s", i, s.Name(), s.State()))
		}
	}
	return out
}

func destPos(t *testing.T, p *party, name string) int {
	t.Helper()
	for i, s := range p.mock.Topology().Streams() {
		if s.Name() == name && !s.IsRemoved() {
			return i
		}
	}
	t.Fatalf("%s has no active stream %s: %s", p.ch, name, p.mock.Topology())
	return -1
}

// TestSFU covers issue 4 (bridges).
func TestSFU(t *testing.T) {
	bubble(t, "given three video participants then each has one sendonly destination per remote source, named and labelled after it", func(t *testing.T) {
		c := newConference(t, Config{})
		a, b, x := c.videoParty(), c.videoParty(), c.videoParty()
		for _, p := range []*party{a, b, x} {
			var want []string
			pos := 2
			for _, src := range []*party{a, b, x} {
				if src == p {
					continue
				}
				want = append(want, fmt.Sprintf("%d:%s:sendonly", pos, DestName(src.ch.ID(), 1)))
				pos++
			}
			if got := dests(p); !slices.Equal(got, want) {
				t.Errorf("%s destinations %v, want %v", p.ch, got, want)
			}
			for _, s := range p.mock.Topology().Streams() {
				if !isDest(s.Name()) {
					continue
				}
				label, _ := s.Metadata(MetadataLabel)
				if s.Name() != DestName(label, 1) {
					t.Errorf("%s: stream %s labelled %q", p.ch, s.Name(), label)
				}
				if !s.Formats().SameSet(format.NewCaps(format.H264, format.VP8)) || s.Type() != format.Video {
					t.Errorf("%s: stream %s formats %s", p.ch, s.Name(), s.Formats())
				}
			}
		}
	})

	bubble(t, "given three video participants when A sends a video frame then B and X receive it on their destination stream for A, unchanged", func(t *testing.T) {
		c := newConference(t, Config{})
		a, b, x := c.videoParty(), c.videoParty(), c.videoParty()
		drainAndRelease(a.mock, b.mock, x.mock)
		vid := frame.Get(900)
		vid.Kind, vid.Format, vid.Stream, vid.Marker = frame.Video, format.H264, 1, true
		for i := range vid.Payload {
			vid.Payload[i] = byte(i * 7)
		}
		want := slices.Clone(vid.Payload)
		a.mock.Inject(vid)
		synctest.Wait()
		for _, p := range []*party{b, x} {
			pos := destPos(t, p, DestName(a.ch.ID(), 1))
			fs := drain(p.mock)
			if len(fs) != 1 || fs[0].Kind != frame.Video || fs[0].Stream != pos || !slices.Equal(fs[0].Payload, want) {
				t.Errorf("%s got %v, want the video on stream %d", p.ch, fs, pos)
			}
			releaseAll(fs)
		}
		if fs := drain(a.mock); len(fs) != 0 {
			t.Errorf("A got its own video back: %v", fs)
			releaseAll(fs)
		}
	})

	bubble(t, "given a participant that leaves then its destinations are removed everywhere, and a new source reuses the removed slot", func(t *testing.T) {
		c := newConference(t, Config{})
		a, b, x := c.videoParty(), c.videoParty(), c.videoParty()
		lenB := b.mock.Topology().Len()
		a.ch.Hangup(channel.CauseNormalClearing)
		a.j.wait(t)
		synctest.Wait()
		for _, p := range []*party{b, x} {
			tp := p.mock.Topology()
			if tp.Len() != lenB {
				t.Errorf("%s has %d streams after the leave, want %d: slots are never deleted", p.ch, tp.Len(), lenB)
			}
			s, _ := tp.Stream(2) // dest for A was the first destination
			if s.Name() != DestName(a.ch.ID(), 1) || s.State() != stream.Removed {
				t.Errorf("%s slot 2 is %s, want A's destination removed", p.ch, s)
			}
		}
		d := c.videoParty()
		for _, p := range []*party{b, x} {
			s, _ := p.mock.Topology().Stream(2)
			if s.Name() != DestName(d.ch.ID(), 1) || s.State() != stream.SendOnly {
				t.Errorf("%s slot 2 is %s, want D's destination (the removed slot reused)", p.ch, s)
			}
			if n := p.mock.Topology().Len(); n != lenB {
				t.Errorf("%s grew to %d streams, want %d", p.ch, n, lenB)
			}
		}
		want := []string{"2:" + DestName(b.ch.ID(), 1) + ":sendonly", "3:" + DestName(x.ch.ID(), 1) + ":sendonly"}
		if got := dests(d); !slices.Equal(got, want) {
			t.Errorf("newcomer destinations %v, want %v", got, want)
		}
	})

	bubble(t, "given a participant removed from the conference then its own destination streams are marked removed as it leaves", func(t *testing.T) {
		c := newConference(t, Config{})
		a, b := c.videoParty(), c.videoParty()
		c.b.Remove(a.ch)
		if r := a.j.wait(t); r != LeaveRemoved {
			t.Fatalf("left with %v", r)
		}
		synctest.Wait()
		if got, want := dests(a), []string{"2:" + DestName(b.ch.ID(), 1) + ":removed"}; !slices.Equal(got, want) {
			t.Errorf("leaver's destinations %v, want %v", got, want)
		}
	})

	bubble(t, "given a settled conference when nothing changes then no further topology requests are sent", func(t *testing.T) {
		c := newConference(t, Config{})
		a, b, x := c.videoParty(), c.videoParty(), c.videoParty()
		before := len(a.mock.Requests()) + len(b.mock.Requests()) + len(x.mock.Requests())
		// A's phone re-offers the same streams (a refresh): nothing to do.
		a.mock.RemoteChange(a.mock.Topology())
		synctest.Wait()
		after := len(a.mock.Requests()) + len(b.mock.Requests()) + len(x.mock.Requests())
		if after != before {
			t.Errorf("%d extra requests after a no-op re-offer", after-before)
		}
		// One request per participant per membership change: A joined (A:0),
		// B joined (A:1, B:1), X joined (A:2, B:2, X:1).
		for p, want := range map[*party]int{a: 2, b: 2, x: 1} {
			if n := len(p.mock.Requests()); n != want {
				t.Errorf("%s got %d requests, want %d", p.ch, n, want)
			}
		}
	})

	bubble(t, "given a burst of video updates from one participant then the senders get one per interval", func(t *testing.T) {
		c := newConference(t, Config{})
		a, b, x := c.videoParty(), c.videoParty(), c.videoParty()
		// The bridge asked the senders for key frames as the destination
		// streams were accepted, deferring those the budget held back by an
		// interval; let both pass.
		advance(2 * DefaultVideoUpdateInterval)
		base := map[*party]int{}
		for _, p := range []*party{a, b, x} {
			base[p] = countControl(p.mock, frame.VideoUpdate)
		}
		for range 4 {
			a.mock.Inject(frame.NewControl(frame.VideoUpdate))
		}
		synctest.Wait()
		for _, p := range []*party{b, x} {
			if n := countControl(p.mock, frame.VideoUpdate) - base[p]; n != 1 {
				t.Errorf("%s got %d video updates, want 1", p.ch, n)
			}
		}
		if n := countControl(a.mock, frame.VideoUpdate) - base[a]; n != 0 {
			t.Errorf("the requester got %d of its own video updates", n)
		}
	})
}
