package topology

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
)

func TestAppend(t *testing.T) {
	t.Run("given unnamed streams when appended then named type-position with dense positions", func(t *testing.T) {
		top := New()
		for i, mt := range []format.MediaType{format.Audio, format.Video, format.Audio} {
			pos, err := top.Append(stream.New("", mt))
			if err != nil || pos != i {
				t.Fatalf("Append #%d = %d, %v", i, pos, err)
			}
		}
		var got []string
		for i, s := range top.Streams() {
			got = append(got, s.Name())
			if s.Position() != i {
				t.Errorf("stream %d position %d", i, s.Position())
			}
		}
		if want := []string{"audio-0", "video-1", "audio-2"}; !slices.Equal(got, want) {
			t.Errorf("names = %v, want %v", got, want)
		}
	})
	t.Run("given a named stream when appended then the name is kept", func(t *testing.T) {
		top := New(stream.New("cam", format.Video))
		if n := at(t, top, 0).Name(); n != "cam" {
			t.Errorf("name = %q", n)
		}
	})
	t.Run("given a stream in another topology when appended then stream.ErrAttached", func(t *testing.T) {
		s := stream.New("", format.Audio)
		a, b := New(s), New()
		pos, err := b.Append(s)
		if !errors.Is(err, stream.ErrAttached) || pos != -1 {
			t.Errorf("Append = %d, %v; want -1, ErrAttached", pos, err)
		}
		if b.Len() != 0 || s.Position() != 0 || a.Len() != 1 {
			t.Errorf("failed Append changed state: a %v b %v", a, b)
		}
	})
	t.Run("given a stream already in this topology when appended again then stream.ErrAttached", func(t *testing.T) {
		s := stream.New("", format.Audio)
		top := New(s)
		if _, err := top.Append(s); !errors.Is(err, stream.ErrAttached) {
			t.Errorf("second Append of the same stream = %v, want ErrAttached", err)
		}
		if top.Len() != 1 || s.Position() != 0 {
			t.Errorf("after failed Append: len %d position %d", top.Len(), s.Position())
		}
	})
	t.Run("given a stream in another topology when passed to New then panic", func(t *testing.T) {
		s := stream.New("", format.Audio)
		New(s)
		mustPanic(t, "New(attached stream)", func() { New(s) })
	})
}

func TestSet(t *testing.T) {
	t.Run("given index == Len when Set then appended and auto-named (Asterisk quirk fixed)", func(t *testing.T) {
		top := New(stream.New("", format.Audio))
		s := stream.New("", format.Video)
		if err := top.Set(1, s); err != nil {
			t.Fatalf("Set(Len) = %v", err)
		}
		if top.Len() != 2 || s.Name() != "video-1" || s.Position() != 1 {
			t.Errorf("after Set(Len): %v", top)
		}
	})
	t.Run("given index == Len of an empty topology when Set then auto-named", func(t *testing.T) {
		top := New()
		s := stream.New("", format.Audio)
		if err := top.Set(0, s); err != nil || s.Name() != "audio-0" {
			t.Errorf("Set(0) on empty = %v, name %q", err, s.Name())
		}
	})
	for _, i := range []int{2, 10, -1} {
		t.Run(fmt.Sprintf("given index %d outside 0..Len when Set then ErrOutOfRange", i), func(t *testing.T) {
			top := New(stream.New("", format.Audio))
			s := stream.New("", format.Video)
			if err := top.Set(i, s); !errors.Is(err, ErrOutOfRange) {
				t.Errorf("Set(%d) = %v, want ErrOutOfRange", i, err)
			}
			if top.Len() != 1 || s.Position() != -1 || s.Name() != "" {
				t.Errorf("failed Set changed state: %v, stream %v", top, s)
			}
			if _, err := New().Append(s); err != nil {
				t.Errorf("stream left attached after failed Set: %v", err)
			}
		})
	}
	t.Run("given an index in range when Set then replaced, auto-named and the old stream detached", func(t *testing.T) {
		old := stream.New("", format.Audio)
		top := New(old, stream.New("", format.Video))
		s := stream.New("", format.Text)
		if err := top.Set(0, s); err != nil {
			t.Fatal(err)
		}
		if at(t, top, 0) != s || s.Name() != "text-0" || s.Position() != 0 || top.Len() != 2 {
			t.Errorf("after Set: %v", top)
		}
		if old.Position() != -1 {
			t.Errorf("old stream position = %d, want -1", old.Position())
		}
		if _, err := New().Append(old); err != nil {
			t.Errorf("old stream not detached: %v", err)
		}
	})
	t.Run("given the stream already at i when Set then no-op", func(t *testing.T) {
		s := stream.New("mine", format.Audio)
		top := New(s)
		before := top.String()
		if err := top.Set(0, s); err != nil {
			t.Fatalf("Set(same) = %v", err)
		}
		if top.String() != before || s.Position() != 0 || at(t, top, 0) != s {
			t.Errorf("Set(same) changed %v to %v", before, top)
		}
	})
	t.Run("given a stream at another index of the same topology when Set then stream.ErrAttached", func(t *testing.T) {
		a, v := stream.New("", format.Audio), stream.New("", format.Video)
		top := New(a, v)
		if err := top.Set(1, a); !errors.Is(err, stream.ErrAttached) {
			t.Errorf("Set(1, stream at 0) = %v, want ErrAttached", err)
		}
		if at(t, top, 1) != v || a.Position() != 0 || v.Position() != 1 {
			t.Errorf("failed Set changed %v", top)
		}
	})
	t.Run("given a stream in another topology when Set then stream.ErrAttached", func(t *testing.T) {
		s := stream.New("", format.Audio)
		New(s)
		top := New(stream.New("", format.Video))
		for _, i := range []int{0, 1} {
			if err := top.Set(i, s); !errors.Is(err, stream.ErrAttached) {
				t.Errorf("Set(%d, attached) = %v, want ErrAttached", i, err)
			}
		}
		if top.Len() != 1 || s.Position() != 0 {
			t.Errorf("failed Set changed state: %v", top)
		}
	})
}

func TestDelete(t *testing.T) {
	t.Run("given a middle stream when deleted then later ones renumber densely but keep their names", func(t *testing.T) {
		a, v, x := stream.New("", format.Audio), stream.New("", format.Video), stream.New("", format.Text)
		top := New(a, v, x)
		if err := top.Delete(1); err != nil {
			t.Fatal(err)
		}
		if top.Len() != 2 || at(t, top, 1) != x || x.Position() != 1 || x.Name() != "text-2" {
			t.Errorf("after Delete(1): %v", top)
		}
		if v.Position() != -1 {
			t.Errorf("deleted stream position = %d", v.Position())
		}
		if _, err := New().Append(v); err != nil {
			t.Errorf("deleted stream still attached: %v", err)
		}
		if got, want := top.String(), "<0:audio-0:audio:inactive (nothing)> <1:text-2:text:inactive (nothing)>"; got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
	})
	for _, i := range []int{-1, 1, 5} {
		t.Run(fmt.Sprintf("given index %d out of range when deleted then ErrOutOfRange", i), func(t *testing.T) {
			top := New(stream.New("", format.Audio))
			if err := top.Delete(i); !errors.Is(err, ErrOutOfRange) || top.Len() != 1 {
				t.Errorf("Delete(%d) = %v, len %d", i, err, top.Len())
			}
		})
	}
	t.Run("given a clone when the original deletes then the clone is unaffected", func(t *testing.T) {
		top := mustParse(t, threeStreams)
		c := top.Clone()
		if err := top.Delete(0); err != nil {
			t.Fatal(err)
		}
		if c.String() != threeStreams {
			t.Errorf("clone changed: %v", c)
		}
	})
}

func TestRemovedKeepsSlot(t *testing.T) {
	t.Run("given a stream marked removed then it keeps its slot and counts in Len not ActiveLen", func(t *testing.T) {
		top := mustParse(t, "<0:audio-0:audio:sendrecv (ulaw)> <1:video-1:video:sendrecv (h264)> <2:audio-2:audio:sendrecv (alaw)>")
		at(t, top, 1).SetState(stream.Removed)
		if top.Len() != 3 || top.ActiveLen() != 2 {
			t.Errorf("Len %d ActiveLen %d", top.Len(), top.ActiveLen())
		}
		if s := at(t, top, 2); s.Position() != 2 || s.Name() != "audio-2" {
			t.Errorf("later stream moved: %v", s)
		}
	})
}

func TestFirstOfType(t *testing.T) {
	top := mustParse(t, "<0:a0:audio:removed (ulaw)> <1:v1:video:removed (h264)> <2:a2:audio:inactive (alaw)> <3:a3:audio:sendrecv (ulaw)> <4:v4:video:sendonly (vp8)>")
	tests := []struct {
		mt   format.MediaType
		want string
	}{
		{format.Audio, "a2"}, // removed skipped, inactive qualifies
		{format.Video, "v4"}, // sendonly qualifies
	}
	for _, tt := range tests {
		t.Run("given removed "+tt.mt.String()+" first then the next non-removed one, "+tt.want, func(t *testing.T) {
			s := top.FirstOfType(tt.mt)
			if s == nil || s.Name() != tt.want {
				t.Errorf("FirstOfType(%v) = %v, want %s", tt.mt, s, tt.want)
			}
		})
	}
	t.Run("given no stream of the type then nil", func(t *testing.T) {
		if s := top.FirstOfType(format.Text); s != nil {
			t.Errorf("FirstOfType(text) = %v", s)
		}
	})
	t.Run("given only removed streams of the type then nil", func(t *testing.T) {
		top := mustParse(t, "<0:a:audio:removed (ulaw)>")
		if s := top.FirstOfType(format.Audio); s != nil {
			t.Errorf("FirstOfType(audio) = %v", s)
		}
	})
	t.Run("given a nil topology then nil", func(t *testing.T) {
		var n *Topology
		if n.FirstOfType(format.Audio) != nil {
			t.Error("non-nil")
		}
	})
}

func TestFormats(t *testing.T) {
	top := mustParse(t, "<0:a0:audio:sendrecv (opus|ulaw)> <1:v1:video:sendrecv (h264)> <2:a2:audio:removed (g722)> <3:a3:audio:inactive (alaw|ulaw)> <4:t:text:sendonly (t140)>")
	t.Run("given streams then Formats is the union in stream then preference order, skipping removed", func(t *testing.T) {
		if got, want := top.Formats().String(), "opus|ulaw|h264|alaw|t140"; got != want {
			t.Errorf("Formats = %q, want %q", got, want)
		}
	})
	t.Run("given a type then FormatsOfType keeps only that type, skipping removed", func(t *testing.T) {
		if got, want := top.FormatsOfType(format.Audio).String(), "opus|ulaw|alaw"; got != want {
			t.Errorf("FormatsOfType(audio) = %q, want %q", got, want)
		}
		if got := top.FormatsOfType(format.Image).String(); got != "(nothing)" {
			t.Errorf("FormatsOfType(image) = %q", got)
		}
	})
	t.Run("given an empty or nil topology then (nothing)", func(t *testing.T) {
		var n *Topology
		if !New().Formats().IsEmpty() || !n.Formats().IsEmpty() || n.ActiveLen() != 0 {
			t.Error("not empty")
		}
	})
}

func TestEqual(t *testing.T) {
	const base = "<0:audio-0:audio:sendrecv (ulaw|alaw)> <1:video-1:video:sendonly (h264)>"
	tests := []struct {
		name  string
		other string
		edit  func(*Topology)
		want  bool
	}{
		{name: "given the same text then Equal", other: base, want: true},
		{name: "given format order differs then Equal", other: "<0:audio-0:audio:sendrecv (alaw|ulaw)> <1:video-1:video:sendonly (h264)>", want: true},
		{name: "given metadata differs then Equal", other: base, edit: func(t *Topology) { t.streams[0].SetMetadata("SDP:LABEL", "x") }, want: true},
		{name: "given group differs then Equal", other: base, edit: func(t *Topology) { t.streams[1].SetGroup(2) }, want: true},
		{name: "given one stream fewer then not Equal", other: "<0:audio-0:audio:sendrecv (ulaw|alaw)>"},
		{name: "given one stream more then not Equal", other: base + " <2:text-2:text:sendrecv (t140)>"},
		{name: "given a state differs then not Equal", other: "<0:audio-0:audio:sendrecv (ulaw|alaw)> <1:video-1:video:recvonly (h264)>"},
		{name: "given a name differs then not Equal", other: "<0:audio-0:audio:sendrecv (ulaw|alaw)> <1:cam:video:sendonly (h264)>"},
		{name: "given a type differs then not Equal", other: "<0:audio-0:audio:sendrecv (ulaw|alaw)> <1:video-1:text:sendonly (t140)>"},
		{name: "given a format set differs then not Equal", other: "<0:audio-0:audio:sendrecv (ulaw)> <1:video-1:video:sendonly (h264)>"},
		{name: "given streams swapped then not Equal", other: "<0:video-1:video:sendonly (h264)> <1:audio-0:audio:sendrecv (ulaw|alaw)>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustParse(t, base), mustParse(t, tt.other)
			if tt.edit != nil {
				tt.edit(b)
			}
			if got := a.Equal(b); got != tt.want {
				t.Errorf("Equal(%v, %v) = %v, want %v", a, b, got, tt.want)
			}
			if got := b.Equal(a); got != tt.want {
				t.Error("Equal not symmetric")
			}
		})
	}
	t.Run("given nil topologies then only nil equals nil", func(t *testing.T) {
		var n *Topology
		if !n.Equal(nil) || n.Equal(New()) || New().Equal(nil) {
			t.Error("nil handling wrong")
		}
	})
	t.Run("given a frozen and an unfrozen copy then Equal", func(t *testing.T) {
		a := mustParse(t, base)
		if !a.Equal(a.Clone().Freeze()) {
			t.Error("freezing changed equality")
		}
	})
}

func TestFromFormats(t *testing.T) {
	t.Run("given caps in any order then streams are audio, video, image, text with their formats in caps order", func(t *testing.T) {
		caps := format.NewCaps(format.T140, format.H264, format.ALaw, format.VP8, format.ULaw)
		got := FromFormats(caps).String()
		want := "<0:audio-0:audio:sendrecv (alaw|ulaw)> <1:video-1:video:sendrecv (h264|vp8)> <2:text-2:text:sendrecv (t140)>"
		if got != want {
			t.Errorf("FromFormats = %q\nwant %q", got, want)
		}
	})
	t.Run("given video only then one stream video-0", func(t *testing.T) {
		if got, want := FromFormats(format.NewCaps(format.VP9)).String(), "<0:video-0:video:sendrecv (vp9)>"; got != want {
			t.Errorf("FromFormats = %q, want %q", got, want)
		}
	})
	t.Run("given an image format then an image stream between video and text", func(t *testing.T) {
		t38 := format.Format{Name: "t38", Type: format.Image}
		top := FromFormats(format.NewCaps(format.T140, t38, format.ULaw))
		var types []format.MediaType
		for _, s := range top.Streams() {
			types = append(types, s.Type())
		}
		if want := []format.MediaType{format.Audio, format.Image, format.Text}; !slices.Equal(types, want) {
			t.Errorf("types = %v, want %v", types, want)
		}
	})
	t.Run("given empty caps then an empty, usable topology", func(t *testing.T) {
		top := FromFormats(format.Caps{})
		if top == nil || top.Len() != 0 || top.String() != "(empty)" {
			t.Fatalf("FromFormats(empty) = %v", top)
		}
		if _, err := top.Append(stream.New("", format.Audio)); err != nil {
			t.Errorf("Append to it: %v", err)
		}
	})
}

func TestStreamGetter(t *testing.T) {
	top := mustParse(t, "<0:a:audio:sendrecv (ulaw)> <1:v:video:sendrecv (h264)>")
	for _, i := range []int{-1, 2, 100} {
		t.Run(fmt.Sprintf("given index %d out of bounds then nil, false", i), func(t *testing.T) {
			if s, ok := top.Stream(i); ok || s != nil {
				t.Errorf("Stream(%d) = %v, %v", i, s, ok)
			}
		})
	}
	t.Run("given index in range then the stream", func(t *testing.T) {
		if s, ok := top.Stream(1); !ok || s.Name() != "v" {
			t.Errorf("Stream(1) = %v, %v", s, ok)
		}
	})
	t.Run("given a nil topology then Len 0, Stream false, Streams nil", func(t *testing.T) {
		var n *Topology
		if s, ok := n.Stream(0); ok || s != nil || n.Len() != 0 || n.Streams() != nil {
			t.Error("nil topology getters misbehave")
		}
	})
	t.Run("given Streams when the slice is modified then the topology is not", func(t *testing.T) {
		ss := top.Streams()
		ss[0] = nil
		if s, _ := top.Stream(0); s == nil {
			t.Error("Streams aliases the topology")
		}
	})
}

func TestClone(t *testing.T) {
	orig := mustParse(t, threeStreams)
	at(t, orig, 0).SetGroup(1)
	at(t, orig, 1).SetGroup(1)
	at(t, orig, 0).SetMetadata("SDP:LABEL", "caller")
	at(t, orig, 2).SetName("chat")

	t.Run("given a clone of a clone then Equal to the original", func(t *testing.T) {
		cc := orig.Clone().Clone()
		if !cc.Equal(orig) || cc.String() != orig.String() {
			t.Errorf("clone of clone %v != %v", cc, orig)
		}
	})
	t.Run("given a clone then names, groups, metadata and positions are kept", func(t *testing.T) {
		c := orig.Clone()
		for i, s := range c.Streams() {
			o := at(t, orig, i)
			if s == o {
				t.Fatalf("stream %d shared", i)
			}
			if s.Name() != o.Name() || s.Group() != o.Group() || s.Position() != i {
				t.Errorf("stream %d: %v group %d, want %v group %d", i, s, s.Group(), o, o.Group())
			}
			if !slices.Equal(s.MetadataKeys(), o.MetadataKeys()) {
				t.Errorf("stream %d metadata keys %v", i, s.MetadataKeys())
			}
		}
		if v, _ := at(t, c, 0).Metadata("SDP:LABEL"); v != "caller" {
			t.Errorf("metadata = %q", v)
		}
	})
	t.Run("given a clone when edited then the original is untouched", func(t *testing.T) {
		before := orig.String()
		c := orig.Clone()
		at(t, c, 0).SetState(stream.Removed)
		at(t, c, 0).SetMetadata("SDP:LABEL", "other")
		if _, err := c.Append(stream.New("", format.Video)); err != nil {
			t.Fatal(err)
		}
		if orig.String() != before {
			t.Errorf("original changed to %v", orig)
		}
		if v, _ := at(t, orig, 0).Metadata("SDP:LABEL"); v != "caller" {
			t.Errorf("original metadata = %q", v)
		}
	})
	t.Run("given a frozen topology when cloned then the clone is editable", func(t *testing.T) {
		c := orig.Clone().Freeze().Clone()
		if c.Frozen() || at(t, c, 0).Frozen() {
			t.Fatal("clone of a frozen topology is frozen")
		}
		at(t, c, 0).SetState(stream.Inactive)
		if _, err := c.Append(stream.New("", format.Audio)); err != nil {
			t.Errorf("Append to clone: %v", err)
		}
	})
}

func TestMirror(t *testing.T) {
	t.Run("given mixed states when mirrored then sendonly and recvonly swap, others stay", func(t *testing.T) {
		top := mustParse(t, "<0:a:audio:sendonly (ulaw)> <1:b:audio:recvonly (ulaw)> <2:c:audio:sendrecv (ulaw)> <3:d:audio:inactive (ulaw)> <4:e:audio:removed (ulaw)>")
		want := "<0:a:audio:recvonly (ulaw)> <1:b:audio:sendonly (ulaw)> <2:c:audio:sendrecv (ulaw)> <3:d:audio:inactive (ulaw)> <4:e:audio:removed (ulaw)>"
		m := top.Mirror()
		if got := m.String(); got != want {
			t.Errorf("Mirror = %q\nwant %q", got, want)
		}
		if !m.Mirror().Equal(top) {
			t.Error("mirror twice is not the original")
		}
		if top.String() == want {
			t.Error("Mirror changed the receiver")
		}
	})
	t.Run("given a frozen topology when mirrored then an editable clone comes back", func(t *testing.T) {
		top := mustParse(t, "<0:a:audio:sendonly (ulaw)>").Freeze()
		m := top.Mirror()
		if m.Frozen() || at(t, m, 0).State() != stream.RecvOnly {
			t.Errorf("Mirror of frozen: %v frozen %v", m, m.Frozen())
		}
	})
}

func TestFreeze(t *testing.T) {
	newFrozen := func(t *testing.T) *Topology {
		top := mustParse(t, threeStreams)
		if got := top.Freeze(); got != top || !top.Frozen() {
			t.Fatal("Freeze did not return its receiver frozen")
		}
		return top
	}
	t.Run("given a frozen topology when Append then ErrFrozen and the stream stays free", func(t *testing.T) {
		top := newFrozen(t)
		s := stream.New("", format.Audio)
		if pos, err := top.Append(s); !errors.Is(err, ErrFrozen) || pos != -1 {
			t.Errorf("Append = %d, %v", pos, err)
		}
		if _, err := New().Append(s); err != nil || top.Len() != 3 {
			t.Errorf("stream attached to frozen topology: %v", err)
		}
	})
	t.Run("given a frozen topology when Set then ErrFrozen", func(t *testing.T) {
		top := newFrozen(t)
		for _, i := range []int{0, 3, 9} {
			if err := top.Set(i, stream.New("", format.Audio)); !errors.Is(err, ErrFrozen) {
				t.Errorf("Set(%d) = %v, want ErrFrozen", i, err)
			}
		}
		if top.String() != threeStreams {
			t.Errorf("changed: %v", top)
		}
	})
	t.Run("given a frozen topology when Delete then ErrFrozen", func(t *testing.T) {
		top := newFrozen(t)
		if err := top.Delete(0); !errors.Is(err, ErrFrozen) || top.Len() != 3 {
			t.Errorf("Delete = %v", err)
		}
	})
	t.Run("given a frozen topology when AddReusingRemoved then ErrFrozen and the stream untouched", func(t *testing.T) {
		top := mustParse(t, "<0:audio-0:audio:removed (ulaw)>").Freeze()
		s := stream.New("audio-0", format.Video)
		if pos, err := top.AddReusingRemoved(s); !errors.Is(err, ErrFrozen) || pos != -1 {
			t.Errorf("AddReusingRemoved = %d, %v", pos, err)
		}
		if s.Name() != "audio-0" || s.Position() != -1 {
			t.Errorf("stream changed by a failed add: %v", s)
		}
	})
	t.Run("given a frozen topology then its streams' setters panic", func(t *testing.T) {
		top := newFrozen(t)
		s := at(t, top, 0)
		if !s.Frozen() {
			t.Fatal("stream not frozen")
		}
		mustPanic(t, "SetState", func() { s.SetState(stream.Inactive) })
		mustPanic(t, "SetName", func() { s.SetName("x") })
		mustPanic(t, "SetMetadata", func() { s.SetMetadata("k", "v") })
		if top.String() != threeStreams {
			t.Errorf("changed: %v", top)
		}
	})
	t.Run("given a frozen topology when frozen again then harmless", func(t *testing.T) {
		top := newFrozen(t)
		if top.Freeze() != top || !top.Frozen() {
			t.Error("second Freeze misbehaved")
		}
	})
	t.Run("given a frozen topology when Snapshot then itself", func(t *testing.T) {
		top := newFrozen(t)
		if top.Snapshot() != top {
			t.Error("Snapshot of frozen is not itself")
		}
	})
	t.Run("given an unfrozen topology when Snapshot then a frozen Equal clone and the original stays editable", func(t *testing.T) {
		top := mustParse(t, threeStreams)
		snap := top.Snapshot()
		if snap == top || !snap.Frozen() || top.Frozen() || !snap.Equal(top) {
			t.Fatalf("Snapshot: same %v frozen %v orig frozen %v", snap == top, snap.Frozen(), top.Frozen())
		}
		at(t, top, 0).SetState(stream.Inactive)
		if _, err := top.Append(stream.New("", format.Audio)); err != nil {
			t.Errorf("original not editable: %v", err)
		}
		if snap.String() != threeStreams {
			t.Errorf("snapshot changed: %v", snap)
		}
	})
}

func TestAddReusingRemoved(t *testing.T) {
	t.Run("given a removed slot then the new stream takes the first one and is auto-named for it", func(t *testing.T) {
		top := mustParse(t, "<0:audio-0:audio:sendrecv (ulaw)> <1:video-1:video:removed (h264)> <2:video-2:video:removed (vp8)>")
		old := at(t, top, 1)
		s := stream.New("", format.Text)
		pos, err := top.AddReusingRemoved(s)
		if err != nil || pos != 1 {
			t.Fatalf("AddReusingRemoved = %d, %v", pos, err)
		}
		if at(t, top, 1) != s || s.Name() != "text-1" || s.Position() != 1 || top.Len() != 3 {
			t.Errorf("after reuse: %v", top)
		}
		if old.Position() != -1 {
			t.Errorf("replaced stream still at %d", old.Position())
		}
	})
	t.Run("given a stream named after the slot's old auto name then it is renamed for its type", func(t *testing.T) {
		top := mustParse(t, "<0:video-0:video:removed (h264)>")
		s := stream.New("video-0", format.Audio)
		if _, err := top.AddReusingRemoved(s); err != nil {
			t.Fatal(err)
		}
		if s.Name() != "audio-0" {
			t.Errorf("name = %q, want audio-0", s.Name())
		}
	})
	t.Run("given a stream with its own name then the name is kept", func(t *testing.T) {
		top := mustParse(t, "<0:video-0:video:removed (h264)>")
		s := stream.New("screen", format.Video)
		if _, err := top.AddReusingRemoved(s); err != nil || s.Name() != "screen" {
			t.Errorf("AddReusingRemoved = %v, name %q", err, s.Name())
		}
	})
	t.Run("given no removed slot then appended", func(t *testing.T) {
		top := mustParse(t, "<0:audio-0:audio:inactive (ulaw)>")
		s := stream.New("", format.Video)
		pos, err := top.AddReusingRemoved(s)
		if err != nil || pos != 1 || s.Name() != "video-1" || top.Len() != 2 {
			t.Errorf("AddReusingRemoved = %d, %v; %v", pos, err, top)
		}
	})
	t.Run("given a stream in another topology then stream.ErrAttached and nothing renamed", func(t *testing.T) {
		s := stream.New("video-0", format.Audio)
		other := New(s).Freeze()
		top := mustParse(t, "<0:video-0:video:removed (h264)>")
		pos, err := top.AddReusingRemoved(s)
		if !errors.Is(err, stream.ErrAttached) || pos != -1 {
			t.Errorf("AddReusingRemoved = %d, %v; want -1, ErrAttached", pos, err)
		}
		if s.Name() != "video-0" || other.String() != "<0:video-0:audio:inactive (nothing)>" {
			t.Errorf("stream of another topology changed: %v", other)
		}
	})
}

func TestStringParse(t *testing.T) {
	t.Run("given topologies when printed then parsed back Equal with the same text", func(t *testing.T) {
		for _, s := range []string{
			threeStreams,
			"(empty)",
			"<0:audio-0:audio:inactive (nothing)>",
			"<0:a:audio:removed (ulaw)> <1:b:image:sendrecv (nothing)>",
		} {
			top := mustParse(t, s)
			if got := top.String(); got != s {
				t.Errorf("String(Parse(%q)) = %q", s, got)
			}
			if !mustParse(t, top.String()).Equal(top) {
				t.Errorf("round trip of %q not Equal", s)
			}
		}
	})
	t.Run("given a built topology then String has Asterisk's form", func(t *testing.T) {
		top := FromFormats(format.NewCaps(format.ULaw, format.H264))
		if got, want := top.String(), "<0:audio-0:audio:sendrecv (ulaw)> <1:video-1:video:sendrecv (h264)>"; got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
		if top.LogValue().String() != top.String() {
			t.Error("LogValue differs from String")
		}
	})
	t.Run("given empty and nil topologies then (empty) and (null topology)", func(t *testing.T) {
		var n *Topology
		if New().String() != "(empty)" || n.String() != "(null topology)" {
			t.Errorf("got %q and %q", New().String(), n.String())
		}
	})
	t.Run("given loose input then it is normalised", func(t *testing.T) {
		top := mustParse(t, "  <0:a:AUDIO:sendrecv (ULAW, slin8)>   <1:b:video:sendonly ()>\n")
		if got, want := top.String(), "<0:a:audio:sendrecv (ulaw|slin)> <1:b:video:sendonly (nothing)>"; got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
		if mustParse(t, "").String() != "(empty)" {
			t.Error("empty input is not the empty topology")
		}
	})
	bad := map[string]string{
		"no angle bracket":           "0:a:audio:sendrecv (ulaw)",
		"missing >":                  "<0:a:audio:sendrecv (ulaw)",
		"no format list":             "<0:a:audio:sendrecv>",
		"format list not closed":     "<0:a:audio:sendrecv (ulaw>",
		"three fields":               "<0:audio:sendrecv (ulaw)>",
		"five fields (: in name)":    "<0:a:b:audio:sendrecv (ulaw)>",
		"position not 0":             "<1:a:audio:sendrecv (ulaw)>",
		"positions not dense":        "<0:a:audio:sendrecv (ulaw)> <2:b:audio:sendrecv (ulaw)>",
		"position with leading zero": "<00:a:audio:sendrecv (ulaw)>",
		"empty name":                 "<0::audio:sendrecv (ulaw)>",
		"unknown type":               "<0:a:unknown:sendrecv (nothing)>",
		"unknown state":              "<0:a:audio:SENDRECV (ulaw)>",
		"empty state":                "<0:a:audio: (ulaw)>",
		"unknown format":             "<0:a:audio:sendrecv (pcmu)>",
		"format of another type":     "<0:a:audio:sendrecv (h264)>",
		"trailing garbage":           "<0:a:audio:sendrecv (ulaw)> x",
		"tab between streams":        "<0:a:audio:sendrecv (ulaw)>\t<1:b:audio:sendrecv (ulaw)>",
		"null topology":              "(null topology)",
		"empty brackets":             "<>",
	}
	for name, in := range bad {
		t.Run("given "+name+" when parsed then ErrSyntax", func(t *testing.T) {
			top, err := Parse(in)
			if !errors.Is(err, ErrSyntax) || top != nil {
				t.Errorf("Parse(%q) = %v, %v; want nil, ErrSyntax", in, top, err)
			}
		})
	}
	t.Run("given an unknown state then the error also wraps stream.ErrUnknownState", func(t *testing.T) {
		_, err := Parse("<0:a:audio:foo (ulaw)>")
		if !errors.Is(err, stream.ErrUnknownState) {
			t.Errorf("err = %v", err)
		}
	})
}

// FuzzTopologyString checks that Parse never panics on arbitrary text and
// that whatever it accepts survives String: String(Parse(s)) parses again
// to an Equal topology, and printing that gives the same text.
func FuzzTopologyString(f *testing.F) {
	for _, s := range []string{
		threeStreams,
		"(empty)",
		"",
		"<0:audio-0:audio:inactive (nothing)>",
		"<0:a:AUDIO:sendrecv (ULAW, slin8)>   <1:b:video:sendonly ()>",
		"<0:a b:image:removed ((nothing))>",
		"<0:a:audio:sendrecv (ulaw|ulaw|)> <1:v:video:recvonly (h264,vp8,vp9)>",
		"<0:a:audio:sendrecv (ulaw)> <2:b:audio:sendrecv (ulaw)>",
		"<0::audio:sendrecv (ulaw)>",
		"<0:a:audio:sendrecv (ulaw>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		top, err := Parse(s)
		if err != nil {
			if top != nil {
				t.Fatalf("Parse(%q) returned a topology with error %v", s, err)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrSyntax", s, err)
			}
			return
		}
		text := top.String()
		again, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) accepted, but its String %q does not parse: %v", s, text, err)
		}
		if !again.Equal(top) {
			t.Fatalf("Parse(%q): %q reparsed as %q, not Equal", s, text, again)
		}
		if got := again.String(); got != text {
			t.Fatalf("String not stable for %q: %q then %q", s, text, got)
		}
		for i, st := range top.Streams() {
			if st.Position() != i || st.Name() == "" {
				t.Fatalf("Parse(%q) stream %d: %v", s, i, st)
			}
		}
	})
}
