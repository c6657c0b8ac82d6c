package sdp

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

func addSeeds(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.sdp"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds in testdata/*.sdp: %v", err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParseOffer feeds arbitrary bodies to ParseOffer and Session.Offer.
// Properties: nothing panics; both agree on what parses; an accepted offer
// is answered with its m-line count and media tokens; the answer reads
// back cleanly (no warnings) and, offered to a second Session, is accepted
// with every stream still active and mirrored; re-sending the offer is a
// no-op (same answer bytes, ChangeNone); and a PBX offer made from the
// result completes a round trip through a third Session.
func FuzzParseOffer(f *testing.F) {
	addSeeds(f)
	caps := Capabilities{Formats: allFormats}
	f.Fuzz(func(t *testing.T, b []byte) {
		preview, perr := ParseOffer(b)
		s, _ := newSession(t)
		a, err := s.Offer(b, caps)
		if perr != nil {
			if err == nil {
				t.Fatalf("ParseOffer failed (%v) but Offer accepted", perr)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, ErrNotAcceptable) {
				t.Fatalf("ParseOffer accepted but Offer failed: %v", err)
			}
			return
		}
		n := preview.Topology.Len()
		if a.Topology.Len() != n || len(a.Media) != n || len(preview.Media) != n {
			t.Fatalf("topology %d / media %d, offer has %d m-lines", a.Topology.Len(), len(a.Media), n)
		}
		d, err := parse(a.SDP)
		if err != nil {
			t.Fatalf("own answer does not parse: %v\n%s", err, a.SDP)
		}
		if len(d.warnings) != 0 {
			t.Fatalf("own answer has warnings: %v\n%s", errJoin(d.warnings), a.SDP)
		}
		offer, _ := parse(b)
		if len(d.lines) != n {
			t.Fatalf("answer has %d m-lines, offer %d", len(d.lines), n)
		}
		for i := range d.lines {
			if d.lines[i].media != offer.lines[i].media || d.lines[i].proto != offer.lines[i].proto {
				t.Fatalf("m-line %d: answer %s %s, offer %s %s", i, d.lines[i].media, d.lines[i].proto, offer.lines[i].media, offer.lines[i].proto)
			}
		}

		// The answer, offered back to a second session.
		s2, _ := newSession(t)
		a2, err := s2.Offer(a.SDP, caps)
		if err != nil {
			t.Fatalf("answer offered back: %v\n%s", err, a.SDP)
		}
		if a2.Topology.Len() != n {
			t.Fatalf("second answer has %d streams, want %d", a2.Topology.Len(), n)
		}
		for i, m := range a.Media {
			if m.State == stream.Removed {
				continue
			}
			if got := a2.Media[i].State; got != m.State.Mirror() {
				t.Fatalf("stream %d: %v answered back as %v, want %v", i, m.State, got, m.State.Mirror())
			}
		}

		// Re-sending the same offer changes nothing.
		a3, err := s.Offer(b, caps)
		if err != nil {
			t.Fatalf("same offer again: %v", err)
		}
		if a3.Change != ChangeNone || !bytes.Equal(a3.SDP, a.SDP) {
			t.Fatalf("same offer again: change %v, answer\n%s\nvs\n%s", a3.Change, a3.SDP, a.SDP)
		}

		// The PBX re-offers what it negotiated; a third session answers.
		off, err := s.MakeOffer(a.Topology)
		if err != nil {
			t.Fatalf("MakeOffer(%v): %v", a.Topology, err)
		}
		s3, _ := newSession(t)
		a4, err := s3.Offer(off, caps)
		if err != nil {
			t.Fatalf("own offer rejected: %v\n%s", err, off)
		}
		got, err := s.Answer(a4.SDP)
		if err != nil {
			t.Fatalf("own answer to own offer rejected: %v\noffer:\n%s\nanswer:\n%s", err, off, a4.SDP)
		}
		if got.Len() != n || got.ActiveLen() != a.Topology.ActiveLen() {
			t.Fatalf("round trip %v, want the shape of %v", got, a.Topology)
		}
	})
}

// FuzzAnswer feeds arbitrary answers to a pending PBX offer. Properties:
// nothing panics; an error leaves the offer pending; a success has the
// offer's stream count and never activates a stream the PBX offered as
// removed.
func FuzzAnswer(f *testing.F) {
	addSeeds(f)
	f.Add(desc(mAudioPCMU, mVideoH264, "m=video 0 RTP/AVP 0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, _ := newSession(t)
		tp := topology.New(
			mkStream(format.Audio, stream.SendRecv, format.ULaw, format.Opus),
			mkStream(format.Video, stream.SendOnly, format.H264),
			mkStream(format.Video, stream.Removed),
		)
		if _, err := s.MakeOffer(tp); err != nil {
			t.Fatal(err)
		}
		got, err := s.Answer(b)
		if err != nil {
			if !s.Pending() {
				t.Fatal("a failed answer dropped the pending offer")
			}
			return
		}
		if got.Len() != 3 || !streamOf(t, got, 2).IsRemoved() {
			t.Fatalf("topology %v", got)
		}
		if st := streamOf(t, got, 1).State(); st.Receives() {
			t.Fatalf("video offered sendonly became %v", st)
		}
	})
}
