package hooks_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/hooks"
	"github.com/pbx-dev/pbx/translate"
)

// A recorder taps what a caller says on a µ-law call and gets it as
// signed linear.
func ExampleSpy() {
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: slog.New(slog.DiscardHandler)})
	defer reg.Shutdown(context.Background())
	phone := channeltest.NewMock(nil) // one ulaw audio stream
	ch, _ := reg.NewChannel(channel.Config{Tech: phone, Name: "Mock/alice"})

	spy, _ := hooks.NewSpy(hooks.SpyConfig{Direction: hooks.DirRead, Paths: translate.NewRegistry()})
	if err := spy.Attach(ch, channel.DefaultStreams); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(spy.Status(), ch.NeedsAudio())

	// The caller speaks: 20 ms of µ-law reach the application.
	said := frame.Get(160)
	said.Kind, said.Format, said.Samples = frame.Voice, format.ULaw, 160
	phone.Inject(said)
	ch.SetReadDeadline(time.Now().Add(time.Second))
	f, _ := ch.Read()
	f.Release()

	rec, _ := spy.ReadFrame(hooks.DirRead, 160)
	fmt.Println(rec.Format, rec.Samples)
	rec.Release()

	spy.Detach()
	<-spy.Done()
	fmt.Println(spy.Status(), ch.NeedsAudio())
	// Output:
	// running true
	// slin 160
	// done false
}

// A dialplan application collects the digits the caller presses.
func ExampleDTMFDetector() {
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: slog.New(slog.DiscardHandler)})
	defer reg.Shutdown(context.Background())
	phone := channeltest.NewMock(nil)
	ch, _ := reg.NewChannel(channel.Config{Tech: phone, Name: "Mock/bob"})

	det, _ := hooks.NewDTMFDetector(hooks.DTMFConfig{})
	det.Attach(ch, channel.DefaultStreams)
	for _, d := range "42#" {
		phone.Inject(frame.NewDTMF(frame.DTMFEnd, d, 100*time.Millisecond))
		ch.SetReadDeadline(time.Now().Add(time.Second))
		f, _ := ch.Read() // the application reads on; the detector only watches
		f.Release()
	}
	ch.Hangup(channel.CauseNormalClearing)
	for d := range det.Digits() { // closed at hangup
		fmt.Print(d)
	}
	fmt.Println()
	// Output: 42#
}

// Volume changes what the party hears; gains follow Asterisk.
func ExampleVolume() {
	v, _ := hooks.NewVolume(hooks.VolumeConfig{WriteGain: 2})
	v.AdjustGain(hooks.DirWrite, 1)
	fmt.Println(v.Gain(hooks.DirRead), v.Gain(hooks.DirWrite))

	s := []int16{1000, -1000, 20000}
	hooks.ApplyGain(s, 3)
	fmt.Println(s)
	hooks.ApplyGain(s, -2)
	fmt.Println(s)
	// Output:
	// 0 3
	// [3000 -3000 32767]
	// [1500 -1500 16383]
}
