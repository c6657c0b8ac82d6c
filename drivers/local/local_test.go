package local_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/drivers/local"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func setup(t *testing.T, h local.Handler) (*channel.Registry, *local.Driver) {
	reg := channel.NewRegistry(channel.RegistryConfig{})
	d := local.New(reg, h)
	if err := reg.Register(d); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := reg.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		d.Close()
	})
	return reg, d
}

func TestConformance(t *testing.T) {
	channeltest.Run(t, func(t *testing.T) channeltest.Harness {
		reg := channel.NewRegistry(channel.RegistryConfig{})
		peerReady := make(chan *channel.Channel, 1)
		d := local.New(reg, func(ctx context.Context, ch *channel.Channel, _, _ string) {
			peerReady <- ch
			<-ch.Done()
		})
		tech, err := d.Request(context.Background(), "s@default", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tech.Call(context.Background()); err != nil {
			t.Fatal(err)
		}
		peer := <-peerReady
		return channeltest.Harness{
			Tech: tech,
			Send: func(p []byte) {
				f := frame.Get(len(p))
				f.Kind = frame.Voice
				f.Format = format.SLin16
				copy(f.Payload, p)
				peer.Write(f)
				f.Release()
			},
			Close: func() {
				tech.Hangup(channel.CauseNormalClearing)
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				reg.Shutdown(ctx)
				d.Close()
			},
		}
	})
}

func TestCallAnswerMediaHangup(t *testing.T) {
	type seen struct{ exten, ctx string }
	got := make(chan seen, 1)
	reg, _ := setup(t, func(ctx context.Context, ch *channel.Channel, exten, c string) {
		got <- seen{exten, c}
		ch.Answer(ctx)
		// Echo what arrives.
		for {
			f, err := ch.Read()
			if err != nil {
				return
			}
			if f.Kind == frame.Voice {
				ch.Write(f)
			}
			f.Release()
		}
	})
	a, err := reg.Dial(context.Background(), "Local/600@demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := <-got; s.exten != "600" || s.ctx != "demo" {
		t.Fatalf("handler got %v", s)
	}
	f := readFrame(t, a)
	if f.Control != frame.Answer || a.State() != channel.Up {
		t.Fatalf("got %v state %v, want answer and Up", f, a.State())
	}
	f.Release()
	v := frame.Get(320)
	v.Kind, v.Format, v.Samples = frame.Voice, format.SLin16, 160
	v.Payload[0] = 42
	if err := a.Write(v); err != nil {
		t.Fatal(err)
	}
	v.Release()
	e := readFrame(t, a)
	if e.Kind != frame.Voice || e.Payload[0] != 42 {
		t.Fatalf("echo %v", e)
	}
	e.Release()
	a.Hangup(channel.CauseNormalClearing)
	var other *channel.Channel
	for _, c := range reg.Channels() {
		other = c
	}
	if other != nil {
		if err := other.Wait(ctxTimeout(t)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBadDestination(t *testing.T) {
	reg, _ := setup(t, nil)
	if _, err := reg.Dial(context.Background(), "Local/@ctx", nil); !errors.Is(err, local.ErrBadDest) {
		t.Fatalf("got %v", err)
	}
}

func TestFarHangupCauseCrossesThePair(t *testing.T) {
	reg, _ := setup(t, func(ctx context.Context, ch *channel.Channel, _, _ string) {
		ch.Hangup(channel.CauseUserBusy)
	})
	a, err := reg.Dial(context.Background(), "Local/busy@x", nil)
	if err != nil {
		t.Fatal(err)
	}
	a.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := a.Read()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			break
		}
		f.Release()
	}
	if a.HangupCause() != channel.CauseUserBusy {
		t.Fatalf("cause %v, want USER_BUSY", a.HangupCause())
	}
}

// mirror is a minimal two-party bridge used to test that topology changes
// propagate once each way through chained Local pairs: on a
// TopologyChanged from one side whose source is not itself it requests the
// mirrored topology on the other side, tagged with itself; media is
// forwarded by stream position.
type mirror struct {
	name string
	wg   sync.WaitGroup
	// changed counts TopologyChanged frames read per side.
	changed [2]atomic.Int32
}

func (m *mirror) run(a, b *channel.Channel) {
	m.wg.Go(func() { m.pump(0, a, b) })
	m.wg.Go(func() { m.pump(1, b, a) })
}

func (m *mirror) pump(side int, from, to *channel.Channel) {
	defer to.Hangup(channel.CauseNormalClearing)
	for {
		f, err := from.ReadStream()
		if err != nil {
			return
		}
		switch {
		case f.Kind == frame.Control && f.Control == frame.TopologyChanged:
			m.changed[side].Add(1)
			if f.Source != m {
				to.RequestTopologyChange(from.Topology().Mirror(), m)
			}
		case f.IsMedia():
			to.WriteStream(f.Stream, f)
		}
		f.Release()
	}
}

func TestTopologyChangeThroughTwoChainedLocalPairsSettles(t *testing.T) {
	audio := topology.FromFormats(format.NewCaps(format.ULaw))
	withVideo := audio.Clone()
	v := stream.New("", format.Video)
	v.SetState(stream.SendRecv)
	v.SetFormats(format.NewCaps(format.H264))
	withVideo.Append(v)

	phoneA := channeltest.NewMock(audio)
	phoneB := channeltest.NewMock(audio)
	bridges := []*mirror{{name: "x"}, {name: "y"}, {name: "z"}}
	var reg *channel.Registry
	reg, d := setup(t, func(ctx context.Context, ch *channel.Channel, exten, _ string) {
		switch exten {
		case "l1": // second half of pair 1 dials pair 2
			next, err := reg.Dial(ctx, "Local/l2@t", ch.Topology().Mirror())
			if err != nil {
				t.Error(err)
				return
			}
			bridges[1].run(ch, next)
		case "l2": // second half of pair 2 is bridged to phone B
			b, err := reg.NewChannel(channel.Config{Tech: phoneB, Name: "Mock/b"})
			if err != nil {
				t.Error(err)
				return
			}
			bridges[2].run(ch, b)
		}
		<-ch.Done()
	})
	a, err := reg.NewChannel(channel.Config{Tech: phoneA, Name: "Mock/a"})
	if err != nil {
		t.Fatal(err)
	}
	l1, err := reg.Dial(context.Background(), "Local/l1@t", a.Topology().Mirror())
	if err != nil {
		t.Fatal(err)
	}
	bridges[0].run(a, l1)

	// Phone A re-offers with video.
	phoneA.RemoteChange(withVideo)

	// Wait until phone B was asked for video and accepted.
	select {
	case <-phoneB.Requested():
	case <-time.After(10 * time.Second):
		t.Fatal("change never reached phone B")
	}
	// Flush: a marker frame end to end in both directions arrives only
	// after everything queued before it; any bounce would be queued first.
	sendMarker(t, phoneA, phoneB, 0x55)
	sendMarker(t, phoneB, phoneA, 0x66)

	if n := len(phoneB.Requests()); n != 1 {
		t.Errorf("phone B got %d topology requests, want 1", n)
	}
	if n := len(phoneA.Requests()); n != 0 {
		t.Errorf("phone A got %d topology requests, want 0 (change bounced back)", n)
	}
	if got := phoneB.Requests()[0]; got.Len() != 2 || got.Streams()[1].Type() != format.Video {
		t.Errorf("phone B asked for %v", got)
	}
	for i, b := range bridges {
		if c0, c1 := b.changed[0].Load(), b.changed[1].Load(); c0 != 1 || c1 != 1 {
			t.Errorf("bridge %d saw %d/%d TopologyChanged per side, want 1/1", i, c0, c1)
		}
	}
	a.Hangup(channel.CauseNormalClearing)
	for _, b := range bridges {
		b.wg.Wait()
	}
	_ = d
}

func sendMarker(t *testing.T, from, to *channeltest.Mock, mark byte) {
	t.Helper()
	f := frame.Get(160)
	f.Kind, f.Format, f.Stream, f.Samples = frame.Voice, format.ULaw, 0, 160
	f.Payload[0] = mark
	from.Inject(f)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case w := <-to.Written():
			ok := w.Kind == frame.Voice && w.Payload[0] == mark
			w.Release()
			if ok {
				return
			}
		case <-timeout:
			t.Fatalf("marker %#x never arrived", mark)
		}
	}
}

func readFrame(t *testing.T, c *channel.Channel) *frame.Frame {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := c.ReadStream()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}
