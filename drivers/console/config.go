package console

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/pbx-dev/pbx/core/channel"
)

// Handler runs the dialplan for a call placed from the console with
// [Driver.Dial]: ch is the console's channel, to run at exten in the
// dialplan context ctxName. It is called on a goroutine the driver owns
// (waited for by [Driver.Close]); when it returns the channel is hung up.
// cmd/pbx passes a function calling apps.Runner.Run.
type Handler func(ctx context.Context, ch *channel.Channel, exten, ctxName string)

// Rates are the sample rates the console runs at, in Hz.
var Rates = []int{8000, 16000, 48000}

// Backends are the names [Config.Backend] accepts. "" (the default) tries
// the platform's backends in miniaudio's order (PulseAudio, ALSA, JACK on
// Linux); "null" is a silent device that runs in real time, for tests and
// headless machines.
var Backends = []string{"", "null", "alsa", "pulse", "jack", "oss", "sndio", "audio4", "coreaudio", "wasapi", "dsound", "winmm"}

// Config configures the console driver. The zero value of every field but
// Registry is usable.
type Config struct {
	// Registry creates the channels of calls placed with Dial. Required.
	Registry *channel.Registry
	// Handler runs the dialplan for calls placed with Dial; nil makes Dial
	// fail with ErrNoHandler (incoming calls still work).
	Handler Handler
	// Backend selects the audio system: one of [Backends]; "" is the
	// platform's default list.
	Backend string
	// CaptureDevice and PlaybackDevice name the devices (a name as
	// [Driver.Devices] lists it, case-insensitive, or its ID); "" is the
	// backend's default device.
	CaptureDevice, PlaybackDevice string
	// Rate is the sample rate in Hz: 8000 (default), 16000 or 48000. The
	// channel's native format is signed linear at this rate (slin, slin16,
	// slin48), in 20 ms frames, mono.
	Rate int
	// AutoAnswer answers incoming calls as soon as they ring.
	AutoAnswer bool
	// Context is the dialplan context of calls placed with Dial when the
	// destination names none; "" means "default".
	Context string
	// CallerNum and CallerName are the caller ID of calls placed from the
	// console; "" means "console" and "Console".
	CallerNum, CallerName string
	// OnEvent, if set, receives console events (ring, answer, indication,
	// DTMF, hangup) for the control endpoint's event stream. It is called
	// on the goroutine where the event happened, with no lock held, and
	// must not block.
	OnEvent func(Event)
	// Logger is the base logger; nil means slog.Default().
	Logger *slog.Logger
}

// Validate checks the configuration without opening any device, so
// `pbx check` can report mistakes in builds without cgo too.
func (c Config) Validate() error {
	if c.Rate != 0 && !slices.Contains(Rates, c.Rate) {
		return fmt.Errorf("%w: rate %d (want 8000, 16000 or 48000)", ErrConfig, c.Rate)
	}
	if !slices.Contains(Backends, strings.ToLower(c.Backend)) {
		return fmt.Errorf("%w: unknown backend %q (want one of %s)", ErrConfig, c.Backend, strings.Join(Backends[1:], ", "))
	}
	return nil
}

// withDefaults returns c with defaults filled in.
func (c Config) withDefaults() Config {
	if c.Rate == 0 {
		c.Rate = 8000
	}
	c.Backend = strings.ToLower(c.Backend)
	if c.Context == "" {
		c.Context = "default"
	}
	if c.CallerNum == "" {
		c.CallerNum = "console"
	}
	if c.CallerName == "" {
		c.CallerName = "Console"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
