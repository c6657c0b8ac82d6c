package channeltest

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Harness gives the conformance suite a fresh driver half and a way to make
// the far end send a voice frame on it.
type Harness struct {
	// Tech is the driver half under test, ready for ReadFrame/WriteFrame
	// (answered or called as the driver needs).
	Tech channel.Tech
	// Send makes the far end send one voice frame with payload p, if the
	// driver can do that in a test; nil skips the frame-ownership check.
	Send func(p []byte)
	// Close releases whatever the harness set up (peers, sockets); may be nil.
	Close func()
}

// Run checks the Tech contract on harnesses made by newHarness:
//   - Hangup unblocks a pending ReadFrame promptly, which returns io.EOF;
//   - a second Hangup returns nil;
//   - WriteFrame after hangup fails with ErrHangup;
//   - mutating a returned frame never affects the driver (the same payload
//     read twice is unchanged);
//   - WriteFrame does not retain the frame (the caller reuses it at once).
//
// Goroutine leaks are checked by the caller's TestMain (goleak).
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Run("HangupUnblocksRead", func(t *testing.T) {
		h := newHarness(t)
		defer closeHarness(h)
		errc := make(chan error, 1)
		go func() {
			for {
				f, err := h.Tech.ReadFrame()
				if err != nil {
					errc <- err
					return
				}
				f.Release()
			}
		}()
		if err := h.Tech.Hangup(channel.CauseNormalClearing); err != nil {
			t.Fatalf("Hangup: %v", err)
		}
		select {
		case err := <-errc:
			if !errors.Is(err, io.EOF) {
				t.Fatalf("ReadFrame after Hangup: got %v, want io.EOF", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("ReadFrame still blocked 5 s after Hangup")
		}
	})
	t.Run("SecondHangupIsNil", func(t *testing.T) {
		h := newHarness(t)
		defer closeHarness(h)
		h.Tech.Hangup(channel.CauseNormalClearing)
		if err := h.Tech.Hangup(channel.CauseUserBusy); err != nil {
			t.Fatalf("second Hangup: %v", err)
		}
	})
	t.Run("WriteAfterHangupFails", func(t *testing.T) {
		h := newHarness(t)
		defer closeHarness(h)
		h.Tech.Hangup(channel.CauseNormalClearing)
		f := voice(160)
		defer f.Release()
		if err := h.Tech.WriteFrame(f); !errors.Is(err, channel.ErrHangup) {
			t.Fatalf("WriteFrame after Hangup: got %v, want ErrHangup", err)
		}
	})
	t.Run("WriteDoesNotRetain", func(t *testing.T) {
		h := newHarness(t)
		defer closeHarness(h)
		defer h.Tech.Hangup(channel.CauseNormalClearing)
		f := voice(160)
		for i := range 3 {
			for j := range f.Payload {
				f.Payload[j] = byte(i)
			}
			if err := h.Tech.WriteFrame(f); err != nil {
				t.Fatalf("WriteFrame: %v", err)
			}
		}
		f.Release()
	})
	t.Run("ReturnedFramesAreOwned", func(t *testing.T) {
		h := newHarness(t)
		defer closeHarness(h)
		defer h.Tech.Hangup(channel.CauseNormalClearing)
		if h.Send == nil {
			t.Skip("harness cannot make the far end send")
		}
		want := []byte{1, 2, 3, 4}
		h.Send(want)
		f := readVoice(t, h.Tech)
		for i := range f.Payload {
			f.Payload[i] = 0xff
		}
		f.Release()
		h.Send(want)
		g := readVoice(t, h.Tech)
		defer g.Release()
		if string(g.Payload[:len(want)]) != string(want) {
			t.Fatalf("second frame payload %v, want %v: mutating a returned frame changed the driver", g.Payload, want)
		}
	})
}

func readVoice(t *testing.T, tech channel.Tech) *frame.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	type res struct {
		f   *frame.Frame
		err error
	}
	for {
		ch := make(chan res, 1)
		go func() { f, err := tech.ReadFrame(); ch <- res{f, err} }()
		select {
		case r := <-ch:
			if r.err != nil {
				t.Fatalf("ReadFrame: %v", r.err)
			}
			if r.f.Kind == frame.Voice {
				return r.f
			}
			r.f.Release()
		case <-ctx.Done():
			t.Fatal("no voice frame within 5 s")
		}
	}
}

func voice(n int) *frame.Frame {
	f := frame.Get(n)
	f.Kind = frame.Voice
	f.Format = format.ULaw
	f.Samples = n
	return f
}

func closeHarness(h Harness) {
	if h.Close != nil {
		h.Close()
	}
}
