package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
)

// Name is the driver's dial-string prefix: "Console/dsp".
const Name = "Console"

// dtmfDigits are the digits SendDTMF accepts (upper-cased first).
const dtmfDigits = "0123456789*#ABCD"

// Driver is the console channel driver: the machine's sound card as one
// phone, "Console/dsp". It has at most one call at a time, in either
// direction: the PBX calls the console (Dial(Console/dsp) rings it; the
// person at the console answers with [Driver.Answer]), or the console
// calls the PBX ([Driver.Dial] runs the dialplan at an extension).
//
// The sound device is opened when a call starts and closed when it ends,
// so a machine without a sound card only fails the console's calls, with a
// [DeviceError].
//
// Goroutines: for each call placed with Dial the driver runs the handler
// on a goroutine it owns, waited for by [Driver.Close]. The audio thread
// belongs to the sound device (malgo) and runs between the device's Start
// and Close. Safe for concurrent use.
type Driver struct {
	reg        *channel.Registry
	sys        system
	cfg        Config
	log        *slog.Logger
	format     format.Format
	frameBytes int
	stats      counters
	muted      atomic.Bool

	mu     sync.Mutex
	cur    *call // the console's call, or nil
	closed bool
	wg     sync.WaitGroup // handler goroutines; Go only under mu while !closed
}

var _ channel.Driver = (*Driver)(nil)

// newDriver builds a driver opening devices on sys.
func newDriver(cfg Config, sys system) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Registry == nil {
		return nil, fmt.Errorf("%w: no channel registry", ErrConfig)
	}
	cfg = cfg.withDefaults()
	f, _ := format.SLin(cfg.Rate)
	d := &Driver{
		reg:        cfg.Registry,
		sys:        sys,
		cfg:        cfg,
		log:        cfg.Logger.With("tech", Name),
		format:     f,
		frameBytes: cfg.Rate / 50 * 2,
	}
	cfg.Registry.Observe(d.observe)
	return d, nil
}

// Name implements channel.Driver.
func (d *Driver) Name() string { return Name }

// Format returns the console's native format: signed linear at the
// configured rate.
func (d *Driver) Format() format.Format { return d.format }

// Request implements channel.Driver: dest must be "dsp". It opens and
// starts the sound device, so the dialler learns at once that the console
// is busy (an error carrying CauseUserBusy) or has no sound card (a
// [DeviceError], CauseChannelNotAvailable). want is ignored: the console
// is a legacy driver whose native format is signed linear at its rate.
func (d *Driver) Request(_ context.Context, dest string, _ *topology.Topology) (channel.Tech, error) {
	if !strings.EqualFold(strings.TrimSpace(dest), "dsp") {
		return nil, fmt.Errorf("%w: %q (want Console/dsp)", ErrBadDest, dest)
	}
	return d.start(false)
}

// start reserves the console for a new call and opens its device.
func (d *Driver) start(outgoing bool) (*call, error) {
	c := newCall(d, outgoing)
	d.mu.Lock()
	switch {
	case d.closed:
		d.mu.Unlock()
		return nil, ErrClosed
	case d.cur != nil:
		d.mu.Unlock()
		return nil, &causeError{err: ErrBusy, cause: channel.CauseUserBusy}
	}
	d.cur = c
	d.mu.Unlock()

	dev, err := d.sys.Open(deviceConfig{Rate: d.cfg.Rate, Capture: d.cfg.CaptureDevice, Playback: d.cfg.PlaybackDevice}, c.process)
	if err != nil {
		d.release(c)
		var de *DeviceError
		if !errors.As(err, &de) {
			err = &DeviceError{Op: "open", Backend: d.cfg.Backend, Err: err}
		}
		return nil, err
	}
	if err := dev.Start(); err != nil {
		dev.Close()
		d.release(c)
		return nil, &DeviceError{Op: "start", Backend: d.cfg.Backend, Err: err}
	}
	c.mu.Lock()
	if c.hungup { // Close ran meanwhile
		c.mu.Unlock()
		dev.Close()
		return nil, ErrClosed
	}
	c.dev = dev
	c.mu.Unlock()
	d.stats.calls.Add(1)
	return c, nil
}

// release frees the console after c ended.
func (d *Driver) release(c *call) {
	d.mu.Lock()
	if d.cur == c {
		d.cur = nil
	}
	d.mu.Unlock()
}

func (d *Driver) current() *call {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cur
}

// observe learns the channel the core built around a console Tech (the
// registry announces it before calling Call), for names and caller ID in
// logs and events and for [Driver.Hangup].
func (d *Driver) observe(ev channel.Event) {
	if ev.Type != "new" || ev.Channel == nil {
		return
	}
	if c, ok := ev.Channel.Tech().(*call); ok && c.d == d {
		c.setChannel(ev.Channel)
	}
}

func (d *Driver) emit(ev Event) {
	if d.cfg.OnEvent == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	d.cfg.OnEvent(ev)
}

// Dial places a call from the console (`pbx console dial 600`): it opens
// the sound device and creates the console channel as an inbound call
// entering the dialplan at dest, "exten" or "exten@context" (default
// context Config.Context), run by the configured [Handler]. Media flows at
// once: the console is off hook. It returns the channel's name.
func (d *Driver) Dial(ctx context.Context, dest string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if d.cfg.Handler == nil {
		return "", ErrNoHandler
	}
	exten, ctxName, _ := strings.Cut(strings.TrimSpace(dest), "@")
	if exten == "" || strings.ContainsAny(exten, " \t/") {
		return "", fmt.Errorf("%w: %q (want exten or exten@context)", ErrBadDest, dest)
	}
	if ctxName == "" {
		ctxName = d.cfg.Context
	}
	c, err := d.start(true)
	if err != nil {
		return "", err
	}
	c.answered.Store(true)
	ch, err := d.reg.NewChannel(channel.Config{
		Tech:       c,
		Name:       Name + "/dsp",
		Inbound:    true,
		CallerNum:  d.cfg.CallerNum,
		CallerName: d.cfg.CallerName,
		Context:    ctxName,
		Exten:      exten,
	})
	if err != nil {
		c.Hangup(channel.CauseFailure) // releases the device; NewChannel may have done so
		return "", fmt.Errorf("console: dial %s: %w", exten, err)
	}
	c.setChannel(ch)
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		ch.Hangup(channel.CauseSystemShutdown)
		return "", ErrClosed
	}
	h := d.cfg.Handler
	d.wg.Go(func() {
		d.reg.Serve(ch.Context(), channel.HandlerFunc(func(ctx context.Context, ch *channel.Channel) {
			h(ctx, ch, exten, ctxName)
		}), ch)
	})
	d.mu.Unlock()
	d.log.Info("console dialling", "channel", ch.Name(), "exten", exten, "context", ctxName)
	d.emit(Event{Type: EventDial, Channel: ch.Name(), Exten: exten})
	return ch.Name(), nil
}

// Answer answers the ringing incoming call (`pbx console answer`).
// Answering a call that is already up does nothing; with no call it
// returns ErrNoCall.
func (d *Driver) Answer() error {
	c := d.current()
	if c == nil {
		return ErrNoCall
	}
	return c.answer("console")
}

// Hangup ends the console's call (`pbx console hangup`): a ringing call
// is rejected (CauseCallRejected), an answered or outgoing one cleared
// (CauseNormalClearing). With no call it returns ErrNoCall.
func (d *Driver) Hangup() error {
	c := d.current()
	if c == nil {
		return ErrNoCall
	}
	cause := channel.CauseNormalClearing
	if !c.outgoing && !c.answered.Load() {
		cause = channel.CauseCallRejected
	}
	c.hangupFromConsole(cause)
	return nil
}

// SendDTMF sends digits (0-9, *, #, A-D; case-insensitive) from the
// console into the call (`pbx console dtmf 123`), as DTMF frames the
// dialplan reads. It validates every digit before sending any, and waits
// only while the channel's queue is full, bounded by ctx.
func (d *Driver) SendDTMF(ctx context.Context, digits string) error {
	digits = strings.ToUpper(strings.TrimSpace(digits))
	if digits == "" {
		return fmt.Errorf("%w: no digits", ErrBadDigit)
	}
	for _, r := range digits {
		if !strings.ContainsRune(dtmfDigits, r) {
			return fmt.Errorf("%w: %q", ErrBadDigit, r)
		}
	}
	c := d.current()
	if c == nil {
		return ErrNoCall
	}
	if !c.answered.Load() {
		return ErrNotAnswered
	}
	for _, r := range digits {
		if err := c.queueWait(ctx, frame.NewDTMF(frame.DTMFBegin, r, 0)); err != nil {
			return err
		}
		if err := c.queueWait(ctx, frame.NewDTMF(frame.DTMFEnd, r, dtmfDuration)); err != nil {
			return err
		}
	}
	d.log.Debug("console sent dtmf", "channel", c.name(), "digits", digits)
	return nil
}

// SetMute mutes (true) or unmutes the microphone (`pbx console mute`):
// while muted the console sends silence. It applies to the current and
// later calls.
func (d *Driver) SetMute(on bool) {
	if d.muted.Swap(on) != on {
		d.log.Info("console mute", "muted", on)
	}
}

// Muted reports whether the microphone is muted.
func (d *Driver) Muted() bool { return d.muted.Load() }

// Devices lists the capture and playback devices of the configured
// backend (`pbx console devices`). A machine without a sound card gives
// empty lists and no error.
func (d *Driver) Devices() (DeviceList, error) {
	l, err := d.sys.Devices()
	if l.Backend == "" {
		l.Backend = d.cfg.Backend
		if l.Backend == "" {
			l.Backend = "default"
		}
	}
	if l.Capture == nil {
		l.Capture = []DeviceInfo{}
	}
	if l.Playback == nil {
		l.Playback = []DeviceInfo{}
	}
	return l, err
}

// Stats returns the audio counters since New.
func (d *Driver) Stats() Stats { return d.stats.snapshot() }

// Status is the console's state for `pbx console` and the control
// endpoint.
type Status struct {
	// State is "idle", "ringing" (incoming, not answered), "dialing"
	// (outgoing, the dialplan has not answered), "up" or "hangup" (ending).
	State    string `json:"state"`
	Channel  string `json:"channel,omitempty"`
	Caller   string `json:"caller,omitempty"`
	Outgoing bool   `json:"outgoing,omitempty"`
	Muted    bool   `json:"muted"`
	// Rate is the sample rate in Hz.
	Rate int `json:"rate"`
	// AutoAnswer reports the configured auto-answer setting.
	AutoAnswer bool `json:"auto_answer"`
}

// Status returns the console's current state.
func (d *Driver) Status() Status {
	s := Status{State: "idle"}
	if c := d.current(); c != nil {
		s = c.status()
	}
	s.Muted = d.muted.Load()
	s.Rate = d.cfg.Rate
	s.AutoAnswer = d.cfg.AutoAnswer
	return s
}

// Close hangs up the console's call (CauseSystemShutdown), refuses new
// ones with ErrClosed and waits for the handler goroutines of calls placed
// with Dial. cmd/pbx calls it after the registry's Shutdown.
func (d *Driver) Close() error {
	d.mu.Lock()
	d.closed = true
	c := d.cur
	d.mu.Unlock()
	if c != nil {
		c.hangupFromConsole(channel.CauseSystemShutdown)
		c.Hangup(channel.CauseSystemShutdown)
	}
	d.wg.Wait()
	return nil
}
