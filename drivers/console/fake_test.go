package console

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeSystem is a hand-written audio system: its devices tick on their
// own goroutine like a sound card's audio thread, capture what the test
// injected and record what the driver played.
type fakeSystem struct {
	period   time.Duration // tick period (20 ms: real time)
	silent   bool          // with nothing injected, capture nothing (nil buffer) instead of zeros
	openErr  error
	startErr error
	list     DeviceList
	listErr  error

	opened chan *fakeDevice
}

var _ system = (*fakeSystem)(nil)

func newFakeSystem() *fakeSystem {
	return &fakeSystem{period: 20 * time.Millisecond, opened: make(chan *fakeDevice, 16)}
}

func (s *fakeSystem) Open(cfg deviceConfig, fn dataFunc) (device, error) {
	if s.openErr != nil {
		return nil, s.openErr
	}
	d := &fakeDevice{
		cfg: cfg, fn: fn, frameBytes: cfg.Rate / 50 * 2, period: s.period,
		silent: s.silent, startErr: s.startErr, stop: make(chan struct{}),
	}
	select {
	case s.opened <- d:
	default:
	}
	return d, nil
}

func (s *fakeSystem) Devices() (DeviceList, error) { return s.list, s.listErr }

// device returns the next device the driver opened.
func (s *fakeSystem) device(t *testing.T) *fakeDevice {
	t.Helper()
	select {
	case d := <-s.opened:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no device opened within 5 s")
		return nil
	}
}

type fakeDevice struct {
	cfg        deviceConfig
	fn         dataFunc
	frameBytes int
	period     time.Duration
	silent     bool
	startErr   error

	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once

	mu      sync.Mutex
	input   []byte
	played  []byte
	started bool
	closed  bool
}

func (d *fakeDevice) Start() error {
	if d.startErr != nil {
		return d.startErr
	}
	d.mu.Lock()
	d.started = true
	d.mu.Unlock()
	d.wg.Go(d.run)
	return nil
}

func (d *fakeDevice) Close() error {
	d.closeOnce.Do(func() {
		close(d.stop)
		d.wg.Wait()
		d.mu.Lock()
		d.closed = true
		d.mu.Unlock()
	})
	return nil
}

// run is the fake audio thread.
func (d *fakeDevice) run() {
	t := time.NewTicker(d.period)
	defer t.Stop()
	in := make([]byte, d.frameBytes)
	out := make([]byte, d.frameBytes)
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
		}
		d.tick(in, out)
	}
}

// tick is one period: capture injected audio (or zeros), call the
// driver, record what it played.
func (d *fakeDevice) tick(in, out []byte) {
	d.mu.Lock()
	n := copy(in, d.input)
	d.input = d.input[n:]
	clear(in[n:])
	d.mu.Unlock()
	capture := in
	if n == 0 && d.silent {
		capture = nil
	}
	for i := range out {
		out[i] = 0xAA // garbage: the driver must fill all of out
	}
	d.fn(out, capture)
	d.mu.Lock()
	d.played = append(d.played, out...)
	d.mu.Unlock()
}

// inject queues p as audio the microphone will capture.
func (d *fakeDevice) inject(p []byte) {
	d.mu.Lock()
	d.input = append(d.input, p...)
	d.mu.Unlock()
}

// playedAudio returns a copy of everything the driver played.
func (d *fakeDevice) playedAudio() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.played)
}

func (d *fakeDevice) isClosed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closed
}
