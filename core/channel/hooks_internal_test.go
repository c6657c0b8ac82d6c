package channel

import (
	"errors"
	"testing"

	"github.com/pbx-dev/pbx/core/frame"
)

type countingHook struct{ attached, detached int }

func (h *countingHook) FrameEvent(ev HookEvent, f *frame.Frame) *frame.Frame {
	switch ev {
	case HookAttached:
		h.attached++
	case HookDetached:
		h.detached++
	}
	return f
}

func (h *countingHook) AudioFrame(_ Direction, f *frame.Frame) *frame.Frame { return f }

// TestAttachRacingHangup replays the interleaving where Attach passed its
// hung-up check just before the hangup detached every hook: the late hook
// must not stay attached forever without a Detached event.
func TestAttachRacingHangup(t *testing.T) {
	c := &Channel{}
	c.detachAllHooks() // the hangup wins the race after Attach's check

	t.Run("FrameHookGetsDetachedAfterAttached", func(t *testing.T) {
		h := &countingHook{}
		if _, err := c.AttachFrameHook(DefaultStreams, h); !errors.Is(err, ErrHangup) {
			t.Fatalf("attach after detachAllHooks: %v, want ErrHangup", err)
		}
		if h.attached != 1 || h.detached != 1 {
			t.Fatalf("attached %d, detached %d; want 1 and 1", h.attached, h.detached)
		}
	})
	t.Run("AudioHookIsRefused", func(t *testing.T) {
		if _, err := c.AttachAudioHook(DefaultStreams, &countingHook{}); !errors.Is(err, ErrHangup) {
			t.Fatalf("attach after detachAllHooks: %v, want ErrHangup", err)
		}
		if c.NeedsAudio() {
			t.Fatal("a refused audio hook is counted")
		}
	})
}
