package topology

import (
	"testing"

	"github.com/pbx-dev/pbx/core/format"
)

func BenchmarkClone(b *testing.B) {
	top := mustParse(b, threeStreams)
	b.ReportAllocs()
	for b.Loop() {
		_ = top.Clone()
	}
}

func BenchmarkEqual(b *testing.B) {
	b.Run("equal", func(b *testing.B) {
		x, y := mustParse(b, threeStreams), mustParse(b, threeStreams)
		b.ReportAllocs()
		for b.Loop() {
			if !x.Equal(y) {
				b.Fatal("not equal")
			}
		}
	})
	b.Run("last-differs", func(b *testing.B) {
		x := mustParse(b, threeStreams)
		y := mustParse(b, "<0:audio-0:audio:sendrecv (opus|ulaw|alaw)> <1:video-1:video:sendonly (h264|vp8)> <2:text-2:text:inactive (t140)>")
		b.ReportAllocs()
		for b.Loop() {
			if x.Equal(y) {
				b.Fatal("equal")
			}
		}
	})
}

func BenchmarkSlotsMap(b *testing.B) {
	const A, V, T = format.Audio, format.Video, format.Text
	top := ofTypes(V, A, A, T)
	b.ReportAllocs()
	for b.Loop() {
		sl := Slots{types: make([]format.MediaType, 0, 8)}
		sl.types = append(sl.types, A, V, A)
		_, _ = sl.Map(top)
	}
}
