package frame

import (
	"strconv"
	"testing"
)

func BenchmarkGetRelease(b *testing.B) {
	for _, sz := range sizes {
		b.Run(sz.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Get(sz.size).Release()
			}
		})
	}
}

func BenchmarkClone(b *testing.B) {
	for _, n := range []int{160, 1280} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			f := Get(n)
			defer f.Release()
			f.Kind = Voice
			b.ReportAllocs()
			for b.Loop() {
				f.Clone().Release()
			}
		})
	}
}

func BenchmarkPrepend(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		f := Get(160)
		f.Prepend(Headroom)
		f.Release()
	}
}
