package translate

import (
	"testing"

	"github.com/pbx-dev/pbx/core/format"
)

func TestSteadyStateAllocations(t *testing.T) {
	// Given a path that has seen a few frames, When it translates the next
	// 20 ms frame, Then it allocates nothing: the output comes from the
	// frame pool and scratch buffers are reused.
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	r := NewRegistry()
	tests := []struct{ src, dst format.Format }{
		{format.ULaw, format.SLin8}, {format.SLin8, format.ULaw},
		{format.ALaw, format.SLin8}, {format.SLin8, format.ALaw},
		{format.ULaw, format.ALaw}, {format.ALaw, format.ULaw},
		{format.SLin8, format.SLin48}, {format.SLin48, format.SLin8},
		{format.SLin16, format.SLin48}, {format.SLin48, format.SLin16},
		{format.SLin8, format.SLin16}, {format.SLin16, format.SLin8},
		{format.SLin16, format.G722}, {format.G722, format.SLin16},
		{format.ALaw, format.G722}, {format.G722, format.ULaw},
		// CELT packets only: pion/opus allocates inside its SILK and hybrid
		// decoders (about 30 allocations per packet), which this package
		// cannot avoid.
		{format.Opus, format.SLin48}, {format.Opus, format.ULaw},
	}
	for _, tc := range tests {
		t.Run(tc.src.Name+" to "+tc.dst.Name, func(t *testing.T) {
			p := mustBuild(t, r, tc.src, tc.dst)
			in := voice(tc.src, sampleInput(t, r, tc.src), 0)
			for range 3 {
				out, err := p.Translate(in)
				if err != nil {
					t.Fatal(err)
				}
				out.Release()
			}
			allocs := testing.AllocsPerRun(200, func() {
				out, _ := p.Translate(in)
				out.Release()
			})
			if allocs != 0 {
				t.Errorf("%.2f allocations per frame, want 0", allocs)
			}
		})
	}
}
