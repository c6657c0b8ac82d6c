package hooks

import (
	"fmt"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
)

// FrameHook adapts callbacks to a [channel.FrameHook] with this package's
// lifecycle: build it from a [FrameHookConfig], attach it to a stream
// selector of a channel (a stream name, [channel.DefaultStreams] or
// [channel.AllStreams]), detach it from anywhere, including from inside
// its own callbacks.
//
// The channel calls the hooks of a stream in attach order. A callback that
// returns a different frame replaces the frame: the chain restarts from the
// first hook with the new frame, skipping the hooks that already replaced
// one (Asterisk's framehook rule), so every hook sees the final frame.
// Non-media frames (DTMF, control) reach hooks on every stream.
type FrameHook struct {
	lifecycle
	cfg  FrameHookConfig
	mask uint64 // bit k: wants frame.Kind k; 0 means every kind
}

var (
	_ channel.FrameHook  = (*FrameHook)(nil)
	_ channel.KindFilter = (*FrameHook)(nil)
)

// NewFrameHook returns a frame hook in [StatusNew]; attach it with
// [FrameHook.Attach].
func NewFrameHook(cfg FrameHookConfig) (*FrameHook, error) {
	h := &FrameHook{cfg: cfg}
	for _, k := range cfg.Kinds {
		if k == frame.KindUnknown || k >= 64 {
			return nil, fmt.Errorf("hooks: frame hook kind %d: %w", k, ErrConfig)
		}
		h.mask |= 1 << k
	}
	h.init("frame hook")
	return h, nil
}

// Attach attaches the hook to the streams of ch selected by stream: a
// stream name such as "audio-1", [channel.DefaultStreams] ("") or
// [channel.AllStreams] ("*"). OnAttached runs before Attach returns. It
// fails with [ErrAttached] or [ErrDone] unless the hook is new, and with
// the channel's error (channel.ErrHangup) when ch cannot take hooks.
func (h *FrameHook) Attach(ch *channel.Channel, stream string) error {
	return h.attach(ch, func() (channel.HookID, error) { return ch.AttachFrameHook(stream, h) })
}

// WantsKind implements [channel.KindFilter] from the configured kinds.
func (h *FrameHook) WantsKind(k frame.Kind) bool {
	return h.mask == 0 || (k < 64 && h.mask&(1<<k) != 0)
}

// FrameEvent implements [channel.FrameHook] by dispatching to the
// configured callbacks.
func (h *FrameHook) FrameEvent(ev channel.HookEvent, f *frame.Frame) *frame.Frame {
	switch ev {
	case channel.HookRead:
		if h.cfg.OnRead != nil && f != nil {
			return h.cfg.OnRead(f)
		}
	case channel.HookWrite:
		if h.cfg.OnWrite != nil && f != nil {
			return h.cfg.OnWrite(f)
		}
	case channel.HookAttached:
		if h.cfg.OnAttached != nil {
			h.cfg.OnAttached()
		}
	case channel.HookDetached:
		if h.cfg.OnDetached != nil {
			h.cfg.OnDetached()
		}
		h.finish()
	case channel.HookUnknown:
	}
	return f
}
