package hooks_test

import (
	"slices"
	"testing"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/hooks"
)

// attacher is what every hook of the package has.
type attacher interface {
	Attach(ch *channel.Channel, stream string) error
	Detach() error
	Status() hooks.Status
	Done() <-chan struct{}
}

func TestLifecycle(t *testing.T) {
	builders := map[string]func(t *testing.T) attacher{
		"Spy":     func(t *testing.T) attacher { return newSpy(t, hooks.SpyConfig{}) },
		"Whisper": func(t *testing.T) attacher { return newWhisper(t, hooks.WhisperConfig{}) },
		"Volume": func(t *testing.T) attacher {
			v, err := hooks.NewVolume(hooks.VolumeConfig{})
			mustNil(t, err, "NewVolume")
			return v
		},
		"Mute": func(t *testing.T) attacher {
			m, err := hooks.NewMute(hooks.MuteConfig{})
			mustNil(t, err, "NewMute")
			return m
		},
	}
	for name, build := range builders {
		t.Run("Given"+name+"_ThenNewRunningDoneAndChannelNeedsAudioWhileAttached", func(t *testing.T) {
			h := newHarness(t, oneSLin)
			hk := build(t)
			if hk.Status() != hooks.StatusNew || h.c.NeedsAudio() {
				t.Fatalf("fresh: status %s, needs audio %v", hk.Status(), h.c.NeedsAudio())
			}
			mustNil(t, hk.Attach(h.c, ""), "attach")
			if hk.Status() != hooks.StatusRunning || !h.c.NeedsAudio() {
				t.Fatalf("attached: status %s, needs audio %v", hk.Status(), h.c.NeedsAudio())
			}
			mustIs(t, hk.Attach(h.c, ""), hooks.ErrAttached, "second attach")
			mustNil(t, hk.Detach(), "detach")
			wait(t, hk.Done(), "done")
			if hk.Status() != hooks.StatusDone || h.c.NeedsAudio() {
				t.Fatalf("detached: status %s, needs audio %v", hk.Status(), h.c.NeedsAudio())
			}
			mustNil(t, hk.Detach(), "detach again")
			mustIs(t, hk.Attach(h.c, ""), hooks.ErrDone, "attach after done")
		})
	}

	t.Run("GivenHungUpChannel_ThenAttachFailsAndHookStaysNew", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		mustNil(t, h.c.Hangup(channel.CauseNormalClearing), "hangup")
		s := newSpy(t, hooks.SpyConfig{})
		mustIs(t, s.Attach(h.c, ""), channel.ErrHangup, "attach to a hung-up channel")
		if s.Status() != hooks.StatusNew {
			t.Fatalf("status %s after a failed attach", s.Status())
		}
		mustIs(t, s.Attach(nil, ""), hooks.ErrNoChannel, "attach to nil")
	})

	t.Run("GivenNeverAttached_WhenDetached_ThenDone", func(t *testing.T) {
		s := newSpy(t, hooks.SpyConfig{})
		mustNil(t, s.Detach(), "detach")
		wait(t, s.Done(), "done")
	})

	t.Run("GivenAudioHookOnAllStreams_ThenRejected", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		s := newSpy(t, hooks.SpyConfig{})
		mustIs(t, s.Attach(h.c, channel.AllStreams), channel.ErrUnsupported, "spy on all streams")
	})

	t.Run("GivenFramesFlowing_WhenDetachedFromAnotherGoroutine_ThenLaterFramesAreUntouched", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		v, err := hooks.NewVolume(hooks.VolumeConfig{ReadGain: 2, WriteGain: 2})
		mustNil(t, err, "NewVolume")
		s := newSpy(t, hooks.SpyConfig{})
		mustNil(t, v.Attach(h.c, ""), "attach volume")
		mustNil(t, s.Attach(h.c, ""), "attach spy")
		started := make(chan struct{})
		detached := make(chan error, 1)
		go func() {
			<-started
			err := v.Detach()
			if err == nil {
				err = s.Detach()
			}
			detached <- err
		}()
		in := newTone(440, 0.2).next()
		frames := 0
		for ; frames < 10000; frames++ {
			if frames == 5 {
				close(started)
			}
			h.read(0, format.SLin8, in)
			h.write(0, format.SLin8, in)
			if v.Status() == hooks.StatusDone && s.Status() == hooks.StatusDone {
				break
			}
		}
		mustNil(t, <-detached, "detach")
		wait(t, v.Done(), "volume done")
		wait(t, s.Done(), "spy done")
		if out := h.read(0, format.SLin8, in); !slices.Equal(out, in) {
			t.Fatal("a detached volume still changes the read audio")
		}
		if out := h.write(0, format.SLin8, in); !slices.Equal(out, in) {
			t.Fatal("a detached volume still changes the written audio")
		}
		if h.c.NeedsAudio() {
			t.Fatal("channel needs audio after every hook left")
		}
	})

	t.Run("GivenManipulatorDetachesItselfInsideItsFunc_ThenNoFurtherCalls", func(t *testing.T) {
		h := newHarness(t, oneSLin)
		calls := 0
		var m *hooks.Manipulator
		m, err := hooks.NewManipulator(hooks.ManipulatorConfig{Func: func(hooks.Direction, []int16, int) bool {
			calls++
			if err := m.Detach(); err != nil {
				t.Errorf("detach inside: %v", err)
			}
			return false
		}})
		mustNil(t, err, "NewManipulator")
		mustNil(t, m.Attach(h.c, ""), "attach")
		h.read(0, format.SLin8, silence.next())
		h.read(0, format.SLin8, silence.next())
		h.write(0, format.SLin8, silence.next())
		wait(t, m.Done(), "done")
		if calls != 1 {
			t.Fatalf("func called %d times, want 1", calls)
		}
	})

	t.Run("StatusAndDirectionNames", func(t *testing.T) {
		got := []string{hooks.StatusNew.String(), hooks.StatusRunning.String(), hooks.StatusShuttingDown.String(),
			hooks.StatusDone.String(), hooks.StatusUnknown.String(), hooks.DirRead.String(), hooks.DirWrite.String(),
			hooks.DirBoth.String(), hooks.DirUnknown.String()}
		want := []string{"new", "running", "shutting-down", "done", "unknown", "read", "write", "both", "unknown"}
		if !slices.Equal(got, want) {
			t.Fatalf("names %v, want %v", got, want)
		}
	})
}
