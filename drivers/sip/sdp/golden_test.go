package sdp

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenCaps is the local configuration the answer goldens are made with.
var goldenCaps = Capabilities{Formats: format.NewCaps(format.G722, format.ULaw, format.ALaw, format.Opus,
	format.SLin16, format.TelephoneEvent, format.H264, format.VP8, format.T140)}

// checkGolden compares got with testdata/name.golden, or rewrites it with
// -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -run %s -update to accept):\n--- got\n%s\n--- want\n%s", path, t.Name(), got, want)
	}
}

// renderSDP shows a generated description with CRLF turned into LF (the
// tests check CRLF separately) and indented.
func renderSDP(b []byte) string {
	if !strings.HasSuffix(string(b), "\r\n") {
		return "  (not CRLF-terminated!)\n"
	}
	var sb strings.Builder
	for l := range strings.SplitSeq(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		sb.WriteString("  " + l + "\n")
	}
	return sb.String()
}

// renderResult prints a result in a stable, reviewable form.
func renderResult(r *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "topology: %v\nchange: %v\n", r.Topology, r.Change)
	for i, m := range r.Media {
		fmt.Fprintf(&b, "media %d: %s %s", i, m.Type, m.State)
		if m.Declined != nil {
			fmt.Fprintf(&b, " declined=%q", m.Declined.Error())
		}
		if m.State != stream.Removed {
			fmt.Fprintf(&b, " port=%d remote=%s rtcp=%s mux=%v ptime=%d", m.LocalPort, addr(m.Remote.String()), addr(m.RemoteRTCP.String()), m.RTCPMux, m.PTime)
			fmt.Fprintf(&b, " send=%s recv=%s dtmf=%s/%s", codecList(m.Send), codecList(m.Recv), m.SendDTMF, m.RecvDTMF)
		}
		if len(m.SSRCs) > 0 {
			fmt.Fprintf(&b, " ssrcs=%v", m.SSRCs)
		}
		if m.MID != "" || m.Label != "" {
			fmt.Fprintf(&b, " mid=%q label=%q", m.MID, m.Label)
		}
		b.WriteByte('\n')
	}
	if r.Warnings != nil {
		for w := range strings.SplitSeq(r.Warnings.Error(), "\n") {
			fmt.Fprintf(&b, "warning: %s\n", w)
		}
	}
	return b.String()
}

func addr(s string) string {
	if s == "invalid AddrPort" {
		return "-"
	}
	return s
}

func codecList(cs []Codec) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
		if c.Format.FMTP != "" {
			parts[i] += "(" + c.Format.FMTP + ")"
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// TestGolden_Answers answers every testdata/*.sdp offer with goldenCaps and
// compares the answer, the result and the preview of ParseOffer with
// testdata/answer_<name>.golden (or the error).
func TestGolden_Answers(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.sdp"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.sdp: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".sdp")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			fmt.Fprintf(&b, "# answer to testdata/%s.sdp\n", name)
			s, _ := newSession(t)
			a, err := s.Offer(in, goldenCaps)
			if err != nil {
				fmt.Fprintf(&b, "error: %v\n", err)
				if strings.HasPrefix(name, "malformed_") && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBadPort) &&
					!errors.Is(err, ErrBadPayloadType) && !errors.Is(err, ErrTooManyStreams) && !errors.Is(err, ErrNoConnection) {
					t.Errorf("malformed input gave %v", err)
				}
			} else {
				if strings.HasPrefix(name, "malformed_") {
					t.Error("malformed input accepted")
				}
				b.WriteString(renderResult(&a.Result))
				b.WriteString("sdp:\n")
				b.WriteString(renderSDP(a.SDP))
			}
			if p, err := ParseOffer(in); err == nil {
				fmt.Fprintf(&b, "# preview (ParseOffer)\n%s", renderResult(p))
			}
			checkGolden(t, "answer_"+name, b.String())
		})
	}
}

// goldenStep is one step of an offer scenario.
type goldenStep struct {
	title  string
	offer  *topology.Topology // MakeOffer with this topology
	answer string             // then Answer with this remote description
	remote string             // or Offer with this remote description
}

// TestGolden_Offers runs PBX-side scenarios and records every generated
// description and negotiated result in testdata/offer_<name>.golden.
func TestGolden_Offers(t *testing.T) {
	audio := func(st stream.State, fs ...format.Format) *stream.Stream { return mkStream(format.Audio, st, fs...) }
	video := func(st stream.State, fs ...format.Format) *stream.Stream { return mkStream(format.Video, st, fs...) }
	labelled := func(s *stream.Stream, label string) *stream.Stream { s.SetMetadata("label", label); return s }
	scenarios := map[string][]goldenStep{
		"audio": {{
			title:  "outbound call, G.711",
			offer:  topology.FromFormats(format.NewCaps(format.ULaw, format.ALaw)),
			answer: "m=audio 5000 RTP/AVP 8 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\n",
		}},
		"audio_video": {{
			title:  "outbound video call",
			offer:  topology.FromFormats(format.NewCaps(format.Opus, format.ULaw, format.H264, format.VP8)),
			answer: "m=audio 5000 RTP/AVP 96 0 97\na=rtpmap:96 opus/48000/2\na=rtpmap:97 telephone-event/48000\na=rtcp-mux\nm=video 5002 RTP/AVP 100\na=rtpmap:100 VP8/90000\na=rtcp-mux\n",
		}},
		"multistream": {{
			title: "audio, two videos, text and a removed slot",
			offer: topo(
				audio(stream.SendRecv, format.G722, format.ULaw),
				labelled(video(stream.SendRecv, format.H264), "camera"),
				labelled(video(stream.SendOnly, format.VP8, format.H264), "screen"),
				mkStream(format.Text, stream.SendRecv, format.T140),
				video(stream.Removed),
			),
			answer: "m=audio 5000 RTP/AVP 9\nm=video 5002 RTP/AVP 99\na=rtpmap:99 H264/90000\nm=video 5004 RTP/AVP 99\na=rtpmap:99 H264/90000\na=recvonly\nm=text 0 RTP/AVP 101\nm=video 0 RTP/AVP 0\n",
		}},
		"hold_resume": {
			{
				title:  "call",
				offer:  topology.FromFormats(format.NewCaps(format.ULaw)),
				answer: "m=audio 5000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\n",
			},
			{
				title:  "PBX holds",
				offer:  topo(audio(stream.SendOnly, format.ULaw)),
				answer: "m=audio 5000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\na=recvonly\n",
			},
			{
				title:  "PBX resumes",
				offer:  topology.FromFormats(format.NewCaps(format.ULaw)),
				answer: "m=audio 5000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\n",
			},
			{
				title:  "PBX re-sends the same offer (version unchanged)",
				offer:  topology.FromFormats(format.NewCaps(format.ULaw)),
				answer: "m=audio 5000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\n",
			},
		},
		"remote_then_local": {
			{
				title:  "inbound call, audio only",
				remote: "m=audio 4000 RTP/AVP 111 8 101\na=rtpmap:111 opus/48000/2\na=rtpmap:101 telephone-event/8000\na=mid:a\n",
			},
			{
				title:  "PBX adds video",
				offer:  topo(audio(stream.SendRecv, format.ALaw, format.Opus), video(stream.SendRecv, format.VP8)),
				answer: "m=audio 4000 RTP/AVP 8 101\na=rtpmap:101 telephone-event/8000\na=mid:a\nm=video 4002 RTP/AVP 96\na=rtpmap:96 VP8/90000\na=mid:1\n",
			},
			{
				title:  "remote holds everything",
				remote: "m=audio 4000 RTP/AVP 111 8 101\na=rtpmap:111 opus/48000/2\na=rtpmap:101 telephone-event/8000\na=mid:a\na=sendonly\nm=video 4002 RTP/AVP 96\na=rtpmap:96 VP8/90000\na=mid:1\na=inactive\n",
			},
			{
				title:  "remote removes video",
				remote: "m=audio 4000 RTP/AVP 111 8 101\na=rtpmap:111 opus/48000/2\na=rtpmap:101 telephone-event/8000\na=mid:a\nm=video 0 RTP/AVP 96\na=mid:1\n",
			},
		},
	}
	for name, steps := range scenarios {
		t.Run(name, func(t *testing.T) {
			s, _ := newSession(t)
			var b strings.Builder
			for i, st := range steps {
				fmt.Fprintf(&b, "# step %d: %s\n", i+1, st.title)
				switch {
				case st.offer != nil:
					off, err := s.MakeOffer(st.offer)
					if err != nil {
						t.Fatalf("step %d: MakeOffer: %v", i+1, err)
					}
					fmt.Fprintf(&b, "offer for %v:\n%s", st.offer, renderSDP(off))
					if _, err := s.Answer(desc(st.answer)); err != nil {
						t.Fatalf("step %d: Answer: %v", i+1, err)
					}
					b.WriteString(renderResult(s.Negotiated()))
				default:
					a, err := s.Offer(desc(st.remote), goldenCaps)
					if err != nil {
						t.Fatalf("step %d: Offer: %v", i+1, err)
					}
					b.WriteString(renderResult(&a.Result))
					fmt.Fprintf(&b, "answer:\n%s", renderSDP(a.SDP))
				}
			}
			checkGolden(t, "offer_"+name, b.String())
		})
	}
}
