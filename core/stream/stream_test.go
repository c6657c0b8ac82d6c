package stream

import (
	"errors"
	"slices"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
)

// owner stands in for a topology in these tests.
type owner struct{ name string }

func mustPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s did not panic", what)
		}
	}()
	fn()
}

func TestNew(t *testing.T) {
	s := New("main", format.Video)
	t.Run("given New then the stream is inactive with no formats", func(t *testing.T) {
		if s.State() != Inactive || !s.Formats().IsEmpty() || s.IsRemoved() {
			t.Errorf("New: state %v formats %v", s.State(), s.Formats())
		}
	})
	t.Run("given New then position and group are -1 and it is not frozen", func(t *testing.T) {
		if s.Position() != -1 || s.Group() != -1 || s.Frozen() {
			t.Errorf("New: position %d group %d frozen %v", s.Position(), s.Group(), s.Frozen())
		}
	})
	t.Run("given New then name and type are kept", func(t *testing.T) {
		if s.Name() != "main" || s.Type() != format.Video {
			t.Errorf("New: name %q type %v", s.Name(), s.Type())
		}
	})
	t.Run("given an empty name then it stays empty until attached", func(t *testing.T) {
		if got := New("", format.Audio).Name(); got != "" {
			t.Errorf("name = %q", got)
		}
	})
}

func TestSetters(t *testing.T) {
	t.Run("given setters then getters reflect them", func(t *testing.T) {
		s := New("a", format.Audio)
		s.SetName("b")
		s.SetFormats(format.NewCaps(format.ULaw))
		s.SetState(SendOnly)
		s.SetGroup(3)
		if s.Name() != "b" || s.Formats().String() != "ulaw" || s.State() != SendOnly || s.Group() != 3 {
			t.Errorf("after setters: %v group %d", s, s.Group())
		}
	})
	t.Run("given removed state then IsRemoved", func(t *testing.T) {
		s := New("a", format.Audio)
		s.SetState(Removed)
		if !s.IsRemoved() {
			t.Error("IsRemoved = false")
		}
	})
	for _, st := range []State{StateUnknown, Inactive + 1, 255} {
		t.Run("given invalid state "+st.String()+" when set then panic", func(t *testing.T) {
			s := New("a", format.Audio)
			mustPanic(t, "SetState(invalid)", func() { s.SetState(st) })
			if s.State() != Inactive {
				t.Errorf("state changed to %v", s.State())
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	t.Run("given keys set then they are listed in insertion order", func(t *testing.T) {
		s := New("a", format.Audio)
		s.SetMetadata("a", "1")
		s.SetMetadata("b", "2")
		if got := s.MetadataKeys(); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("keys = %v", got)
		}
	})
	t.Run("given an existing key when set again then value updates and key moves to the end", func(t *testing.T) {
		s := New("a", format.Audio)
		s.SetMetadata("a", "1")
		s.SetMetadata("b", "2")
		s.SetMetadata("a", "3")
		if got := s.MetadataKeys(); !slices.Equal(got, []string{"b", "a"}) {
			t.Errorf("keys = %v, want [b a]", got)
		}
		if v, ok := s.Metadata("a"); !ok || v != "3" {
			t.Errorf("Metadata(a) = %q, %v", v, ok)
		}
	})
	t.Run("given keys are case-sensitive then other case is absent", func(t *testing.T) {
		s := New("a", format.Audio)
		s.SetMetadata("SDP:LABEL", "x")
		if _, ok := s.Metadata("sdp:label"); ok {
			t.Error("metadata lookup is case-insensitive")
		}
	})
	t.Run("given an empty value then it is stored (not a delete)", func(t *testing.T) {
		s := New("a", format.Audio)
		s.SetMetadata("k", "")
		if v, ok := s.Metadata("k"); !ok || v != "" {
			t.Errorf("Metadata(k) = %q, %v", v, ok)
		}
	})
	t.Run("given a key when deleted then it is gone and others keep order", func(t *testing.T) {
		s := New("a", format.Audio)
		for _, k := range []string{"a", "b", "c"} {
			s.SetMetadata(k, k)
		}
		s.DeleteMetadata("b")
		if got := s.MetadataKeys(); !slices.Equal(got, []string{"a", "c"}) {
			t.Errorf("keys = %v", got)
		}
		if _, ok := s.Metadata("b"); ok {
			t.Error("deleted key still present")
		}
	})
	t.Run("given an absent key when deleted then nothing happens", func(t *testing.T) {
		s := New("a", format.Audio)
		s.SetMetadata("a", "1")
		s.DeleteMetadata("zzz")
		if got := s.MetadataKeys(); !slices.Equal(got, []string{"a"}) {
			t.Errorf("keys = %v", got)
		}
	})
	t.Run("given no metadata then keys are empty", func(t *testing.T) {
		if got := New("a", format.Audio).MetadataKeys(); len(got) != 0 {
			t.Errorf("keys = %v", got)
		}
	})
	t.Run("given MetadataKeys when mutated then the stream is not", func(t *testing.T) {
		s := New("a", format.Audio)
		s.SetMetadata("a", "1")
		s.MetadataKeys()[0] = "x"
		if _, ok := s.Metadata("a"); !ok {
			t.Error("MetadataKeys aliases the stream")
		}
	})
}

func TestClone(t *testing.T) {
	orig := New("", format.Audio)
	if err := Attach(orig, &owner{}, 2); err != nil {
		t.Fatal(err)
	}
	orig.SetFormats(format.NewCaps(format.ULaw, format.ALaw))
	orig.SetState(SendRecv)
	orig.SetGroup(7)
	orig.SetMetadata("k", "v")
	Freeze(orig)

	t.Run("given an attached frozen stream when cloned then the clone is detached and editable", func(t *testing.T) {
		c := orig.Clone("")
		if c.Position() != -1 || c.Frozen() {
			t.Errorf("clone position %d frozen %v", c.Position(), c.Frozen())
		}
		c.SetState(Inactive) // must not panic
		if err := Attach(c, &owner{}, 0); err != nil {
			t.Errorf("attach clone: %v", err)
		}
	})
	t.Run("given a clone then group is reset to -1", func(t *testing.T) {
		if g := orig.Clone("").Group(); g != -1 {
			t.Errorf("clone group = %d", g)
		}
	})
	t.Run("given an empty name then the clone keeps the original name", func(t *testing.T) {
		if n := orig.Clone("").Name(); n != "audio-2" {
			t.Errorf("clone name = %q", n)
		}
	})
	t.Run("given a name then the clone is renamed", func(t *testing.T) {
		if n := orig.Clone("x").Name(); n != "x" {
			t.Errorf("clone name = %q", n)
		}
	})
	t.Run("given a clone then type, state, formats and metadata are copied", func(t *testing.T) {
		c := orig.Clone("")
		if !c.Equal(orig) {
			t.Errorf("clone %v not Equal to %v", c, orig)
		}
		if v, _ := c.Metadata("k"); v != "v" {
			t.Errorf("metadata not copied: %q", v)
		}
	})
	t.Run("given a clone when its metadata changes then the original is untouched", func(t *testing.T) {
		src := New("s", format.Audio)
		src.SetMetadata("a", "1")
		src.SetMetadata("b", "2")
		c := src.Clone("")
		c.SetMetadata("a", "changed")
		c.DeleteMetadata("b")
		c.SetMetadata("c", "3")
		if v, _ := src.Metadata("a"); v != "1" {
			t.Errorf("original a = %q", v)
		}
		if got := src.MetadataKeys(); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("original keys = %v", got)
		}
	})
	t.Run("given CloneAttached then position and group are kept but it is unowned and unfrozen", func(t *testing.T) {
		c := CloneAttached(orig)
		if c.Position() != 2 || c.Group() != 7 || c.Frozen() {
			t.Errorf("CloneAttached: position %d group %d frozen %v", c.Position(), c.Group(), c.Frozen())
		}
		if err := Attach(c, &owner{}, 2); err != nil {
			t.Errorf("CloneAttached is still owned: %v", err)
		}
	})
}

func TestEqual(t *testing.T) {
	base := func() *Stream {
		s := New("audio-0", format.Audio)
		s.SetFormats(format.NewCaps(format.ULaw, format.ALaw))
		s.SetState(SendRecv)
		return s
	}
	tests := []struct {
		name   string
		modify func(*Stream)
		want   bool
	}{
		{"given identical streams then Equal", func(*Stream) {}, true},
		{"given metadata differs then still Equal", func(s *Stream) { s.SetMetadata("k", "v") }, true},
		{"given group differs then still Equal", func(s *Stream) { s.SetGroup(4) }, true},
		{"given format order differs then still Equal", func(s *Stream) { s.SetFormats(format.NewCaps(format.ALaw, format.ULaw)) }, true},
		{"given position differs then still Equal", func(s *Stream) { Renumber(s, 5) }, true},
		{"given name differs then not Equal", func(s *Stream) { s.SetName("audio-1") }, false},
		{"given state differs then not Equal", func(s *Stream) { s.SetState(SendOnly) }, false},
		{"given type differs then not Equal", func(s *Stream) { s.typ = format.Video }, false},
		{"given format set differs then not Equal", func(s *Stream) { s.SetFormats(format.NewCaps(format.ULaw)) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := base(), base()
			tt.modify(b)
			if got := a.Equal(b); got != tt.want {
				t.Errorf("Equal = %v, want %v (%v vs %v)", got, tt.want, a, b)
			}
			if got := b.Equal(a); got != tt.want {
				t.Errorf("Equal not symmetric")
			}
		})
	}
	t.Run("given nil streams then only nil equals nil", func(t *testing.T) {
		var n *Stream
		if !n.Equal(nil) || n.Equal(base()) || base().Equal(nil) {
			t.Error("nil handling wrong")
		}
	})
}

func TestString(t *testing.T) {
	t.Run("given an attached stream then pos:name:type:state (fmts)", func(t *testing.T) {
		s := New("", format.Audio)
		if err := Attach(s, &owner{}, 0); err != nil {
			t.Fatal(err)
		}
		s.SetFormats(format.NewCaps(format.ULaw, format.ALaw))
		s.SetState(SendRecv)
		if got, want := s.String(), "0:audio-0:audio:sendrecv (ulaw|alaw)"; got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
		if got := s.LogValue().String(); got != s.String() {
			t.Errorf("LogValue = %q", got)
		}
	})
	t.Run("given no formats then (nothing)", func(t *testing.T) {
		s := New("v", format.Video)
		if got, want := s.String(), "-1:v:video:inactive (nothing)"; got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
	})
	t.Run("given a nil stream then (null stream)", func(t *testing.T) {
		var s *Stream
		if got := s.String(); got != "(null stream)" {
			t.Errorf("String = %q", got)
		}
	})
}

func TestSetType(t *testing.T) {
	t.Run("given an auto-named attached stream when its type changes then it is renamed and other-type formats dropped", func(t *testing.T) {
		s := New("", format.Audio)
		if err := Attach(s, &owner{}, 1); err != nil {
			t.Fatal(err)
		}
		s.SetFormats(format.NewCaps(format.ULaw, format.H264))
		s.SetType(format.Video)
		if s.Name() != "video-1" || s.Type() != format.Video {
			t.Errorf("after SetType: %v", s)
		}
		if got := s.Formats().String(); got != "h264" {
			t.Errorf("formats = %q, want h264", got)
		}
	})
	t.Run("given only old-type formats when the type changes then the set becomes empty", func(t *testing.T) {
		s := New("", format.Audio)
		if err := Attach(s, &owner{}, 0); err != nil {
			t.Fatal(err)
		}
		s.SetFormats(format.NewCaps(format.ULaw, format.ALaw))
		s.SetType(format.Text)
		if !s.Formats().IsEmpty() || s.Name() != "text-0" {
			t.Errorf("after SetType: %v", s)
		}
	})
	t.Run("given a chosen name when the type changes then the name is kept", func(t *testing.T) {
		s := New("cam", format.Audio)
		if err := Attach(s, &owner{}, 0); err != nil {
			t.Fatal(err)
		}
		s.SetType(format.Video)
		if s.Name() != "cam" {
			t.Errorf("name = %q", s.Name())
		}
	})
	t.Run("given an auto name of another position then it is kept", func(t *testing.T) {
		s := New("audio-3", format.Audio)
		if err := Attach(s, &owner{}, 0); err != nil {
			t.Fatal(err)
		}
		s.SetType(format.Video)
		if s.Name() != "audio-3" {
			t.Errorf("name = %q", s.Name())
		}
	})
	t.Run("given the same type then nothing changes", func(t *testing.T) {
		s := New("", format.Audio)
		if err := Attach(s, &owner{}, 0); err != nil {
			t.Fatal(err)
		}
		s.SetFormats(format.NewCaps(format.ULaw))
		s.SetType(format.Audio)
		if s.Name() != "audio-0" || s.Formats().String() != "ulaw" {
			t.Errorf("after SetType(same): %v", s)
		}
	})
	t.Run("given an unattached stream then no rename happens", func(t *testing.T) {
		s := New("audio-0", format.Audio)
		s.SetType(format.Video)
		if s.Name() != "audio-0" {
			t.Errorf("name = %q", s.Name())
		}
	})
}

func TestAttach(t *testing.T) {
	t.Run("given an empty name when attached then auto-named type-position", func(t *testing.T) {
		s := New("", format.Video)
		if err := Attach(s, &owner{}, 3); err != nil {
			t.Fatal(err)
		}
		if s.Name() != "video-3" || s.Position() != 3 {
			t.Errorf("attached: %v", s)
		}
	})
	t.Run("given a stream in one owner when attached to another then ErrAttached", func(t *testing.T) {
		s := New("x", format.Audio)
		a, b := &owner{"a"}, &owner{"b"}
		if err := Attach(s, a, 0); err != nil {
			t.Fatal(err)
		}
		if err := Attach(s, b, 1); !errors.Is(err, ErrAttached) {
			t.Errorf("second Attach = %v, want ErrAttached", err)
		}
		if s.Position() != 0 {
			t.Errorf("failed Attach moved the stream to %d", s.Position())
		}
	})
	t.Run("given a stream in one owner when attached to it again then ErrAttached", func(t *testing.T) {
		s := New("x", format.Audio)
		a := &owner{"a"}
		if err := Attach(s, a, 0); err != nil {
			t.Fatal(err)
		}
		if err := Attach(s, a, 1); !errors.Is(err, ErrAttached) {
			t.Errorf("re-Attach to same owner = %v, want ErrAttached", err)
		}
		if s.Position() != 0 {
			t.Errorf("failed Attach moved the stream to %d", s.Position())
		}
	})
	t.Run("given a detached stream then it can join another owner", func(t *testing.T) {
		s := New("x", format.Audio)
		if err := Attach(s, &owner{"a"}, 0); err != nil {
			t.Fatal(err)
		}
		Detach(s)
		if s.Position() != -1 {
			t.Errorf("detached position = %d", s.Position())
		}
		if err := Attach(s, &owner{"b"}, 4); err != nil || s.Position() != 4 {
			t.Errorf("Attach after Detach = %v, position %d", err, s.Position())
		}
	})
}

func TestFrozen(t *testing.T) {
	s := New("", format.Audio)
	if err := Attach(s, &owner{}, 0); err != nil {
		t.Fatal(err)
	}
	s.SetMetadata("k", "v")
	Freeze(s)
	if !s.Frozen() {
		t.Fatal("Freeze did not freeze")
	}
	setters := map[string]func(){
		"SetName":        func() { s.SetName("x") },
		"SetType":        func() { s.SetType(format.Video) },
		"SetFormats":     func() { s.SetFormats(format.NewCaps(format.ULaw)) },
		"SetState":       func() { s.SetState(SendRecv) },
		"SetGroup":       func() { s.SetGroup(1) },
		"SetMetadata":    func() { s.SetMetadata("k", "w") },
		"DeleteMetadata": func() { s.DeleteMetadata("k") },
	}
	for name, fn := range setters {
		t.Run("given a frozen stream when "+name+" then panic", func(t *testing.T) {
			mustPanic(t, name, fn)
		})
	}
	t.Run("given a frozen stream after the panics then nothing changed", func(t *testing.T) {
		if s.String() != "0:audio-0:audio:inactive (nothing)" || s.Group() != -1 {
			t.Errorf("frozen stream changed: %v", s)
		}
		if v, ok := s.Metadata("k"); !ok || v != "v" {
			t.Errorf("metadata changed: %q %v", v, ok)
		}
	})
	t.Run("given a frozen stream then getters still work", func(t *testing.T) {
		_ = s.Name()
		_ = s.MetadataKeys()
		_ = s.Equal(s)
	})
}
