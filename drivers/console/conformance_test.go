package console

import (
	"context"
	"testing"

	"github.com/pbx-dev/pbx/core/channel/channeltest"
)

// TestConformance runs the channel driver contract on a console Tech
// answered from the console, its microphone a fake device.
func TestConformance(t *testing.T) {
	channeltest.Run(t, func(t *testing.T) channeltest.Harness {
		sys := newFakeSystem()
		sys.silent = true // only what Send injects becomes voice frames
		f := newFixture(t, Config{}, sys)
		tech, err := f.d.Request(context.Background(), "dsp", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tech.Call(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := f.d.Answer(); err != nil {
			t.Fatal(err)
		}
		dev := sys.device(t)
		return channeltest.Harness{
			Tech: tech,
			Send: func(p []byte) {
				frame := make([]byte, f.d.frameBytes)
				copy(frame, p)
				dev.inject(frame)
			},
			Close: func() { f.d.Close() },
		}
	})
}
