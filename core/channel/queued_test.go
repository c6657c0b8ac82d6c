package channel_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
)

// queuedTech is a minimal [channel.Queued] driver: the test fills its
// queues. early, when set, is a far-end hangup that happened before the
// channel existed, which Queues reports at once.
type queuedTech struct {
	ctl, media chan *frame.Frame
	early      channel.Cause
	hungup     chan channel.Cause
}

func newQueuedTech() *queuedTech {
	return &queuedTech{
		ctl:    make(chan *frame.Frame, 8),
		media:  make(chan *frame.Frame, 8),
		hungup: make(chan channel.Cause, 1),
	}
}

func (q *queuedTech) Call(context.Context) error    { return nil }
func (q *queuedTech) Answer(context.Context) error  { return nil }
func (q *queuedTech) WriteFrame(*frame.Frame) error { return nil }
func (q *queuedTech) ReadFrame() (*frame.Frame, error) {
	panic("ReadFrame called on a Queued driver")
}

func (q *queuedTech) Hangup(cause channel.Cause) error {
	select {
	case q.hungup <- cause:
	default:
	}
	return nil
}

func (q *queuedTech) Queues(ev channel.QueueEvents) (ctl, media <-chan *frame.Frame) {
	if q.early != 0 {
		ev.Hangup(q.early)
	}
	return q.ctl, q.media
}

// TestQueuedHangupFromQueues: a driver whose far end hung up before the
// channel existed reports it from Queues; NewChannel must not deadlock,
// the channel ends with that cause, and observers see "new" before
// "hangup".
func TestQueuedHangupFromQueues(t *testing.T) {
	r := newReg(t)
	var mu sync.Mutex
	var events []string
	r.Observe(func(ev channel.Event) {
		mu.Lock()
		events = append(events, ev.Type)
		mu.Unlock()
	})
	q := newQueuedTech()
	q.early = channel.CauseUserBusy
	made := make(chan *channel.Channel, 1)
	go func() {
		ch, err := r.NewChannel(channel.Config{Tech: q, Name: "Queued/test"})
		if err != nil {
			t.Error(err)
		}
		made <- ch
	}()
	var ch *channel.Channel
	select {
	case ch = <-made:
	case <-time.After(5 * time.Second):
		t.Fatal("NewChannel deadlocked: Queues called ev.Hangup")
	}
	if ch == nil {
		return
	}
	select {
	case <-ch.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("channel not hung up")
	}
	if got := ch.HangupCause(); got != channel.CauseUserBusy {
		t.Errorf("cause = %v, want %v", got, channel.CauseUserBusy)
	}
	select {
	case got := <-q.hungup:
		if got != channel.CauseUserBusy {
			t.Errorf("driver Hangup cause = %v", got)
		}
	default:
		t.Error("driver Hangup not called")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ch.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 || events[0] != "new" || events[1] != "hangup" {
		t.Errorf("events = %v, want [new hangup]", events)
	}
}
