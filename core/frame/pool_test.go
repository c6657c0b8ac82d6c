package frame

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

// sizes holds one payload size per size class plus an oversized one.
var sizes = []struct {
	name  string
	size  int
	class int8
}{
	{"ulaw-20ms-160", 160, 0},
	{"class0-320", 320, 0},
	{"class1-1280", 1280, 1},
	{"class2-3840", 3840, 2},
	{"class3-16384", 16384, 3},
}

func TestGetReleaseAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	for _, sz := range sizes {
		t.Run("given a warm pool when Get/Release "+sz.name+" then 0 allocs", func(t *testing.T) {
			Get(sz.size).Release() // warm up
			allocs := testing.AllocsPerRun(1000, func() {
				f := Get(sz.size)
				f.Payload[0] = 1
				f.Release()
			})
			if allocs != 0 {
				t.Errorf("Get(%d)/Release: %v allocs per run, want 0", sz.size, allocs)
			}
		})
	}
	t.Run("given a warm pool when Clone/Release then 0 allocs", func(t *testing.T) {
		f := Get(160)
		defer f.Release()
		f.Clone().Release()
		allocs := testing.AllocsPerRun(1000, func() { f.Clone().Release() })
		if allocs != 0 {
			t.Errorf("Clone/Release: %v allocs per run, want 0", allocs)
		}
	})
	t.Run("given a warm pool when Prepend the RTP header then 0 allocs", func(t *testing.T) {
		Get(160).Release()
		allocs := testing.AllocsPerRun(1000, func() {
			f := Get(160)
			f.Prepend(Headroom)
			f.Release()
		})
		if allocs != 0 {
			t.Errorf("Get/Prepend/Release: %v allocs per run, want 0", allocs)
		}
	})
}

func TestGet(t *testing.T) {
	for _, sz := range sizes {
		t.Run("given size "+sz.name+" then payload length, class and headroom", func(t *testing.T) {
			f := Get(sz.size)
			defer f.Release()
			if len(f.Payload) != sz.size {
				t.Errorf("len(Payload) = %d, want %d", len(f.Payload), sz.size)
			}
			if f.class != sz.class || f.off != Headroom || len(f.buf) != classes[sz.class]+Headroom {
				t.Errorf("class %d off %d buf %d", f.class, f.off, len(f.buf))
			}
			if &f.Payload[0] != &f.buf[Headroom] {
				t.Error("payload does not start after the headroom")
			}
		})
	}
	t.Run("given size 0 then an empty payload still backed by the pool", func(t *testing.T) {
		f := Get(0)
		defer f.Release()
		if len(f.Payload) != 0 || f.class != 0 {
			t.Errorf("len %d class %d", len(f.Payload), f.class)
		}
	})
	t.Run("given a size above the largest class then an unpooled frame", func(t *testing.T) {
		_, _, _, before := PoolStats()
		f := Get(16385)
		if len(f.Payload) != 16385 || f.class != -1 || f.Stream != DefaultStream {
			t.Errorf("len %d class %d stream %d", len(f.Payload), f.class, f.Stream)
		}
		if _, _, _, after := PoolStats(); after != before+1 {
			t.Errorf("unpooled counter %d -> %d", before, after)
		}
		f.Release() // harmless
	})
	t.Run("given a released dirty frame when got again then every field is zero and Stream is -1", func(t *testing.T) {
		f := Get(160)
		*f = Frame{
			Kind: Control, Control: Hangup, Stream: 3, Format: format.ULaw,
			Payload: f.Payload, Samples: 160, Timestamp: 9, SeqNo: 7, Marker: true,
			Digit: '5', Duration: 1, Cause: 16, Topology: topology.New().Freeze(), Source: "x",
			buf: f.buf, off: f.off, class: f.class,
		}
		for i := range f.Payload {
			f.Payload[i] = 0xff
		}
		f.Release()
		for range 64 { // the pool may hand out another frame first
			g := Get(160)
			checkZero(t, g, 160)
			if t.Failed() {
				return
			}
			defer g.Release()
		}
	})
}

// checkZero fails unless f is a fresh frame with a zeroed payload of n bytes.
func checkZero(t *testing.T, f *Frame, n int) {
	t.Helper()
	want := Frame{Stream: DefaultStream}
	got := *f
	got.Payload, got.buf, got.off, got.class = nil, nil, 0, 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Get returned fields %+v, want zero with Stream -1", got)
	}
	if len(f.Payload) != n || f.inPool {
		t.Errorf("payload %d inPool %v", len(f.Payload), f.inPool)
	}
	for i, b := range f.Payload {
		if b != 0 {
			t.Errorf("payload[%d] = %#x, want 0 (Get promises a zeroed frame)", i, b)
			return
		}
	}
}

func TestRelease(t *testing.T) {
	t.Run("given nil when Release then nothing happens", func(t *testing.T) {
		var f *Frame
		f.Release()
	})
	t.Run("given a literal frame when Release then it is left alone", func(t *testing.T) {
		p := []byte{1, 2, 3}
		f := &Frame{Kind: Voice, Payload: p}
		_, rel, _, _ := PoolStats()
		f.Release()
		f.Release()
		if f.Kind != Voice || len(f.Payload) != 3 || f.inPool {
			t.Errorf("literal frame modified: %+v", f)
		}
		if _, after, _, _ := PoolStats(); after != rel {
			t.Errorf("release counter moved %d -> %d", rel, after)
		}
	})
	t.Run("given an oversized frame when Release then it is not pooled", func(t *testing.T) {
		f := Get(20000)
		f.Release()
		if f.inPool || len(f.Payload) != 20000 {
			t.Errorf("oversized frame pooled: inPool %v", f.inPool)
		}
	})
	t.Run("given a pooled frame when Release then it is reset and counted", func(t *testing.T) {
		f := Get(160)
		f.Topology = topology.New().Freeze()
		f.Source = t
		gets, rel, _, _ := PoolStats()
		f.Release()
		_, after, _, _ := PoolStats()
		if after != rel+1 || gets == 0 {
			t.Errorf("releases %d -> %d", rel, after)
		}
		if f.Topology != nil || f.Source != nil || f.Payload != nil || !f.inPool {
			t.Errorf("released frame keeps references: %+v", f)
		}
	})
}

func TestPrepend(t *testing.T) {
	t.Run("given a pooled frame when Prepend 12 then the headroom is used, no copy", func(t *testing.T) {
		f := Get(160)
		defer f.Release()
		for i := range f.Payload {
			f.Payload[i] = byte(i)
		}
		body := &f.Payload[0]
		p := f.Prepend(Headroom)
		if len(p) != 160+Headroom || len(f.Payload) != len(p) {
			t.Fatalf("len = %d", len(p))
		}
		if &p[0] != &f.buf[0] || &p[Headroom] != body {
			t.Error("Prepend copied instead of using the headroom")
		}
		for i := range 160 {
			if p[Headroom+i] != byte(i) {
				t.Fatalf("payload byte %d = %d", i, p[Headroom+i])
			}
		}
	})
	t.Run("given an empty pooled payload when Prepend 12 then the headroom is used too", func(t *testing.T) {
		f := Get(0)
		defer f.Release()
		p := f.Prepend(Headroom)
		if len(p) != Headroom || &p[0] != &f.buf[0] {
			t.Error("Prepend on an empty payload did not use the headroom")
		}
	})
	t.Run("given two small prepends within the headroom then both use it", func(t *testing.T) {
		f := Get(10)
		defer f.Release()
		f.Prepend(4)
		p := f.Prepend(8)
		if len(p) != 22 || &p[0] != &f.buf[0] {
			t.Error("second Prepend copied")
		}
	})
	t.Run("given more than the headroom when Prepend then the payload is copied intact", func(t *testing.T) {
		f := Get(4)
		defer f.Release()
		copy(f.Payload, []byte{1, 2, 3, 4})
		p := f.Prepend(Headroom + 1)
		if len(p) != Headroom+5 || &p[0] == &f.buf[0] {
			t.Fatal("expected a copy")
		}
		if got := p[Headroom+1:]; string(got) != "\x01\x02\x03\x04" {
			t.Errorf("payload after copy = %v", got)
		}
		for i := range Headroom + 1 {
			if p[i] != 0 {
				t.Fatalf("new byte %d = %d", i, p[i])
			}
		}
	})
	t.Run("given a literal frame when Prepend then it copies", func(t *testing.T) {
		f := &Frame{Payload: []byte{9}}
		p := f.Prepend(2)
		if len(p) != 3 || p[2] != 9 {
			t.Errorf("Prepend on literal = %v", p)
		}
	})
}

func TestSetPayloadLen(t *testing.T) {
	t.Run("given a pooled frame when shrunk and grown within the class then no copy and content kept", func(t *testing.T) {
		f := Get(320)
		defer f.Release()
		buf := &f.buf[Headroom]
		for i := range f.Payload {
			f.Payload[i] = 0xaa
		}
		f.SetPayloadLen(100)
		if len(f.Payload) != 100 || &f.Payload[0] != buf {
			t.Fatalf("shrink: len %d", len(f.Payload))
		}
		p := f.SetPayloadLen(200)
		if len(p) != 200 || &p[0] != buf {
			t.Fatalf("grow: len %d", len(p))
		}
		if p[99] != 0xaa || p[100] != 0 || p[199] != 0 {
			t.Errorf("content: p[99]=%#x p[100]=%#x p[199]=%#x; want kept then zero", p[99], p[100], p[199])
		}
	})
	t.Run("given the buffer end when grown to exactly the class then still in place", func(t *testing.T) {
		f := Get(10)
		defer f.Release()
		if p := f.SetPayloadLen(320); len(p) != 320 || &p[0] != &f.buf[Headroom] {
			t.Error("grow to class size moved the payload")
		}
	})
	t.Run("given a size beyond the buffer then it reallocates keeping content", func(t *testing.T) {
		f := Get(3)
		defer f.Release()
		copy(f.Payload, "abc")
		p := f.SetPayloadLen(400)
		if len(p) != 400 || string(p[:3]) != "abc" || p[3] != 0 {
			t.Errorf("grow beyond class: len %d start %q", len(p), p[:3])
		}
	})
	t.Run("given a prepended frame when resized then the header stays in front", func(t *testing.T) {
		f := Get(20)
		defer f.Release()
		f.Prepend(Headroom)[0] = 0x80
		p := f.SetPayloadLen(Headroom + 10)
		if len(p) != 22 || p[0] != 0x80 || &p[0] != &f.buf[0] {
			t.Errorf("resize after Prepend lost the header")
		}
	})
	t.Run("given a literal frame then it reslices or allocates", func(t *testing.T) {
		f := &Frame{Payload: make([]byte, 2, 8)}
		if p := f.SetPayloadLen(6); len(p) != 6 || cap(p) != 8 {
			t.Errorf("reslice: len %d cap %d", len(p), cap(p))
		}
		if p := f.SetPayloadLen(9); len(p) != 9 {
			t.Errorf("grow: len %d", len(p))
		}
	})
}

func TestClone(t *testing.T) {
	topo := topology.New().Freeze()
	newOrig := func(n int) *Frame {
		f := Get(n)
		f.Kind, f.Stream, f.Format, f.Samples = Voice, 2, format.ULaw, n
		f.Timestamp, f.SeqNo, f.Marker, f.Topology, f.Source = 1234, 56, true, topo, "src"
		for i := range f.Payload {
			f.Payload[i] = byte(i)
		}
		return f
	}
	for _, n := range []int{160, 16384, 20000} {
		t.Run(fmt.Sprintf("given a %d-byte frame when cloned then fields are equal and the payload is deep", n), func(t *testing.T) {
			f := newOrig(n)
			defer f.Release()
			c := f.Clone()
			defer c.Release()
			if c.Kind != Voice || c.Stream != 2 || c.Format != format.ULaw || c.Samples != n ||
				c.Timestamp != 1234 || c.SeqNo != 56 || !c.Marker || c.Topology != topo || c.Source != "src" {
				t.Errorf("clone fields differ: %v", c)
			}
			if string(c.Payload) != string(f.Payload) {
				t.Fatal("payload differs")
			}
			c.Payload[0] = 0xff
			c.Payload[n-1] = 0xff
			if f.Payload[0] != 0 || f.Payload[n-1] != byte(n-1) {
				t.Error("mutating the clone changed the original")
			}
			if c.inPool {
				t.Error("clone marked in pool")
			}
		})
	}
	t.Run("given a clone when released then the original is still usable", func(t *testing.T) {
		f := newOrig(160)
		defer f.Release()
		f.Clone().Release()
		if f.inPool || f.Payload[5] != 5 {
			t.Error("releasing a clone affected the original")
		}
	})
	t.Run("given a prepended frame when cloned then the clone has the whole payload with fresh headroom", func(t *testing.T) {
		f := Get(10)
		defer f.Release()
		f.Prepend(Headroom)[0] = 0x80
		c := f.Clone()
		defer c.Release()
		if len(c.Payload) != 22 || c.Payload[0] != 0x80 || c.off != Headroom {
			t.Errorf("clone: len %d first %#x off %d", len(c.Payload), c.Payload[0], c.off)
		}
	})
	t.Run("given a literal frame when cloned then the clone is pooled", func(t *testing.T) {
		f := &Frame{Kind: Text, Payload: []byte("hi"), Stream: 1}
		c := f.Clone()
		if string(c.Payload) != "hi" || c.class != 0 || c.Stream != 1 {
			t.Errorf("clone of literal: %+v", c)
		}
		c.Release()
	})
}

func TestConstructors(t *testing.T) {
	t.Run("given NewControl then a control frame for the default stream", func(t *testing.T) {
		f := NewControl(Ringing)
		defer f.Release()
		if f.Kind != Control || f.Control != Ringing || f.Stream != DefaultStream || len(f.Payload) != 0 {
			t.Errorf("NewControl: %+v", f)
		}
		if f.String() != "control ringing" {
			t.Errorf("String = %q", f.String())
		}
	})
	t.Run("given NewDTMF then kind, digit and duration", func(t *testing.T) {
		f := NewDTMF(DTMFEnd, '#', 100)
		defer f.Release()
		if f.Kind != DTMFEnd || f.Digit != '#' || f.Duration != 100 || f.String() != "dtmf-end #" {
			t.Errorf("NewDTMF: %v", f)
		}
	})
	t.Run("given NewNull then a null frame that is not media", func(t *testing.T) {
		f := NewNull()
		defer f.Release()
		if f.Kind != Null || f.IsMedia() || f.String() != "null" {
			t.Errorf("NewNull: %v", f)
		}
	})
	t.Run("given an unfrozen topology when NewTopology then the frame carries a frozen clone and the caller's stays editable", func(t *testing.T) {
		mine := topology.FromFormats(format.NewCaps(format.ULaw))
		f := NewTopology(TopologyRequestChange, mine, "bridge-1")
		defer f.Release()
		if f.Topology == mine || !f.Topology.Frozen() || !f.Topology.Equal(mine) {
			t.Fatalf("carried topology: same %v frozen %v", f.Topology == mine, f.Topology.Frozen())
		}
		if mine.Frozen() {
			t.Fatal("caller's topology was frozen")
		}
		s, _ := mine.Stream(0)
		s.SetName("edited") // must not panic
		if _, err := mine.Append(stream.New("", format.Video)); err != nil {
			t.Errorf("caller's topology not editable: %v", err)
		}
		if f.Topology.Len() != 1 {
			t.Error("edit leaked into the frame's snapshot")
		}
		if f.Kind != Control || f.Control != TopologyRequestChange || f.Source != "bridge-1" {
			t.Errorf("frame: %+v", f)
		}
		if got, want := f.String(), "control topology-request-change <0:audio-0:audio:sendrecv (ulaw)>"; got != want {
			t.Errorf("String = %q, want %q", got, want)
		}
	})
	t.Run("given a frozen topology when NewTopology then it is carried as is", func(t *testing.T) {
		snap := topology.New().Freeze()
		f := NewTopology(TopologyChanged, snap, nil)
		defer f.Release()
		if f.Topology != snap {
			t.Error("frozen topology was cloned")
		}
	})
	t.Run("given a nil topology when NewTopology then no topology", func(t *testing.T) {
		f := NewTopology(TopologySourceChanged, nil, nil)
		defer f.Release()
		if f.Topology != nil || f.String() != "control topology-source-changed" {
			t.Errorf("frame: %v", f)
		}
	})
}

func TestMediaTypeAndString(t *testing.T) {
	tests := []struct {
		kind Kind
		mt   format.MediaType
		str  string
	}{
		{Voice, format.Audio, "voice stream -1 ulaw 160 bytes"},
		{Video, format.Video, "video stream -1 ulaw 160 bytes"},
		{Text, format.Text, "text stream -1 ulaw 160 bytes"},
		{Image, format.Image, "image stream -1 ulaw 160 bytes"},
		{DTMFBegin, format.Unknown, "dtmf-begin \x00"},
		{Null, format.Unknown, "null"},
		{KindUnknown, format.Unknown, "unknown"},
	}
	for _, tt := range tests {
		t.Run("given kind "+tt.kind.String()+" then media type "+tt.mt.String(), func(t *testing.T) {
			f := Get(160)
			defer f.Release()
			f.Kind, f.Format = tt.kind, format.ULaw
			if got := f.MediaType(); got != tt.mt {
				t.Errorf("MediaType = %v, want %v", got, tt.mt)
			}
			if f.IsMedia() != (tt.mt != format.Unknown) {
				t.Errorf("IsMedia = %v", f.IsMedia())
			}
			if got := f.String(); got != tt.str {
				t.Errorf("String = %q, want %q", got, tt.str)
			}
			if got := f.LogValue().String(); got != tt.str {
				t.Errorf("LogValue = %q", got)
			}
		})
	}
}
