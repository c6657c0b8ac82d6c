package console

// dataFunc is the device's data callback: it fills out (playback) and
// consumes in (capture), both little-endian signed 16-bit mono at the
// configured rate. Either may be nil (a half-duplex period). Both slices
// are valid only during the call (malgo hands out C memory); the function
// must copy what it needs, and must not block, allocate or log.
type dataFunc func(out, in []byte)

// device is one open duplex sound device: the small part of malgo the
// driver needs, so tests run on a fake without hardware. The real
// implementation (malgo.go) needs cgo.
type device interface {
	// Start starts calling the data function on the device's audio
	// thread. Called once, by the goroutine that opened the device.
	Start() error
	// Close stops the device and releases it. When it returns the data
	// function is not running and will not be called again. Called once,
	// from any goroutine except the audio thread; may block for about one
	// period while the audio thread finishes.
	Close() error
}

// system is the audio system devices are opened on.
type system interface {
	// Open opens a duplex device as cfg says, delivering audio to fn. The
	// device is stopped until Start. Errors are *DeviceError.
	Open(cfg deviceConfig, fn dataFunc) (device, error)
	// Devices lists the capture and playback devices. A machine without a
	// sound card (no backend initialises) gives empty lists and no error.
	Devices() (DeviceList, error)
}

// deviceConfig is what the driver asks of a device.
type deviceConfig struct {
	Rate              int    // Hz; 20 ms periods, mono, signed 16-bit
	Capture, Playback string // device name or ID; "" is the default device
}

// DeviceInfo describes one sound device.
type DeviceInfo struct {
	// ID is the backend's device identifier, as a hex string.
	ID string `json:"id"`
	// Name is the human-readable device name, such as "NULL Capture Device".
	Name string `json:"name"`
	// Default marks the backend's default device.
	Default bool `json:"default"`
}

// DeviceList is the answer to [Driver.Devices].
type DeviceList struct {
	// Backend is the configured backend ("default" for the platform list).
	Backend string `json:"backend"`
	// Capture and Playback list the devices; both are empty (not nil) on
	// a machine without a sound card.
	Capture  []DeviceInfo `json:"capture"`
	Playback []DeviceInfo `json:"playback"`
}
