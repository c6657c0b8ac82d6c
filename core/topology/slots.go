package topology

import (
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
)

// Slots is a bridge's list of media slots. It only grows: the first channel
// mapped defines the order, and later channels are fitted by "n-th of type".
// A Slots value is owned by its bridge and guarded by the bridge's lock.
type Slots struct {
	types []format.MediaType
}

// Len returns the number of slots.
func (sl *Slots) Len() int { return len(sl.types) }

// Type returns the media type of slot i, or [format.Unknown] if i is out of
// range.
func (sl *Slots) Type(i int) format.MediaType {
	if i < 0 || i >= len(sl.types) {
		return format.Unknown
	}
	return sl.types[i]
}

// Map pairs the streams of t with slots: the n-th stream of type T goes to
// the n-th slot of type T, appending a slot when there is none. Removed
// streams are mapped like any other (state is not looked at).
//
// toBridge[i] is the slot of stream i. toChannel[s] is the stream index of
// slot s, or -1 when no stream of t maps to it (never 0 by accident).
func (sl *Slots) Map(t *Topology) (toBridge, toChannel []int) {
	var streams []*stream.Stream
	if t != nil {
		streams = t.streams
	}
	toBridge = make([]int, len(streams))
	seen := map[format.MediaType]int{}
	for i, s := range streams {
		mt := s.Type()
		seen[mt]++
		n, slot := seen[mt], -1
		for j, st := range sl.types {
			if st == mt {
				n--
				if n == 0 {
					slot = j
					break
				}
			}
		}
		if slot < 0 {
			sl.types = append(sl.types, mt)
			slot = len(sl.types) - 1
		}
		toBridge[i] = slot
	}
	toChannel = make([]int, len(sl.types))
	for i := range toChannel {
		toChannel[i] = -1
	}
	for i, slot := range toBridge {
		toChannel[slot] = i
	}
	return toBridge, toChannel
}
