package sdp

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

// portBook is a deterministic PortFunc recording its calls.
type portBook struct {
	calls []string
	fail  error
}

func (p *portBook) next(i int, mt format.MediaType) (int, error) {
	if p.fail != nil {
		return 0, p.fail
	}
	p.calls = append(p.calls, fmt.Sprintf("%d:%s", i, mt))
	return 10000 + 2*(len(p.calls)-1), nil
}

// allFormats is a local configuration with every well-known format.
var allFormats = format.NewCaps(format.ULaw, format.ALaw, format.G722, format.Opus,
	format.SLin8, format.SLin16, format.SLin48, format.TelephoneEvent,
	format.H264, format.VP8, format.VP9, format.T140)

func testConfig(p *portBook) Config {
	return Config{
		Address:        netip.MustParseAddr("192.0.2.10"),
		Ports:          p.next,
		SessionID:      4242,
		SessionVersion: 1,
	}
}

// newSession returns a deterministic session and its port book; mods edit
// the config.
func newSession(t testing.TB, mods ...func(*Config)) (*Session, *portBook) {
	t.Helper()
	p := &portBook{}
	cfg := testConfig(p)
	for _, m := range mods {
		m(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, p
}

// remoteHeader is the session part of the remote descriptions in tests.
const remoteHeader = "v=0\no=remote 100 1 IN IP4 198.51.100.7\ns=-\nc=IN IP4 198.51.100.7\nt=0 0\n"

// desc builds a remote description from the header and m-sections, with
// LF line ends (the parser accepts both; see TestParse_LineEndings).
func desc(sections ...string) []byte {
	return []byte(remoteHeader + strings.Join(sections, ""))
}

// Typical remote m-sections.
const (
	mAudioPCMU = "m=audio 4000 RTP/AVP 0 8 101\na=rtpmap:0 PCMU/8000\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\na=sendrecv\n"
	mVideoH264 = "m=video 4002 RTP/AVP 97\na=rtpmap:97 H264/90000\na=fmtp:97 packetization-mode=1\na=sendrecv\n"
	mVideoVP8  = "m=video 4004 RTP/AVP 98\na=rtpmap:98 VP8/90000\na=sendrecv\n"
)

// sections splits a description into its session part (index 0 of the
// result is the session part) and m-sections, each a list of lines
// without line ends.
func sections(b []byte) [][]string {
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	var out [][]string
	cur := []string{}
	for l := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(l, "m=") {
			out = append(out, cur)
			cur = []string{}
		}
		cur = append(cur, l)
	}
	return append(out, cur)
}

// msection returns the lines of m-section i.
func msection(t testing.TB, b []byte, i int) []string {
	t.Helper()
	s := sections(b)
	if i+1 >= len(s) {
		t.Fatalf("no m-section %d in:\n%s", i, b)
	}
	return s[i+1]
}

func mcount(b []byte) int { return len(sections(b)) - 1 }

func wantLine(t testing.TB, lines []string, want string) {
	t.Helper()
	if !slices.Contains(lines, want) {
		t.Errorf("missing line %q in %q", want, lines)
	}
}

func noLine(t testing.TB, lines []string, prefix string) {
	t.Helper()
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			t.Errorf("unexpected line %q in %q", l, lines)
		}
	}
}

func origin(t testing.TB, b []byte) string {
	t.Helper()
	for _, l := range sections(b)[0] {
		if strings.HasPrefix(l, "o=") {
			return l
		}
	}
	t.Fatalf("no o= line in %s", b)
	return ""
}

func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// streamOf returns stream i of topo or fails.
func streamOf(t testing.TB, topo *topology.Topology, i int) *stream.Stream {
	t.Helper()
	st, ok := topo.Stream(i)
	if !ok {
		t.Fatalf("no stream %d in %v", i, topo)
	}
	return st
}

// topo builds a topology from (type, state, formats) triples.
func topo(streams ...*stream.Stream) *topology.Topology { return topology.New(streams...) }

func mkStream(mt format.MediaType, st stream.State, fs ...format.Format) *stream.Stream {
	s := stream.New("", mt)
	s.SetState(st)
	s.SetFormats(format.NewCaps(fs...))
	return s
}
