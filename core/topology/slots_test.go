package topology

import (
	"fmt"
	"slices"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
)

// ofTypes builds a topology of inactive streams of the given types.
func ofTypes(types ...format.MediaType) *Topology {
	t := New()
	for _, mt := range types {
		t.mustAppend(stream.New("", mt))
	}
	return t
}

func slotTypes(sl *Slots) []format.MediaType {
	var out []format.MediaType
	for i := range sl.Len() {
		out = append(out, sl.Type(i))
	}
	return out
}

func TestSlotsMap(t *testing.T) {
	const A, V, T = format.Audio, format.Video, format.Text
	// Asterisk's worked example (test_stream.c, stream_topology_map): one
	// Slots value threaded through three calls.
	t.Run("given Asterisk's worked example when mapped in sequence then types only grow", func(t *testing.T) {
		var sl Slots
		steps := []struct {
			name                string
			topo                []format.MediaType
			types               []format.MediaType
			toBridge, toChannel []int
		}{
			{"given types=[] when map [audio,video] then types [A,V], toBridge [0,1], toChannel [0,1]",
				[]format.MediaType{A, V}, []format.MediaType{A, V}, []int{0, 1}, []int{0, 1}},
			{"given types [A,V] when map [video,audio] then types unchanged, toBridge [1,0], toChannel [1,0]",
				[]format.MediaType{V, A}, []format.MediaType{A, V}, []int{1, 0}, []int{1, 0}},
			{"given types [A,V] when map [video,audio,audio] then types [A,V,A], toBridge [1,0,2], toChannel [1,0,2]",
				[]format.MediaType{V, A, A}, []format.MediaType{A, V, A}, []int{1, 0, 2}, []int{1, 0, 2}},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				toBridge, toChannel := sl.Map(ofTypes(st.topo...))
				if got := slotTypes(&sl); !slices.Equal(got, st.types) {
					t.Errorf("types = %v, want %v", got, st.types)
				}
				if !slices.Equal(toBridge, st.toBridge) {
					t.Errorf("toBridge = %v, want %v", toBridge, st.toBridge)
				}
				if !slices.Equal(toChannel, st.toChannel) {
					t.Errorf("toChannel = %v, want %v", toChannel, st.toChannel)
				}
			})
		}
	})
	t.Run("given slots [A,V,A] when a topology lacks video then toChannel has -1 there, never 0", func(t *testing.T) {
		sl := Slots{types: []format.MediaType{A, V, A}}
		toBridge, toChannel := sl.Map(ofTypes(A))
		if !slices.Equal(toBridge, []int{0}) || !slices.Equal(toChannel, []int{0, -1, -1}) {
			t.Errorf("toBridge %v toChannel %v, want [0] [0 -1 -1]", toBridge, toChannel)
		}
	})
	t.Run("given slots [A,V] when a video-only topology is mapped then slot 0 is -1, not 0", func(t *testing.T) {
		sl := Slots{types: []format.MediaType{A, V}}
		toBridge, toChannel := sl.Map(ofTypes(V))
		if !slices.Equal(toBridge, []int{1}) || !slices.Equal(toChannel, []int{-1, 0}) {
			t.Errorf("toBridge %v toChannel %v, want [1] [-1 0]", toBridge, toChannel)
		}
	})
	t.Run("given slots when an empty topology is mapped then every slot is -1", func(t *testing.T) {
		sl := Slots{types: []format.MediaType{A, V}}
		toBridge, toChannel := sl.Map(New())
		if len(toBridge) != 0 || !slices.Equal(toChannel, []int{-1, -1}) {
			t.Errorf("toBridge %v toChannel %v", toBridge, toChannel)
		}
		toBridge, toChannel = sl.Map(nil)
		if len(toBridge) != 0 || !slices.Equal(toChannel, []int{-1, -1}) {
			t.Errorf("nil topology: toBridge %v toChannel %v", toBridge, toChannel)
		}
	})
	t.Run("given removed streams then they are mapped like any other", func(t *testing.T) {
		var sl Slots
		top := mustParse(t, "<0:a:audio:removed (ulaw)> <1:b:audio:sendrecv (ulaw)>")
		toBridge, toChannel := sl.Map(top)
		if !slices.Equal(toBridge, []int{0, 1}) || !slices.Equal(toChannel, []int{0, 1}) || sl.Len() != 2 {
			t.Errorf("toBridge %v toChannel %v", toBridge, toChannel)
		}
	})
	t.Run("given interleaved types then the n-th of each type pairs with the n-th slot of that type", func(t *testing.T) {
		sl := Slots{types: []format.MediaType{V, A, V, T, A}}
		toBridge, toChannel := sl.Map(ofTypes(A, A, V, T, T, V, V))
		if want := []int{1, 4, 0, 3, 5, 2, 6}; !slices.Equal(toBridge, want) {
			t.Errorf("toBridge = %v, want %v", toBridge, want)
		}
		if want := []int{2, 0, 5, 3, 1, 4, 6}; !slices.Equal(toChannel, want) {
			t.Errorf("toChannel = %v, want %v", toChannel, want)
		}
		if got, want := slotTypes(&sl), []format.MediaType{V, A, V, T, A, T, V}; !slices.Equal(got, want) {
			t.Errorf("types = %v, want %v", got, want)
		}
	})
	t.Run("given any map result then toBridge and toChannel are inverse", func(t *testing.T) {
		var sl Slots
		for _, types := range [][]format.MediaType{{A, V, A}, {V}, {T, A, T, V}, {A, A, A, A}} {
			toBridge, toChannel := sl.Map(ofTypes(types...))
			for i, slot := range toBridge {
				if toChannel[slot] != i || sl.Type(slot) != types[i] {
					t.Errorf("%v: stream %d slot %d, toChannel %v", types, i, slot, toChannel)
				}
			}
			for slot, i := range toChannel {
				if i != -1 && toBridge[i] != slot {
					t.Errorf("%v: slot %d -> stream %d -> slot %d", types, slot, i, toBridge[i])
				}
			}
		}
	})
	for _, i := range []int{-1, 2} {
		t.Run(fmt.Sprintf("given slot index %d out of range then Type is unknown", i), func(t *testing.T) {
			sl := Slots{types: []format.MediaType{A, V}}
			if got := sl.Type(i); got != format.Unknown {
				t.Errorf("Type(%d) = %v", i, got)
			}
		})
	}
}
