package apps

import (
	"errors"

	"github.com/pbx-dev/pbx/core/channel"
)

// jitterSwitch is the optional driver capability that turns the jitter
// buffer on a channel's received audio on or off (the SIP driver has
// it). The runner calls it on the call's goroutine before a
// [TerminatesMedia] application; it may block briefly (the driver's
// signalling goroutine applies it) and returns channel.ErrHangup once the
// call is over.
type jitterSwitch interface {
	SetJitterBuffer(on bool) error
}

// jitterSwitchOf finds the jitter switch of t or of a Tech it wraps.
func jitterSwitchOf(t channel.Tech) (jitterSwitch, bool) {
	for t != nil {
		if js, ok := t.(jitterSwitch); ok {
			return js, true
		}
		u, ok := t.(channel.Unwrapper)
		if !ok {
			break
		}
		t = u.Unwrap()
	}
	return nil, false
}

// jitterBuffer turns the jitter buffer of the session's channel on or off
// when its driver has one; drivers without one deliver audio as it comes.
func (s *Session) jitterBuffer(on bool) {
	js, ok := jitterSwitchOf(s.ch.Tech())
	if !ok {
		return
	}
	if err := js.SetJitterBuffer(on); err != nil && !errors.Is(err, channel.ErrHangup) {
		s.log.Debug("jitter buffer switch failed", "on", on, "error", err)
	}
}
