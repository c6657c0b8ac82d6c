package channel_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

func TestMockConformance(t *testing.T) {
	channeltest.Run(t, func(t *testing.T) channeltest.Harness {
		m := channeltest.NewMock(nil)
		return channeltest.Harness{Tech: m, Send: func(p []byte) {
			f := frame.Get(len(p))
			f.Kind = frame.Voice
			f.Format = format.ULaw
			copy(f.Payload, p)
			m.Inject(f)
		}}
	})
}

func TestDefaultStreams(t *testing.T) {
	r := newReg(t)
	t.Run("GivenAudioAudioVideo_ThenDefaultsAreFirstOfEachType", func(t *testing.T) {
		c := newChan(t, r, channeltest.NewMock(topo(t, "audio:sendrecv:ulaw", "audio:sendrecv:ulaw", "video:sendrecv:h264")))
		if got := c.DefaultStream(format.Audio); got != 0 {
			t.Errorf("default audio = %d, want 0", got)
		}
		if got := c.DefaultStream(format.Video); got != 2 {
			t.Errorf("default video = %d, want 2", got)
		}
		if got := c.DefaultStream(format.Text); got != -1 {
			t.Errorf("default text = %d, want -1", got)
		}
	})
	t.Run("GivenFirstAudioRemoved_ThenDefaultSkipsIt", func(t *testing.T) {
		c := newChan(t, r, channeltest.NewMock(topo(t, "audio:removed:ulaw", "audio:sendonly:ulaw")))
		if got := c.DefaultStream(format.Audio); got != 1 {
			t.Errorf("default audio = %d, want 1", got)
		}
	})
	t.Run("GivenInstalledTopology_ThenItIsFrozen", func(t *testing.T) {
		c := newChan(t, r, channeltest.NewMock(nil))
		if !c.Topology().Frozen() {
			t.Fatal("channel topology is not a frozen snapshot")
		}
	})
}

func TestReadModes(t *testing.T) {
	r := newReg(t)
	tp := topo(t, "audio:sendrecv:ulaw", "audio:sendrecv:ulaw", "video:sendrecv:h264")

	t.Run("GivenNonDefaultAudio_WhenRead_ThenNullFrame", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		m.Inject(voice(1, format.ULaw, 7))
		f := readNext(t, c, false)
		defer f.Release()
		if f.Kind != frame.Null {
			t.Fatalf("got %v, want a null frame", f)
		}
	})
	t.Run("GivenDefaultAudio_WhenRead_ThenFrameTaggedWithPosition", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		m.Inject(voice(0, format.ULaw, 7))
		f := readNext(t, c, false)
		defer f.Release()
		if f.Kind != frame.Voice || f.Stream != 0 || f.Payload[0] != 7 {
			t.Fatalf("got %v", f)
		}
	})
	t.Run("GivenNonDefaultAudio_WhenReadStream_ThenDelivered", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		m.Inject(voice(1, format.ULaw, 9))
		f := readNext(t, c, true)
		defer f.Release()
		if f.Kind != frame.Voice || f.Stream != 1 {
			t.Fatalf("got %v, want voice on stream 1", f)
		}
	})
	t.Run("GivenFrameForMissingStream_ThenDroppedAndCounted", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		m.Inject(voice(7, format.ULaw, 1))
		m.Inject(video(0, 1)) // video frame tagged with an audio stream
		for range 2 {
			f := readNext(t, c, true)
			if f.Kind != frame.Null {
				t.Fatalf("got %v, want null", f)
			}
			f.Release()
		}
		if c.Dropped() != 2 {
			t.Fatalf("dropped = %d, want 2", c.Dropped())
		}
	})
	t.Run("GivenTopologyRequestChange_WhenRead_ThenCoreReassertsCurrent", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		want := topo(t, "audio:sendrecv:ulaw")
		m.Inject(frame.NewTopology(frame.TopologyRequestChange, want, nil))
		m.Inject(voice(0, format.ULaw, 3))
		f := readNext(t, c, false)
		f.Release()
		ind := m.Indicated()
		if len(ind) != 1 || ind[0].Control != frame.TopologyChanged || !ind[0].Topology.Equal(tp) {
			t.Fatalf("indicated %v, want one TopologyChanged with the current topology", ind)
		}
		if !c.Topology().Equal(tp) {
			t.Fatal("topology changed although the request was refused")
		}
	})
	t.Run("GivenTopologyRequestChange_WhenReadStream_ThenPassedThrough", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		m.Inject(frame.NewTopology(frame.TopologyRequestChange, topo(t, "audio:sendrecv:ulaw"), nil))
		f := readNext(t, c, true)
		defer f.Release()
		if f.Control != frame.TopologyRequestChange {
			t.Fatalf("got %v", f)
		}
		if len(m.Indicated()) != 0 {
			t.Fatal("core answered a request in stream mode")
		}
	})
	t.Run("GivenRemoteTopologyChanged_WhenRead_ThenAbsorbedAndInstalled", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		nt := topo(t, "audio:sendrecv:ulaw", "video:sendrecv:h264")
		m.RemoteChange(nt)
		m.Inject(voice(0, format.ULaw, 1))
		f := readNext(t, c, false)
		defer f.Release()
		if f.Kind != frame.Voice {
			t.Fatalf("got %v, want the voice frame after the absorbed control", f)
		}
		if !c.Topology().Equal(nt) || c.DefaultStream(format.Video) != 1 {
			t.Fatalf("topology %v, want %v", c.Topology(), nt)
		}
	})
	t.Run("GivenRemoteTopologyChanged_WhenReadStream_ThenSourceExternal", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		m.RemoteChange(topo(t, "audio:sendrecv:ulaw"))
		f := readNext(t, c, true)
		defer f.Release()
		if f.Control != frame.TopologyChanged || f.Source != channel.External {
			t.Fatalf("got %v source %v, want TopologyChanged from External", f, f.Source)
		}
		if c.TopologyChangeSource() != channel.External {
			t.Fatal("change source not external")
		}
	})
}

func TestWrite(t *testing.T) {
	r := newReg(t)
	tp := topo(t, "audio:sendrecv:ulaw", "audio:sendrecv:ulaw", "video:sendrecv:h264")
	t.Run("GivenVoice_WhenWrite_ThenDefaultAudioStream", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		f := voice(-1, format.ULaw, 5)
		if err := c.Write(f); err != nil {
			t.Fatal(err)
		}
		if f.Stream != -1 {
			t.Fatal("Write changed the caller's frame stream")
		}
		f.Release()
		w := written(t, m)
		defer w.Release()
		if w.Stream != 0 || w.Payload[0] != 5 {
			t.Fatalf("written %v", w)
		}
	})
	t.Run("GivenExplicitStream_WhenWriteStream_ThenThatStream", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		f := voice(-1, format.ULaw, 5)
		defer f.Release()
		if err := c.WriteStream(1, f); err != nil {
			t.Fatal(err)
		}
		w := written(t, m)
		defer w.Release()
		if w.Stream != 1 {
			t.Fatalf("written to %d, want 1", w.Stream)
		}
	})
	t.Run("GivenIndexOutOfRange_WhenWriteStream_ThenError", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		f := voice(-1, format.ULaw, 5)
		defer f.Release()
		if err := c.WriteStream(3, f); !errors.Is(err, channel.ErrStreamOutOfRange) {
			t.Fatalf("got %v, want ErrStreamOutOfRange", err)
		}
		noneWritten(t, m)
	})
	t.Run("GivenVoiceToVideoStream_WhenWriteStream_ThenRejected", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		f := voice(-1, format.ULaw, 5)
		defer f.Release()
		if err := c.WriteStream(2, f); !errors.Is(err, channel.ErrMediaMismatch) {
			t.Fatalf("got %v, want ErrMediaMismatch", err)
		}
		noneWritten(t, m)
	})
	t.Run("GivenNoDefaultVideo_WhenWriteVideo_ThenDroppedAndReported", func(t *testing.T) {
		m := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw"))
		c := newChan(t, r, m)
		f := video(-1, 1)
		defer f.Release()
		if err := c.Write(f); !errors.Is(err, channel.ErrNoStream) {
			t.Fatalf("got %v, want ErrNoStream", err)
		}
		noneWritten(t, m)
	})
	t.Run("GivenControl_WhenWrite_ThenIndicated", func(t *testing.T) {
		m := channeltest.NewMock(tp)
		c := newChan(t, r, m)
		if err := c.Indicate(frame.Ringing); err != nil {
			t.Fatal(err)
		}
		if ind := m.Indicated(); len(ind) != 1 || ind[0].Control != frame.Ringing {
			t.Fatalf("indicated %v", ind)
		}
	})
}

func TestLegacyAdapter(t *testing.T) {
	r := newReg(t)
	t.Run("GivenNativeFormats_ThenTopologyDerivedOnePerType", func(t *testing.T) {
		l := channeltest.NewLegacyMock(format.NewCaps(format.H264, format.ULaw, format.ALaw))
		c := newChan(t, r, l)
		want := "<0:audio-0:audio:sendrecv (ulaw|alaw)> <1:video-1:video:sendrecv (h264)>"
		if got := c.Topology().String(); got != want {
			t.Fatalf("topology %s, want %s", got, want)
		}
		if c.Multistream() {
			t.Fatal("legacy channel reports multistream")
		}
	})
	t.Run("GivenLegacyFrame_WhenReadStream_ThenStreamOverwrittenWithDefault", func(t *testing.T) {
		l := channeltest.NewLegacyMock(format.NewCaps(format.H264, format.ULaw))
		c := newChan(t, r, l)
		l.Inject(video(-1, 1))
		f := readNext(t, c, true)
		defer f.Release()
		if f.Stream != 1 {
			t.Fatalf("stream %d, want 1", f.Stream)
		}
	})
	t.Run("GivenLegacyFrameOfMissingType_ThenDropped", func(t *testing.T) {
		l := channeltest.NewLegacyMock(format.NewCaps(format.ULaw))
		c := newChan(t, r, l)
		l.Inject(video(-1, 1))
		f := readNext(t, c, true)
		defer f.Release()
		if f.Kind != frame.Null {
			t.Fatalf("got %v, want null", f)
		}
	})
	t.Run("GivenNativeFormatsChange_ThenTopologyRebuilt", func(t *testing.T) {
		l := channeltest.NewLegacyMock(format.NewCaps(format.ULaw))
		c := newChan(t, r, l)
		if err := c.SetNativeFormats(format.NewCaps(format.SLin16, format.VP8)); err != nil {
			t.Fatal(err)
		}
		if got := c.Topology().String(); got != "<0:audio-0:audio:sendrecv (slin16)> <1:video-1:video:sendrecv (vp8)>" {
			t.Fatalf("topology %s", got)
		}
	})
	t.Run("GivenLegacy_WhenRequestTopologyChange_ThenErrNotMultistream", func(t *testing.T) {
		c := newChan(t, r, channeltest.NewLegacyMock(format.NewCaps(format.ULaw)))
		err := c.RequestTopologyChange(topo(t, "audio:sendrecv:ulaw", "video:sendrecv:h264"), nil)
		if !errors.Is(err, channel.ErrNotMultistream) {
			t.Fatalf("got %v, want ErrNotMultistream", err)
		}
	})
	t.Run("GivenMultistream_WhenSetNativeFormats_ThenError", func(t *testing.T) {
		c := newChan(t, r, channeltest.NewMock(nil))
		if err := c.SetNativeFormats(format.NewCaps(format.ULaw)); !errors.Is(err, channel.ErrUnsupported) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestNegotiation(t *testing.T) {
	r := newReg(t)
	base := func() *topology.Topology { return topo(t, "audio:sendrecv:ulaw") }
	withVideo := func() *topology.Topology { return topo(t, "audio:sendrecv:ulaw", "video:sendrecv:h264") }

	t.Run("GivenRequestEqualToActive_ThenNotSent", func(t *testing.T) {
		m := channeltest.NewMock(base())
		m.Manual = true
		c := newChan(t, r, m)
		if err := c.RequestTopologyChange(base(), nil); err != nil {
			t.Fatal(err)
		}
		if n := len(m.Requests()); n != 0 {
			t.Fatalf("%d requests sent, want 0", n)
		}
	})
	t.Run("GivenRequestEqualToPending_ThenNotSentAgain", func(t *testing.T) {
		m := channeltest.NewMock(base())
		m.Manual = true
		c := newChan(t, r, m)
		c.RequestTopologyChange(withVideo(), "a")
		c.RequestTopologyChange(withVideo(), "b")
		if n := len(m.Requests()); n != 1 {
			t.Fatalf("%d requests sent, want 1", n)
		}
		if !c.PendingTopology().Equal(withVideo()) {
			t.Fatal("pending topology wrong")
		}
	})
	t.Run("GivenPending_WhenDifferentRequest_ThenQueuedMergedAndSentAfterChanged", func(t *testing.T) {
		m := channeltest.NewMock(base())
		m.Manual = true
		c := newChan(t, r, m)
		src1, src2 := "bridge1", "bridge2"
		if err := c.RequestTopologyChange(withVideo(), src1); err != nil {
			t.Fatal(err)
		}
		// A second request adds a text stream while the first is pending.
		second := topo(t, "audio:sendrecv:ulaw", "text:sendrecv:t140")
		second.Streams()[1].SetName("chat")
		if err := c.RequestTopologyChange(second, src2); err != nil {
			t.Fatal(err)
		}
		if n := len(m.Requests()); n != 1 {
			t.Fatalf("%d requests sent while pending, want 1", n)
		}
		// The far end accepts the first request.
		m.CompleteTopology(m.Requests()[0])
		f := readNext(t, c, true)
		if f.Control != frame.TopologyChanged || f.Source != src1 {
			t.Fatalf("got %v source %v, want TopologyChanged from %s", f, f.Source, src1)
		}
		f.Release()
		reqs := m.Requests()
		if len(reqs) != 2 {
			t.Fatalf("%d requests, want the queued one sent after the first completed", len(reqs))
		}
		got := reqs[1].String()
		want := "<0:audio-0:audio:sendrecv (ulaw)> <1:video-1:video:sendrecv (h264)> <2:chat:text:sendrecv (t140)>"
		if got != want {
			t.Fatalf("merged request\n got %s\nwant %s", got, want)
		}
		if c.TopologyChangeSource() != src2 {
			t.Fatalf("source %v, want %v", c.TopologyChangeSource(), src2)
		}
	})
	t.Run("GivenQueuedStateChange_WhenActiveChangedStreamMeanwhile_ThenActiveWins", func(t *testing.T) {
		m := channeltest.NewMock(withVideo())
		m.Manual = true
		c := newChan(t, r, m)
		// Pending: put video on hold (sendonly).
		hold := topo(t, "audio:sendrecv:ulaw", "video:sendonly:h264")
		c.RequestTopologyChange(hold, "x")
		// Queued: put audio on hold too, keep video sendonly.
		both := topo(t, "audio:sendonly:ulaw", "video:sendonly:h264")
		c.RequestTopologyChange(both, "y")
		// Far end answers the first with video inactive (it changed video).
		answered := topo(t, "audio:sendrecv:ulaw", "video:inactive:h264")
		m.CompleteTopology(answered)
		readNext(t, c, true).Release()
		reqs := m.Requests()
		if len(reqs) != 2 {
			t.Fatalf("%d requests", len(reqs))
		}
		want := "<0:audio-0:audio:sendonly (ulaw)> <1:video-1:video:inactive (h264)>"
		if got := reqs[1].String(); got != want {
			t.Fatalf("second request\n got %s\nwant %s", got, want)
		}
	})
	t.Run("GivenQueuedRequestAddingStream_WhenRemovedSlotExists_ThenReused", func(t *testing.T) {
		m := channeltest.NewMock(topo(t, "audio:sendrecv:ulaw", "video:removed:h264"))
		m.Manual = true
		c := newChan(t, r, m)
		c.RequestTopologyChange(topo(t, "audio:sendonly:ulaw", "video:removed:h264"), "x")
		add := topo(t, "audio:sendonly:ulaw", "video:removed:h264")
		tx := stream.New("chat", format.Text)
		tx.SetState(stream.SendRecv)
		tx.SetFormats(format.NewCaps(format.T140))
		add.Append(tx)
		c.RequestTopologyChange(add, "y")
		m.CompleteTopology(m.Requests()[0])
		readNext(t, c, true).Release()
		reqs := m.Requests()
		want := "<0:audio-0:audio:sendonly (ulaw)> <1:chat:text:sendrecv (t140)>"
		if got := reqs[len(reqs)-1].String(); got != want {
			t.Fatalf("got %s\nwant %s", got, want)
		}
	})
}

func TestHangup(t *testing.T) {
	r := newReg(t)
	t.Run("GivenReadBlocked_WhenHangup_ThenReadReturnsEOF", func(t *testing.T) {
		m := channeltest.NewMock(nil)
		c := newChan(t, r, m)
		errc := make(chan error, 1)
		go func() { _, err := c.Read(); errc <- err }()
		c.Hangup(channel.CauseUserBusy)
		if err := <-errc; !errors.Is(err, io.EOF) {
			t.Fatalf("read returned %v", err)
		}
		if c.HangupCause() != channel.CauseUserBusy {
			t.Fatalf("cause %v", c.HangupCause())
		}
		var he *channel.HangupError
		if !errors.As(context.Cause(c.Context()), &he) || he.Cause != channel.CauseUserBusy {
			t.Fatalf("context cause %v", context.Cause(c.Context()))
		}
		if m.HangupCause() != channel.CauseUserBusy {
			t.Fatalf("driver got cause %v", m.HangupCause())
		}
	})
	t.Run("GivenHungUp_WhenHangupAgain_ThenNilAndFirstCauseKept", func(t *testing.T) {
		c := newChan(t, r, channeltest.NewMock(nil))
		c.Hangup(channel.CauseNormalClearing)
		if err := c.Hangup(channel.CauseUserBusy); err != nil {
			t.Fatal(err)
		}
		if c.HangupCause() != channel.CauseNormalClearing {
			t.Fatalf("cause %v", c.HangupCause())
		}
	})
	t.Run("GivenHungUp_WhenWrite_ThenErrHangup", func(t *testing.T) {
		c := newChan(t, r, channeltest.NewMock(nil))
		c.Hangup(channel.CauseNormalClearing)
		f := voice(-1, format.ULaw, 0)
		defer f.Release()
		if err := c.Write(f); !errors.Is(err, channel.ErrHangup) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("GivenRemoteHangupFrame_WhenRead_ThenEOFWithRemoteCause", func(t *testing.T) {
		m := channeltest.NewMock(nil)
		c := newChan(t, r, m)
		h := frame.NewControl(frame.Hangup)
		h.Cause = int(channel.CauseNoAnswer)
		m.Inject(h)
		c.SetReadDeadline(deadline())
		if _, err := c.Read(); !errors.Is(err, io.EOF) {
			t.Fatalf("got %v", err)
		}
		if c.HangupCause() != channel.CauseNoAnswer {
			t.Fatalf("cause %v", c.HangupCause())
		}
	})
	t.Run("GivenPanickingHandler_WhenServe_ThenHungUpWithFailure", func(t *testing.T) {
		c := newChan(t, r, channeltest.NewMock(nil))
		r.Serve(context.Background(), channel.HandlerFunc(func(context.Context, *channel.Channel) {
			panic("boom")
		}), c)
		if c.HangupCause() != channel.CauseFailure {
			t.Fatalf("cause %v, want failure", c.HangupCause())
		}
	})
	t.Run("GivenReadDeadline_WhenNothingArrives_ThenErrDeadline", func(t *testing.T) {
		c := newChan(t, r, channeltest.NewMock(nil))
		c.SetReadDeadline(pastDeadline())
		if _, err := c.Read(); !errors.Is(err, channel.ErrDeadline) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestRegistry(t *testing.T) {
	t.Run("ParseDialString", func(t *testing.T) {
		for in, ok := range map[string]bool{"SIP/alice": true, "Local/100@default": true, "SIP": false, "/alice": false, "SIP/": false, "": false} {
			_, _, err := channel.ParseDialString(in)
			if (err == nil) != ok {
				t.Errorf("%q: err %v", in, err)
			}
		}
	})
	t.Run("GivenDuplicateDriver_ThenErrDuplicateDriver", func(t *testing.T) {
		r := newReg(t)
		if err := r.Register(fakeDriver{"SIP"}); err != nil {
			t.Fatal(err)
		}
		if err := r.Register(fakeDriver{"sip"}); !errors.Is(err, channel.ErrDuplicateDriver) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("GivenUnknownTech_WhenDial_ThenErrNoDriver", func(t *testing.T) {
		r := newReg(t)
		if _, err := r.Dial(context.Background(), "IAX2/bob", nil); !errors.Is(err, channel.ErrNoDriver) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("GivenDial_ThenNamedLikeAsteriskAndCalled", func(t *testing.T) {
		r := newReg(t)
		r.Register(fakeDriver{"Mock"})
		c, err := r.Dial(context.Background(), "mock/alice", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.Name(), "Mock/alice-") || len(c.Name()) != len("Mock/alice-00000001") {
			t.Fatalf("name %q", c.Name())
		}
		if !c.Tech().(*channeltest.Mock).Called() || c.State() != channel.Dialing {
			t.Fatal("not called")
		}
		if _, ok := r.Find(c.Name()); !ok {
			t.Fatal("Find by name failed")
		}
		c.Hangup(0)
		if _, ok := r.Find(c.ID()); ok {
			t.Fatal("hung up channel still listed")
		}
	})
	t.Run("GivenShutdown_ThenChannelsHungUpWithShutdownCause", func(t *testing.T) {
		r := channel.NewRegistry(channel.RegistryConfig{})
		c := newChan(t, r, channeltest.NewMock(nil))
		var events atomic.Int32
		r.Observe(func(e channel.Event) { events.Add(1) })
		if err := r.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if c.HangupCause() != channel.CauseSystemShutdown {
			t.Fatalf("cause %v", c.HangupCause())
		}
		if events.Load() != 1 {
			t.Fatalf("%d events, want 1 hangup", events.Load())
		}
		if _, err := r.NewChannel(channel.Config{Tech: channeltest.NewMock(nil)}); !errors.Is(err, channel.ErrDriverClosed) {
			t.Fatalf("NewChannel after shutdown: %v", err)
		}
	})
}

type fakeDriver struct{ name string }

func (d fakeDriver) Name() string { return d.name }
func (d fakeDriver) Request(context.Context, string, *topology.Topology) (channel.Tech, error) {
	return channeltest.NewMock(nil), nil
}

func TestCauses(t *testing.T) {
	for in, want := range map[string]channel.Cause{"16": 16, "busy": channel.CauseUserBusy, "NORMAL_CLEARING": 16, "AST_CAUSE_NO_ANSWER": 19, "congestion": 34} {
		got, err := channel.ParseCause(in)
		if err != nil || got != want {
			t.Errorf("ParseCause(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "200", "nope", ""} {
		if _, err := channel.ParseCause(bad); err == nil {
			t.Errorf("ParseCause(%q) accepted", bad)
		}
	}
	if channel.CauseOf(nil) != channel.CauseNormalClearing || channel.CauseOf(errors.New("x")) != channel.CauseFailure {
		t.Fatal("CauseOf defaults")
	}
	if channel.CauseOf(&channel.HangupError{Cause: 17}) != 17 {
		t.Fatal("CauseOf HangupError")
	}
}

func TestRemoteHangupReachesAConsumerThatIsNotReading(t *testing.T) {
	r := newReg(t)
	m := channeltest.NewMock(nil)
	c := newChan(t, r, m)
	h := frame.NewControl(frame.Hangup)
	h.Cause = int(channel.CauseUserBusy)
	m.Inject(h)
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("remote hangup frame did not end the channel without a reader")
	}
	if c.HangupCause() != channel.CauseUserBusy {
		t.Fatalf("cause %v, want the remote's USER_BUSY", c.HangupCause())
	}
}

// presenter is a mock driver that can present the caller ID
// (channel.CallerIDCaller) and records what it was given.
type presenter struct {
	*channeltest.Mock
	got []channel.CallerID
}

func (p *presenter) CallAs(ctx context.Context, id channel.CallerID) error {
	p.got = append(p.got, id)
	return p.Mock.Call(ctx)
}

// wrapper is a Tech wrapper; capabilities are found through Unwrap.
type wrapper struct{ channel.Tech }

func (w wrapper) Unwrap() channel.Tech { return w.Tech }

// TestCallPresentsCallerID: Call hands the caller ID set on an outbound
// channel to a driver that implements CallerIDCaller (found through
// wrappers), and calls a driver without it as before.
func TestCallPresentsCallerID(t *testing.T) {
	tests := map[string]struct {
		num, name string
		wrap      bool
		want      channel.CallerID
	}{
		"number and name": {num: "1001", name: "Alice", want: channel.CallerID{Num: "1001", Name: "Alice"}},
		"number only":     {num: "+15551234567", want: channel.CallerID{Num: "+15551234567"}},
		"none":            {want: channel.CallerID{}},
		"through wrapper": {num: "1001", name: "Alice", wrap: true, want: channel.CallerID{Num: "1001", Name: "Alice"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := newReg(t)
			p := &presenter{Mock: channeltest.NewMock(nil)}
			var tech channel.Tech = p
			if tc.wrap {
				tech = wrapper{p}
			}
			c := newChan(t, r, tech)
			c.SetCallerID(tc.num, tc.name)
			if err := c.Call(context.Background()); err != nil {
				t.Fatal(err)
			}
			// Set after Call: reported by the channel, not signalled.
			c.SetCallerID("2002", "Bob")
			if len(p.got) != 1 || p.got[0] != tc.want {
				t.Errorf("CallAs got %+v, want once %+v", p.got, tc.want)
			}
			if !p.Called() || c.State() != channel.Dialing {
				t.Errorf("called %t, state %v", p.Called(), c.State())
			}
		})
	}
	t.Run("driver without CallerIDCaller", func(t *testing.T) {
		m := channeltest.NewMock(nil)
		c := newChan(t, newReg(t), m)
		c.SetCallerID("1001", "Alice")
		if err := c.Call(context.Background()); err != nil || !m.Called() {
			t.Fatalf("Call = %v, called %t", err, m.Called())
		}
	})
}
