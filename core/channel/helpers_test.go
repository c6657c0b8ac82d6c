package channel_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

func newReg(t testing.TB) *channel.Registry {
	r := channel.NewRegistry(channel.RegistryConfig{})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return r
}

func newChan(t testing.TB, r *channel.Registry, tech channel.Tech) *channel.Channel {
	t.Helper()
	c, err := r.NewChannel(channel.Config{Tech: tech, Name: "Mock/test"})
	if err != nil {
		t.Fatalf("NewChannel: %v", err)
	}
	return c
}

// topo builds a topology from "type:state:formats" specs, e.g.
// "audio:sendrecv:ulaw", "video:sendonly:h264|vp8".
func topo(t testing.TB, specs ...string) *topology.Topology {
	t.Helper()
	tp := topology.New()
	for _, sp := range specs {
		parts := strings.SplitN(sp, ":", 3)
		typ, st, fs := parts[0], parts[1], parts[2]
		mt, err := format.ParseMediaType(typ)
		if err != nil {
			t.Fatal(err)
		}
		s := stream.New("", mt)
		state, err := stream.ParseState(st)
		if err != nil {
			t.Fatal(err)
		}
		s.SetState(state)
		caps, err := format.ParseCaps(fs)
		if err != nil {
			t.Fatal(err)
		}
		s.SetFormats(caps)
		if _, err := tp.Append(s); err != nil {
			t.Fatal(err)
		}
	}
	return tp
}

func voice(stream int, f format.Format, fill byte) *frame.Frame {
	fr := frame.Get(160)
	fr.Kind = frame.Voice
	fr.Format = f
	fr.Stream = stream
	fr.Samples = 160
	for i := range fr.Payload {
		fr.Payload[i] = fill
	}
	return fr
}

func video(stream int, fill byte) *frame.Frame {
	fr := frame.Get(100)
	fr.Kind = frame.Video
	fr.Format = format.H264
	fr.Stream = stream
	for i := range fr.Payload {
		fr.Payload[i] = fill
	}
	return fr
}

// readNext reads with a deadline so a broken test fails instead of hanging.
func readNext(t testing.TB, c *channel.Channel, streamMode bool) *frame.Frame {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f *frame.Frame
	var err error
	if streamMode {
		f, err = c.ReadStream()
	} else {
		f, err = c.Read()
	}
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return f
}

func written(t testing.TB, m interface{ Written() <-chan *frame.Frame }) *frame.Frame {
	t.Helper()
	select {
	case f := <-m.Written():
		return f
	case <-time.After(5 * time.Second):
		t.Fatal("nothing written within 5 s")
		return nil
	}
}

func noneWritten(t testing.TB, m interface{ Written() <-chan *frame.Frame }) {
	t.Helper()
	select {
	case f := <-m.Written():
		t.Fatalf("unexpected write: %v", f)
	default:
	}
}

var _ = channeltest.NewMock

func deadline() time.Time     { return time.Now().Add(5 * time.Second) }
func pastDeadline() time.Time { return time.Now().Add(-time.Second) }

type ctxT = context.Context

var errEOF = io.EOF
