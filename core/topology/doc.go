// Package topology defines [Topology], the ordered list of streams of a call
// leg (one per SDP m-line), and the stream mapping primitive bridges use.
//
// Positions are indexes and always dense. A declined stream keeps its slot
// with state removed ([Topology.Set] a removed stream, or change its state on
// a clone); [Topology.Delete] removes the slot and renumbers later streams.
// Streams appended or set with an empty name are named "<type>-<position>",
// also when Set appends at the end (a quirk Asterisk has that we fix).
//
// Snapshots: a topology installed on a channel is frozen with
// [Topology.Freeze]; mutating a frozen topology or one of its streams
// panics. Edit a [Topology.Clone] and install or request that. A frozen
// topology may be shared between goroutines; an unfrozen one is owned by
// one goroutine at a time. There are no locks.
//
// Mapping by type ([Slots.Map]): the n-th stream of type T in a topology is
// paired with the n-th slot of type T in a bridge's slot list; unmapped
// entries are -1.
package topology
