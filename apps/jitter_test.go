package apps_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/frame"
)

// jitterMock is a mock driver with a jitter buffer switch that records
// every call.
type jitterMock struct {
	*channeltest.Mock

	mu    sync.Mutex
	calls []bool
}

func (j *jitterMock) SetJitterBuffer(on bool) error {
	j.mu.Lock()
	j.calls = append(j.calls, on)
	j.mu.Unlock()
	return nil
}

func (j *jitterMock) switched() []bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.calls)
}

// wrapped is a Tech wrapper (as a Local channel or a test fault injector
// would be); capabilities are found through Unwrap.
type wrapped struct{ channel.Tech }

func (w wrapped) Unwrap() channel.Tech { return w.Tech }

// TestJitterBufferForTerminatingApps: the runner turns the driver's
// jitter buffer on before applications that consume the caller's audio
// (Echo, StreamEcho, Read, Playback, Background), found through Tech
// wrappers, and leaves it alone for the others; Dial and ConfBridge leave
// the choice to their bridge (DESIGN.md §10, issue 5).
func TestJitterBufferForTerminatingApps(t *testing.T) {
	tests := map[string]struct {
		app  string
		want []bool
	}{
		"Echo":            {app: "Echo()", want: []bool{true}},
		"StreamEcho":      {app: "StreamEcho()", want: []bool{true}},
		"Read":            {app: "Read(X,,1)", want: []bool{true}},
		"Playback":        {app: "Playback(hello)", want: []bool{true}},
		"Background":      {app: "Background(hello)", want: []bool{true}},
		"Answer and Wait": {app: "Answer()\n same => n,Wait(0)", want: nil},
		"SendDTMF":        {app: "SendDTMF(1,40)", want: nil},
		"WaitExten":       {app: "WaitExten(0.01)", want: nil},
		"Set":             {app: "Set(A=1)", want: nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := setup(t, "[default]\nexten => s,1,"+tc.app+"\n same => n,Hangup()\n")
			jm := &jitterMock{Mock: channeltest.NewMock(nil)}
			ch, err := f.reg.NewChannel(channel.Config{Tech: wrapped{jm}, Name: "Mock/caller", Inbound: true, Context: "default", Exten: "s", CallerNum: "1001"})
			if err != nil {
				t.Fatal(err)
			}
			// '#' ends Echo and StreamEcho, and Read with its digits.
			jm.Inject(frame.NewDTMF(frame.DTMFEnd, '#', 100*time.Millisecond))
			done := make(chan struct{})
			go func() {
				defer close(done)
				f.reg.Serve(context.Background(), f.runner, ch)
			}()
			wait(t, done)
			if got := jm.switched(); !slices.Equal(got, tc.want) {
				t.Errorf("jitter buffer switched %v, want %v", got, tc.want)
			}
		})
	}
}
