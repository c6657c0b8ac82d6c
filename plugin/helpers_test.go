package plugin_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/plugin"
)

// syncWriter collects log output written from several goroutines.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// equalLoaded compares reports, errors by message.
func equalLoaded(a, b []plugin.Loaded) bool {
	return slices.EqualFunc(a, b, func(x, y plugin.Loaded) bool {
		return x.Path == y.Path && x.Name == y.Name && x.Version == y.Version &&
			slices.Equal(x.Drivers, y.Drivers) && slices.Equal(x.Apps, y.Apps) &&
			errString(x.Err) == errString(y.Err)
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// fakeDriver is a driver that only has a name.
type fakeDriver string

func (d fakeDriver) Name() string { return string(d) }
func (d fakeDriver) Request(context.Context, string, *topology.Topology) (channel.Tech, error) {
	return nil, errors.New("fake driver")
}
