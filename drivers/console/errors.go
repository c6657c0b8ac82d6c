package console

import (
	"errors"
	"fmt"

	"github.com/pbx-dev/pbx/core/channel"
)

var (
	// ErrNotCompiled is returned by [New] in a build without cgo: the
	// console driver needs cgo (malgo compiles miniaudio). The rest of the
	// PBX builds and runs without it.
	ErrNotCompiled = errors.New("console driver not compiled in (built without cgo)")
	// ErrDevice is matched (errors.Is) by every [DeviceError]: the sound
	// device could not be opened or started.
	ErrDevice = errors.New("console: sound device unavailable")
	// ErrNoDevice reports a configured capture or playback device that the
	// audio system does not list. It arrives wrapped in a [DeviceError].
	ErrNoDevice = errors.New("console: no such sound device")
	// ErrConfig reports an invalid [Config].
	ErrConfig = errors.New("console: invalid configuration")
	// ErrBusy is returned when the console already has a call. As the
	// error of a Request it carries channel.CauseUserBusy.
	ErrBusy = errors.New("console: already in a call")
	// ErrNoCall is returned by console commands when there is no call.
	ErrNoCall = errors.New("console: no call")
	// ErrNotAnswered is returned by [Driver.SendDTMF] while an incoming
	// call is still ringing.
	ErrNotAnswered = errors.New("console: call not answered")
	// ErrBadDest is returned by Request for a destination other than "dsp"
	// and by [Driver.Dial] for an empty extension.
	ErrBadDest = errors.New("console: bad destination")
	// ErrBadDigit is returned by [Driver.SendDTMF] for a character that is
	// not a DTMF digit (0-9, *, #, A-D).
	ErrBadDigit = errors.New("console: invalid DTMF digit")
	// ErrNoHandler is returned by [Driver.Dial] when the driver was built
	// without a [Handler] to run the dialplan.
	ErrNoHandler = errors.New("console: no dialplan handler configured")
	// ErrClosed is returned after [Driver.Close].
	ErrClosed = errors.New("console: driver closed")
)

// DeviceError is a failure to open, start or list the sound device. It
// matches [ErrDevice] with errors.Is, unwraps to the audio system's error,
// and classifies itself as channel.CauseChannelNotAvailable, so a Dial of
// Console/dsp on a machine without a sound card fails with CHANUNAVAIL
// while the rest of the PBX runs on.
type DeviceError struct {
	// Op is what failed: "open", "start" or "list".
	Op string
	// Backend is the configured backend ("" for the default list).
	Backend string
	// Device names the capture or playback device when the error concerns
	// one, else "".
	Device string
	// Err is the underlying error.
	Err error
}

// Error describes the failure with the backend and device involved.
func (e *DeviceError) Error() string {
	backend := e.Backend
	if backend == "" {
		backend = "default"
	}
	if e.Device != "" {
		return fmt.Sprintf("console: %s %s (backend %s): %v", e.Op, e.Device, backend, e.Err)
	}
	if e.Op == "open" {
		return fmt.Sprintf("console: cannot open the sound card (backend %s): %v", backend, e.Err)
	}
	return fmt.Sprintf("console: %s sound device (backend %s): %v", e.Op, backend, e.Err)
}

// Unwrap returns the underlying error.
func (e *DeviceError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrDevice) true for every DeviceError.
func (e *DeviceError) Is(target error) bool { return target == ErrDevice }

// HangupCause implements channel.CauseCarrier.
func (e *DeviceError) HangupCause() channel.Cause { return channel.CauseChannelNotAvailable }

// causeError gives a sentinel a hangup cause for the dialler.
type causeError struct {
	err   error
	cause channel.Cause
}

func (e *causeError) Error() string              { return e.err.Error() }
func (e *causeError) Unwrap() error              { return e.err }
func (e *causeError) HangupCause() channel.Cause { return e.cause }
