package bridge

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
)

// bubble runs fn as a named subtest inside a synctest bubble: goroutines
// run until they block, synctest.Wait settles them, and time is virtual.
func bubble(t *testing.T, name string, fn func(t *testing.T)) {
	t.Run(name, func(t *testing.T) { synctest.Test(t, fn) })
}

// pair joins two mock channels with topologies ta and tb to a new bridge
// and lets the join settle.
type pairSetup struct {
	b      *Bridge
	ma, mb *channeltest.Mock
	a, c   *channel.Channel
	ja, jb *joined
}

func newPair(t *testing.T, cfg Config, ma, mb *channeltest.Mock) *pairSetup {
	t.Helper()
	reg := newReg(t)
	b := testBridge(t, cfg)
	p := &pairSetup{b: b, ma: ma, mb: mb}
	p.a = newChan(t, reg, ma, "Mock/a")
	p.c = newChan(t, reg, mb, "Mock/b")
	p.ja = join(t, b, p.a)
	synctest.Wait()
	p.jb = join(t, b, p.c)
	synctest.Wait()
	return p
}

// TestSimpleMedia covers issue 4 (bridges).
func TestSimpleMedia(t *testing.T) {
	bubble(t, "given A ulaw+g722+h264 and B alaw+alaw+vp8 when A plays a tone per audio stream then B hears each on the mapped stream, translated", func(t *testing.T) {
		ma := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw", "audio:sendrecv:g722", "video:sendrecv:h264"))
		mb := channeltest.NewMock(topo(t, "audio:sendrecv:alaw", "audio:sendrecv:alaw", "video:sendrecv:vp8"))
		p := newPair(t, Config{}, ma, mb)
		if got := p.b.Technology(); got != "simple" {
			t.Fatalf("technology %q, want simple", got)
		}
		// Equal stream counts: A (first) defines B's proposal; B's audio
		// formats are kept, its video takes A's codec (video is never
		// transcoded, so the far end must accept it).
		if n := len(mb.Requests()); n != 1 {
			t.Fatalf("B got %d topology requests on join, want 1", n)
		}
		got := mb.Topology().String()
		want := "<0:audio-0:audio:sendrecv (alaw)> <1:audio-1:audio:sendrecv (alaw)> <2:video-2:video:sendrecv (h264)>"
		if got != want {
			t.Fatalf("B topology after join\n got %s\nwant %s", got, want)
		}
		drainAndRelease(ma, mb)

		low, high := newTone(t, format.ULaw, 450, 0.3, 0), newTone(t, format.G722, 1050, 0.3, 1)
		for range 25 {
			ma.Inject(low.next(t))
			ma.Inject(high.next(t))
		}
		vid := frame.Get(1200)
		vid.Kind, vid.Format, vid.Stream, vid.Marker = frame.Video, format.H264, 2, true
		for i := range vid.Payload {
			vid.Payload[i] = byte(i)
		}
		want2 := slices.Clone(vid.Payload)
		ma.Inject(vid)
		synctest.Wait()

		heard := map[int]*listener{0: newListener(8000), 1: newListener(8000)}
		videos := 0
		for _, f := range drain(mb) {
			switch f.Kind {
			case frame.Voice:
				if !f.Format.Is(format.ALaw) {
					t.Errorf("B stream %d written %s, want alaw", f.Stream, f.Format)
				}
				heard[f.Stream].add(t, f)
			case frame.Video:
				videos++
				if f.Stream != 2 || f.Format != format.H264 || !slices.Equal(f.Payload, want2) {
					t.Errorf("video on B: stream %d %s, payload changed %v", f.Stream, f.Format, !slices.Equal(f.Payload, want2))
				}
			}
			f.Release()
		}
		if videos != 1 {
			t.Errorf("B got %d video frames, want 1", videos)
		}
		for pos, hz := range map[int]float64{0: 450, 1: 1050} {
			other := map[float64]float64{450: 1050, 1050: 450}[hz]
			l := heard[pos]
			if len(l.samples) < 8000/2 {
				t.Fatalf("B stream %d: %d samples, want 0.5 s", pos, len(l.samples))
			}
			if a := l.amplitude(hz, 400); a < 0.2 {
				t.Errorf("B stream %d: %v Hz amplitude %.3f, want ≈0.3", pos, hz, a)
			}
			if a := l.amplitude(other, 400); a > 0.01 {
				t.Errorf("B stream %d: %v Hz (the other stream's tone) amplitude %.3f", pos, other, a)
			}
		}
	})

	bubble(t, "given B without video that declines it when A sends video then nothing is forwarded", func(t *testing.T) {
		ma := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw", "video:sendrecv:h264"))
		mb := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw"))
		mb.Manual = true // never completes the proposal: B stays audio only
		p := newPair(t, Config{}, ma, mb)
		vid := frame.Get(100)
		vid.Kind, vid.Format, vid.Stream = frame.Video, format.H264, 1
		ma.Inject(vid)
		synctest.Wait()
		for _, f := range drain(mb) {
			if f.Kind == frame.Video {
				t.Errorf("video forwarded to B without a video stream: %v", f)
			}
			f.Release()
		}
		if d := member(t, p.b, p.a).dropped.Load(); d != 1 {
			t.Errorf("A dropped %d frames, want 1 (the video)", d)
		}
	})

	bubble(t, "given a muted member when it talks then the peer hears nothing", func(t *testing.T) {
		p := newPair(t, Config{}, channeltest.NewMock(nil), channeltest.NewMock(nil))
		if err := p.b.Mute(p.a, true); err != nil {
			t.Fatal(err)
		}
		g := newTone(t, format.ULaw, 500, 0.3, 0)
		p.ma.Inject(g.next(t))
		synctest.Wait()
		if fs := drain(p.mb); len(fs) != 0 {
			t.Errorf("muted A reached B: %v", fs)
			releaseAll(fs)
		}
		p.b.Mute(p.a, false)
		p.ma.Inject(g.next(t))
		synctest.Wait()
		fs := drain(p.mb)
		if len(fs) != 1 {
			t.Errorf("unmuted A: B got %d frames, want 1", len(fs))
		}
		releaseAll(fs)
	})
}

// TestSimplePassThrough covers issue 4 (bridges).
func TestSimplePassThrough(t *testing.T) {
	bubble(t, "given a two-party bridge when A sends DTMF, hold, unhold then B receives them", func(t *testing.T) {
		p := newPair(t, Config{}, channeltest.NewMock(nil), channeltest.NewMock(nil))
		p.ma.Inject(frame.NewDTMF(frame.DTMFBegin, '5', 0))
		p.ma.Inject(frame.NewDTMF(frame.DTMFEnd, '5', 100e6))
		p.ma.Inject(frame.NewControl(frame.Hold))
		p.ma.Inject(frame.NewControl(frame.Unhold))
		p.ma.Inject(frame.NewControl(frame.Answer)) // not relayed
		synctest.Wait()
		var digits []frame.Kind
		for _, f := range drain(p.mb) {
			if f.Digit == '5' {
				digits = append(digits, f.Kind)
			}
			f.Release()
		}
		if !slices.Equal(digits, []frame.Kind{frame.DTMFBegin, frame.DTMFEnd}) {
			t.Errorf("B got DTMF %v, want begin, end", digits)
		}
		var ctl []frame.ControlType
		for _, f := range p.mb.Indicated() {
			ctl = append(ctl, f.Control)
		}
		if !slices.Equal(ctl, []frame.ControlType{frame.Hold, frame.Unhold}) {
			t.Errorf("B indicated %v, want hold, unhold", ctl)
		}
	})

	bubble(t, "given a burst of video updates from A when relayed then B gets one per interval", func(t *testing.T) {
		ma := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw", "video:sendrecv:h264"))
		mb := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw", "video:sendrecv:h264"))
		p := newPair(t, Config{}, ma, mb)
		// Joining with video on both sides made the bridge ask each side
		// for a key frame; let that budget pass.
		advance(DefaultVideoUpdateInterval)
		baseA, baseB := countControl(p.ma, frame.VideoUpdate), countControl(p.mb, frame.VideoUpdate)
		for range 5 {
			p.ma.Inject(frame.NewControl(frame.VideoUpdate))
		}
		synctest.Wait()
		if n := countControl(p.mb, frame.VideoUpdate) - baseB; n != 1 {
			t.Errorf("B got %d video updates from a burst of 5, want 1", n)
		}
		// B asks too: its direction has its own budget.
		p.mb.Inject(frame.NewControl(frame.VideoUpdate))
		synctest.Wait()
		if n := countControl(p.ma, frame.VideoUpdate) - baseA; n != 1 {
			t.Errorf("A got %d video updates, want 1", n)
		}
	})
}

// advance moves the bubble's fake clock on by d, firing the timers due
// meanwhile (read deadlines), and lets the goroutines settle. Only inside
// a synctest bubble: no real time passes.
func advance(d time.Duration) {
	<-time.After(d)
	synctest.Wait()
}

func countControl(m *channeltest.Mock, c frame.ControlType) int {
	n := 0
	for _, f := range m.Indicated() {
		if f.Control == c {
			n++
		}
	}
	return n
}

func drainAndRelease(ms ...*channeltest.Mock) {
	for _, m := range ms {
		releaseAll(drain(m))
	}
}

// TestSimpleLeave covers issue 4 (bridges).
func TestSimpleLeave(t *testing.T) {
	bubble(t, "given a dial bridge when B hangs up then B leaves with hangup and A with dissolved, alive", func(t *testing.T) {
		ev := newEvents()
		p := newPair(t, Config{DissolveOnHangup: true, OnEvent: ev.on}, channeltest.NewMock(nil), channeltest.NewMock(nil))
		hup := frame.NewControl(frame.Hangup)
		hup.Cause = int(channel.CauseUserBusy)
		p.mb.Inject(hup)
		if r := p.jb.wait(t); r != LeaveHangup {
			t.Errorf("B left with %v, want hangup", r)
		}
		if r := p.ja.wait(t); r != LeaveDissolved {
			t.Errorf("A left with %v, want dissolved", r)
		}
		if p.a.HangupCause() != 0 {
			t.Errorf("A hung up (%v): the caller decides its fate", p.a.HangupCause())
		}
		select {
		case <-p.b.Done():
		default:
			t.Error("bridge not dissolved")
		}
		if n := len(ev.of(EventDissolved)); n != 1 {
			t.Errorf("%d dissolved events, want 1", n)
		}
		if _, err := p.b.Join(context.Background(), p.a); !errors.Is(err, ErrClosed) {
			t.Errorf("Join after dissolution: %v, want ErrClosed", err)
		}
	})

	bubble(t, "given a member removed when it leaves then it continues outside the bridge", func(t *testing.T) {
		p := newPair(t, Config{}, channeltest.NewMock(nil), channeltest.NewMock(nil))
		if err := p.b.Remove(p.a); err != nil {
			t.Fatal(err)
		}
		if r := p.ja.wait(t); r != LeaveRemoved {
			t.Fatalf("A left with %v, want removed", r)
		}
		if got := p.b.Members(); len(got) != 1 || got[0] != p.c {
			t.Errorf("members %v, want only B", got)
		}
		// A's dialplan reads on: the bridge no longer consumes its frames.
		g := newTone(t, format.ULaw, 500, 0.3, 0)
		p.ma.Inject(g.next(t))
		f := readUntil(t, p.a, func(f *frame.Frame) bool { return f.Kind == frame.Voice })
		f.Release()
		if err := p.b.Remove(p.a); !errors.Is(err, ErrNotMember) {
			t.Errorf("second Remove: %v, want ErrNotMember", err)
		}
	})

	bubble(t, "given Join's context cancelled then the member leaves with context", func(t *testing.T) {
		reg := newReg(t)
		b := testBridge(t, Config{})
		a := newChan(t, reg, channeltest.NewMock(nil), "Mock/a")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan LeaveReason)
		go func() { r, _ := b.Join(ctx, a); done <- r }()
		synctest.Wait()
		cancel()
		if r := <-done; r != LeaveContext {
			t.Errorf("left with %v, want context", r)
		}
	})

	bubble(t, "given a member when it joins again then ErrAlreadyJoined; a hung-up channel gets ErrHangup", func(t *testing.T) {
		p := newPair(t, Config{}, channeltest.NewMock(nil), channeltest.NewMock(nil))
		if _, err := p.b.Join(context.Background(), p.a); !errors.Is(err, ErrAlreadyJoined) {
			t.Errorf("second Join: %v, want ErrAlreadyJoined", err)
		}
		reg := newReg(t)
		dead := newChan(t, reg, channeltest.NewMock(nil), "Mock/dead")
		dead.Hangup(channel.CauseNormalClearing)
		if _, err := p.b.Join(context.Background(), dead); !errors.Is(err, channel.ErrHangup) {
			t.Errorf("Join of a hung-up channel: %v, want ErrHangup", err)
		}
	})

	bubble(t, "given Close then every member leaves with dissolved", func(t *testing.T) {
		p := newPair(t, Config{}, channeltest.NewMock(nil), channeltest.NewMock(nil))
		p.b.Close()
		if ra, rb := p.ja.wait(t), p.jb.wait(t); ra != LeaveDissolved || rb != LeaveDissolved {
			t.Errorf("left with %v and %v, want dissolved", ra, rb)
		}
		if err := p.b.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

func TestProposal(t *testing.T) {
	tests := map[string]struct {
		requested, existing []string
		want                string
	}{
		"given one-way video then the mirror swaps its direction and keeps the existing audio formats": {
			requested: []string{"audio:sendrecv:ulaw|g722", "video:recvonly:h264"},
			existing:  []string{"audio:sendrecv:alaw"},
			want:      "<0:audio-0:audio:sendrecv (alaw)> <1:video-1:video:sendonly (h264)>",
		},
		"given an existing side without audio then the requested audio formats stay": {
			requested: []string{"audio:sendonly:ulaw"},
			existing:  []string{"video:sendrecv:h264"},
			want:      "<0:audio-0:audio:recvonly (ulaw)>",
		},
		"given a removed audio stream then it stays removed with its formats": {
			requested: []string{"audio:removed:ulaw", "audio:sendrecv:ulaw"},
			existing:  []string{"audio:sendrecv:alaw"},
			want:      "<0:audio-0:audio:removed (ulaw)> <1:audio-1:audio:sendrecv (alaw)>",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := proposal(topo(t, tc.requested...), topo(t, tc.existing...)).String()
			if got != tc.want {
				t.Errorf("proposal\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// video returns a video stream spec's stream, for building re-offers.
func videoStream(st stream.State) *stream.Stream {
	v := stream.New("", format.Video)
	v.SetState(st)
	v.SetFormats(format.NewCaps(format.H264))
	return v
}
