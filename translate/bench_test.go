package translate

import (
	"testing"

	"github.com/pbx-dev/pbx/core/format"
)

// Each benchmark iteration translates one 20 ms frame; allocs/op is
// therefore allocations per 20 ms frame.
//
// Reference figures (go test -bench . -benchmem -run XXX ./translate/,
// 2-core AMD EPYC, Go 1.26; fastest of several runs, taken while other
// jobs loaded the machine, so treat them as upper bounds):
//
//	G711/ulaw-slin                  152 ns    0 allocs
//	G711/slin-ulaw                  520 ns    0 allocs
//	G711/alaw-slin                  171 ns    0 allocs
//	G711/slin-alaw                  345 ns    0 allocs
//	ULawToALaw/direct                99 ns    0 allocs
//	ULawToALaw/via-slin             563 ns    0 allocs
//	Resample/slin8-slin16         5.0 µs    0 allocs
//	Resample/slin8-slin48          14 µs    0 allocs
//	Resample/slin16-slin48         15 µs    0 allocs
//	Resample/slin16-slin8         4.8 µs    0 allocs
//	Resample/slin48-slin8          15 µs    0 allocs
//	Resample/slin48-slin16         13 µs    0 allocs
//	G722/encode                    18 µs    0 allocs
//	G722/decode                    15 µs    0 allocs
//	OpusDecode/celt-fb-20ms-mono   32 µs    0 allocs
//	OpusDecode/celt-fb-20ms-stereo 41 µs    0 allocs
//	OpusDecode/silk-wb-20ms-mono   40 µs   31 allocs (13.5 kB, inside pion/opus)
//	Path/alaw-g722                 40 µs    0 allocs
//	Path/g722-ulaw                 33 µs    0 allocs
//	Path/opus-ulaw                 44 µs    0 allocs
//	Build (alaw->g722)            2.8 µs    8 allocs

// benchPath measures one 20 ms frame through a path built by the registry.
func benchPath(b *testing.B, r *Registry, src, dst format.Format) {
	b.Helper()
	p := mustBuild(b, r, src, dst)
	in := voice(src, sampleInput(b, r, src), 0)
	b.ReportAllocs()
	for b.Loop() {
		out, err := p.Translate(in)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
}

func BenchmarkG711(b *testing.B) {
	r := NewRegistry()
	b.Run("ulaw-slin", func(b *testing.B) { benchPath(b, r, format.ULaw, format.SLin8) })
	b.Run("slin-ulaw", func(b *testing.B) { benchPath(b, r, format.SLin8, format.ULaw) })
	b.Run("alaw-slin", func(b *testing.B) { benchPath(b, r, format.ALaw, format.SLin8) })
	b.Run("slin-alaw", func(b *testing.B) { benchPath(b, r, format.SLin8, format.ALaw) })
}

func BenchmarkULawToALaw(b *testing.B) {
	r := NewRegistry()
	b.Run("direct", func(b *testing.B) { benchPath(b, r, format.ULaw, format.ALaw) })
	b.Run("via-slin", func(b *testing.B) {
		dec, enc := mustBuild(b, r, format.ULaw, format.SLin8), mustBuild(b, r, format.SLin8, format.ALaw)
		in := voice(format.ULaw, sampleInput(b, r, format.ULaw), 0)
		b.ReportAllocs()
		for b.Loop() {
			mid, err := dec.Translate(in)
			if err != nil {
				b.Fatal(err)
			}
			out, err := enc.Translate(mid)
			mid.Release()
			if err != nil {
				b.Fatal(err)
			}
			out.Release()
		}
	})
}

func BenchmarkResample(b *testing.B) {
	r := NewRegistry()
	for _, c := range []struct {
		name     string
		src, dst format.Format
	}{
		{"slin8-slin16", format.SLin8, format.SLin16},
		{"slin8-slin48", format.SLin8, format.SLin48},
		{"slin16-slin48", format.SLin16, format.SLin48},
		{"slin16-slin8", format.SLin16, format.SLin8},
		{"slin48-slin8", format.SLin48, format.SLin8},
		{"slin48-slin16", format.SLin48, format.SLin16},
	} {
		b.Run(c.name, func(b *testing.B) { benchPath(b, r, c.src, c.dst) })
	}
}

func BenchmarkG722(b *testing.B) {
	r := NewRegistry()
	b.Run("encode", func(b *testing.B) { benchPath(b, r, format.SLin16, format.G722) })
	b.Run("decode", func(b *testing.B) { benchPath(b, r, format.G722, format.SLin16) })
}

// BenchmarkOpusDecode decodes hand-made 20 ms packets (pure Go has no Opus
// encoder to make real ones); the decoder does the same work for any bytes.
func BenchmarkOpusDecode(b *testing.B) {
	for _, c := range []struct {
		name string
		pkt  []byte
	}{
		{"celt-fb-20ms-mono", opusPacket(31, false, 1, 80)},
		{"celt-fb-20ms-stereo", opusPacket(31, true, 1, 160)},
		{"silk-wb-20ms-mono", opusPacket(9, false, 1, 60)},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := mustBuild(b, NewRegistry(), format.Opus, format.SLin48)
			in := voice(format.Opus, c.pkt, 0)
			b.ReportAllocs()
			for b.Loop() {
				out, err := p.Translate(in)
				if err != nil {
					b.Fatal(err)
				}
				out.Release()
			}
		})
	}
}

func BenchmarkPath(b *testing.B) {
	r := NewRegistry()
	b.Run("alaw-g722", func(b *testing.B) { benchPath(b, r, format.ALaw, format.G722) })
	b.Run("g722-ulaw", func(b *testing.B) { benchPath(b, r, format.G722, format.ULaw) })
	b.Run("opus-ulaw", func(b *testing.B) { benchPath(b, r, format.Opus, format.ULaw) })
}

func BenchmarkBuild(b *testing.B) {
	r := NewRegistry()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Build(format.ALaw, format.G722); err != nil {
			b.Fatal(err)
		}
	}
}
