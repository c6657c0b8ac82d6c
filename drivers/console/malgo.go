//go:build cgo

package console

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/gen2brain/malgo"
)

// Compiled reports whether the console driver is compiled in (it needs
// cgo).
const Compiled = true

// nullBackend is miniaudio's null backend. malgo v0.11.24's enum leaves
// out ma_backend_custom, so malgo.BackendNull selects the custom backend
// ("No backend"); the null backend is the next value.
const nullBackend = malgo.Backend(malgo.BackendNull + 1)

// New returns the console driver on the sound card through malgo. It
// opens no device: that happens when a call starts, so a machine without a
// sound card fails only the console's calls.
func New(cfg Config) (*Driver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	backend := strings.ToLower(cfg.Backend)
	return newDriver(cfg, &malgoSystem{name: backend, backends: malgoBackends(backend)})
}

// malgoBackends maps a validated backend name to malgo's list (nil: the
// platform default order).
func malgoBackends(name string) []malgo.Backend {
	switch name {
	case "null":
		return []malgo.Backend{nullBackend}
	case "alsa":
		return []malgo.Backend{malgo.BackendAlsa}
	case "pulse":
		return []malgo.Backend{malgo.BackendPulseaudio}
	case "jack":
		return []malgo.Backend{malgo.BackendJack}
	case "oss":
		return []malgo.Backend{malgo.BackendOss}
	case "sndio":
		return []malgo.Backend{malgo.BackendSndio}
	case "audio4":
		return []malgo.Backend{malgo.BackendAudio4}
	case "coreaudio":
		return []malgo.Backend{malgo.BackendCoreaudio}
	case "wasapi":
		return []malgo.Backend{malgo.BackendWasapi}
	case "dsound":
		return []malgo.Backend{malgo.BackendDsound}
	case "winmm":
		return []malgo.Backend{malgo.BackendWinmm}
	}
	return nil
}

// malgoSystem opens devices with malgo: one miniaudio context per device,
// so nothing is held between calls.
type malgoSystem struct {
	name     string // configured backend name, "" for the default list
	backends []malgo.Backend
}

var _ system = (*malgoSystem)(nil)

func (s *malgoSystem) context() (*malgo.AllocatedContext, error) {
	return malgo.InitContext(s.backends, malgo.ContextConfig{}, nil)
}

func freeContext(mctx *malgo.AllocatedContext) error {
	err := mctx.Uninit()
	mctx.Free()
	return err
}

// Devices lists the backend's devices. When no backend initialises (no
// sound card, no sound server) the lists are empty and the error nil.
func (s *malgoSystem) Devices() (DeviceList, error) {
	list := DeviceList{Backend: s.name, Capture: []DeviceInfo{}, Playback: []DeviceInfo{}}
	mctx, err := s.context()
	if err != nil {
		return list, nil
	}
	defer freeContext(mctx)
	for _, k := range []struct {
		kind malgo.DeviceType
		dst  *[]DeviceInfo
	}{{malgo.Capture, &list.Capture}, {malgo.Playback, &list.Playback}} {
		infos, err := mctx.Devices(k.kind)
		if err != nil {
			return list, &DeviceError{Op: "list", Backend: s.name, Err: err}
		}
		for _, in := range infos {
			*k.dst = append(*k.dst, DeviceInfo{ID: in.ID.String(), Name: in.Name(), Default: in.IsDefault != 0})
		}
	}
	return list, nil
}

// Open opens a duplex S16 mono device at cfg.Rate with 20 ms periods.
func (s *malgoSystem) Open(cfg deviceConfig, fn dataFunc) (device, error) {
	mctx, err := s.context()
	if err != nil {
		return nil, &DeviceError{Op: "open", Backend: s.name, Err: fmt.Errorf("no audio backend available (no sound card?): %w", err)}
	}
	dc := malgo.DefaultDeviceConfig(malgo.Duplex)
	dc.SampleRate = uint32(cfg.Rate)
	dc.PeriodSizeInFrames = uint32(cfg.Rate / 50)
	dc.Capture.Format = malgo.FormatS16
	dc.Capture.Channels = 1
	dc.Playback.Format = malgo.FormatS16
	dc.Playback.Channels = 1

	// A chosen device's ID is Go memory that miniaudio reads (and copies)
	// during InitDevice: pin it for that call.
	var pin runtime.Pinner
	defer pin.Unpin()
	for _, k := range []struct {
		kind malgo.DeviceType
		want string
		what string
		dst  *unsafe.Pointer
	}{
		{malgo.Capture, cfg.Capture, "capture device", &dc.Capture.DeviceID},
		{malgo.Playback, cfg.Playback, "playback device", &dc.Playback.DeviceID},
	} {
		if k.want == "" {
			continue
		}
		id, err := findDevice(mctx, k.kind, k.want)
		if err != nil {
			freeContext(mctx)
			return nil, &DeviceError{Op: "open", Backend: s.name, Device: fmt.Sprintf("%s %q", k.what, k.want), Err: err}
		}
		pin.Pin(id)
		*k.dst = unsafe.Pointer(id)
	}

	dev, err := malgo.InitDevice(mctx.Context, dc, malgo.DeviceCallbacks{
		Data: func(out, in []byte, _ uint32) { fn(out, in) },
	})
	if err != nil {
		freeContext(mctx)
		return nil, &DeviceError{Op: "open", Backend: s.name, Err: err}
	}
	return &malgoDevice{ctx: mctx, dev: dev}, nil
}

// findDevice returns the ID of the device of kind named want (its name,
// case-insensitive, or its ID string).
func findDevice(mctx *malgo.AllocatedContext, kind malgo.DeviceType, want string) (*malgo.DeviceID, error) {
	infos, err := mctx.Devices(kind)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(infos))
	for _, in := range infos {
		if strings.EqualFold(in.Name(), want) || in.ID.String() == want {
			id := in.ID
			return &id, nil
		}
		names = append(names, fmt.Sprintf("%q", in.Name()))
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w (the backend lists none)", ErrNoDevice)
	}
	return nil, fmt.Errorf("%w (have %s)", ErrNoDevice, strings.Join(names, ", "))
}

// malgoDevice is an open malgo device with its own context.
type malgoDevice struct {
	ctx  *malgo.AllocatedContext
	dev  *malgo.Device
	once sync.Once
	err  error
}

func (d *malgoDevice) Start() error { return d.dev.Start() }

// Close uninitialises the device (miniaudio stops it and waits for its
// audio thread) and then the context.
func (d *malgoDevice) Close() error {
	d.once.Do(func() {
		d.dev.Uninit()
		d.err = freeContext(d.ctx)
	})
	return d.err
}
