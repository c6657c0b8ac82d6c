package channel

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/pbx-dev/pbx/core/frame"
)

// TestHangupRacingHangup replays the interleaving of two hang-ups where
// the first has claimed the channel but not finished: a Queued driver
// reports the far end's hangup while the consumer reads the Hangup frame
// it queued. The second must not return (and the consumer's Read must
// not return io.EOF) before the channel is done, or the consumer sees a
// live context and a default cause (NORMAL_CLEARING) instead of the
// driver's (drivers/sip TestOutboundRejected flaked that way).
func TestHangupRacingHangup(t *testing.T) {
	r := NewRegistry(RegistryConfig{Logger: slog.New(slog.DiscardHandler)})
	c := newChannel(r, Config{Tech: nopTech{}}, "1", "Nop/test-1")
	c.hungup.Store(true) // the first hangup is between its claim and the rest
	if err := c.Hangup(CauseCallRejected); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("a second Hangup returned before the channel was done")
	}
	if got := c.HangupCause(); got != CauseCallRejected {
		t.Fatalf("cause %v, want %v", got, CauseCallRejected)
	}
}

// nopTech is a Tech that does nothing.
type nopTech struct{}

func (nopTech) Call(context.Context) error       { return nil }
func (nopTech) Answer(context.Context) error     { return nil }
func (nopTech) Hangup(Cause) error               { return nil }
func (nopTech) ReadFrame() (*frame.Frame, error) { return nil, io.EOF }
func (nopTech) WriteFrame(*frame.Frame) error    { return nil }
