package frame

import "testing"

func TestKindString(t *testing.T) {
	want := map[Kind]string{
		KindUnknown: "unknown", Voice: "voice", Video: "video", DTMFBegin: "dtmf-begin",
		DTMFEnd: "dtmf-end", Control: "control", Text: "text", Image: "image", Null: "null", 200: "unknown",
	}
	for k, w := range want {
		t.Run("given kind "+w+" then String is stable", func(t *testing.T) {
			if got := k.String(); got != w {
				t.Errorf("Kind(%d).String() = %q, want %q", k, got, w)
			}
		})
	}
	t.Run("given each kind then only voice, video, text and image are media", func(t *testing.T) {
		for k := range Kind(20) {
			media := k == Voice || k == Video || k == Text || k == Image
			if k.IsMedia() != media {
				t.Errorf("Kind %v IsMedia = %v", k, k.IsMedia())
			}
		}
	})
}

func TestControlType(t *testing.T) {
	want := map[ControlType]string{
		ControlUnknown: "unknown", Hangup: "hangup", Ringing: "ringing", Progress: "progress",
		Answer: "answer", Busy: "busy", Congestion: "congestion", Hold: "hold", Unhold: "unhold",
		VideoUpdate: "video-update", SourceUpdate: "source-update",
		TopologyRequestChange: "topology-request-change", TopologyChanged: "topology-changed",
		TopologySourceChanged: "topology-source-changed", Proceeding: "proceeding", 250: "unknown",
	}
	for c, w := range want {
		t.Run("given control "+w+" then String is stable", func(t *testing.T) {
			if got := c.String(); got != w {
				t.Errorf("ControlType(%d).String() = %q, want %q", c, got, w)
			}
		})
	}
	t.Run("given the three topology subclasses then IsTopology, and no other", func(t *testing.T) {
		for c := range ControlType(30) {
			topo := c == TopologyRequestChange || c == TopologyChanged || c == TopologySourceChanged
			if c.IsTopology() != topo {
				t.Errorf("%v.IsTopology() = %v", c, c.IsTopology())
			}
		}
	})
}
