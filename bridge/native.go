package bridge

import (
	"errors"
	"sync"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/topology"
)

// native is the two-party technology for drivers that relay packets
// themselves ([NativeRTP]). It behaves as simple for whatever frames still
// come through the core (control, DTMF, media while the relay starts) and
// mirrors topologies the same way; Start and Stop switch the drivers'
// relaying on and off.
//
// ctl serialises Start and Stop, which call the drivers: it is held only
// by them, never with the bridge lock, so a switch that stops the relay
// cannot overtake the one that starts it.
type native struct {
	simple
	a, c *Member

	ctl              sync.Mutex
	started, stopped bool
}

var _ Technology = (*native)(nil)

func newNative(b *Bridge, a, c *Member) *native {
	return &native{simple: simple{b: b}, a: a, c: c}
}

func (n *native) Name() string { return "native" }

// Start asks both drivers to relay to each other. A failure stops the relay
// again and makes the bridge fall back to simple.
func (n *native) Start() {
	n.ctl.Lock()
	if n.started || n.stopped {
		n.ctl.Unlock()
		return
	}
	n.started = true
	na, _ := nativeOf(n.a.ch.Tech())
	nc, _ := nativeOf(n.c.ch.Tech())
	err := errors.Join(na.StartNative(techOf(nc)), nc.StartNative(techOf(na)))
	n.ctl.Unlock()
	if err != nil {
		n.b.nativeFailedNow(err)
	}
}

// Stop ends the relay on both drivers.
func (n *native) Stop() {
	n.ctl.Lock()
	defer n.ctl.Unlock()
	if n.stopped {
		return
	}
	n.stopped = true
	if !n.started {
		return
	}
	na, _ := nativeOf(n.a.ch.Tech())
	nc, _ := nativeOf(n.c.ch.Tech())
	if err := errors.Join(na.StopNative(), nc.StopNative()); err != nil {
		n.b.log.Debug("stopping native bridging", "error", err)
	}
}

// nativeOK reports whether two members may be bridged natively: both
// drivers relay natively and accept each other, both channels are Up, no
// hook needs their audio, neither is muted, and their default audio
// streams use the same codec. It calls out to channels and drivers: no
// lock may be held.
func nativeOK(a, c *Member) bool {
	if a.muted.Load() || c.muted.Load() {
		return false
	}
	na, ok := nativeOf(a.ch.Tech())
	if !ok {
		return false
	}
	nc, ok := nativeOf(c.ch.Tech())
	if !ok {
		return false
	}
	if a.ch.State() != channel.Up || c.ch.State() != channel.Up {
		return false
	}
	if a.ch.NeedsAudio() || c.ch.NeedsAudio() {
		return false
	}
	if !sameAudioCodec(a.ch.Topology(), c.ch.Topology()) {
		return false
	}
	return na.NativeCompatible(techOf(nc)) && nc.NativeCompatible(techOf(na))
}

// techOf returns the driver half behind a capability nativeOf found (it
// is always a Tech: nativeOf walks Techs).
func techOf(n NativeRTP) channel.Tech {
	t, _ := n.(channel.Tech)
	return t
}

// sameAudioCodec reports whether the default audio streams of x and y use
// the same codec (their first format), or neither has audio.
func sameAudioCodec(x, y *topology.Topology) bool {
	sx, sy := x.FirstOfType(format.Audio), y.FirstOfType(format.Audio)
	if sx == nil || sy == nil {
		return sx == nil && sy == nil
	}
	fx, fy := firstCodec(sx.Formats()), firstCodec(sy.Formats())
	return !fx.IsZero() && fx.Is(fy)
}

// firstCodec returns the first audio format of c that is not
// telephone-event, or the zero Format.
func firstCodec(c format.Caps) format.Format {
	for _, f := range c.All {
		if f.Type == format.Audio && f.Name != format.TelephoneEvent.Name {
			return f
		}
	}
	return format.Format{}
}
