package topology

import (
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
)

// newStream returns an unnamed stream of type mt in state st holding fs.
func newStream(mt format.MediaType, st stream.State, fs ...format.Format) *stream.Stream {
	s := stream.New("", mt)
	s.SetState(st)
	s.SetFormats(format.NewCaps(fs...))
	return s
}

// mustParse parses a topology written in the String form.
func mustParse(t testing.TB, s string) *Topology {
	t.Helper()
	top, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return top
}

// at returns stream i of top or fails the test.
func at(t testing.TB, top *Topology, i int) *stream.Stream {
	t.Helper()
	s, ok := top.Stream(i)
	if !ok {
		t.Fatalf("Stream(%d) of %v: out of range", i, top)
	}
	return s
}

func mustPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	fn()
}

// threeStreams is the topology used by benchmarks and several tests.
const threeStreams = "<0:audio-0:audio:sendrecv (opus|ulaw|alaw)> <1:video-1:video:sendonly (h264|vp8)> <2:text-2:text:recvonly (t140)>"
