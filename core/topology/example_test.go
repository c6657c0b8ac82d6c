package topology_test

import (
	"errors"
	"fmt"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

func ExampleTopology_String() {
	t := topology.FromFormats(format.NewCaps(format.H264, format.ULaw, format.ALaw))
	fmt.Println(t)
	fmt.Println(topology.New())
	// Output:
	// <0:audio-0:audio:sendrecv (ulaw|alaw)> <1:video-1:video:sendrecv (h264)>
	// (empty)
}

func ExampleParse() {
	t, err := topology.Parse("<0:audio-0:audio:sendonly (ulaw)> <1:video-1:video:inactive (nothing)>")
	if err != nil {
		panic(err)
	}
	fmt.Println(t.Mirror())
	_, err = topology.Parse("<0:audio-0:audio:SENDRECV (ulaw)>")
	fmt.Println(errors.Is(err, topology.ErrSyntax), errors.Is(err, stream.ErrUnknownState))
	// Output:
	// <0:audio-0:audio:recvonly (ulaw)> <1:video-1:video:inactive (nothing)>
	// true true
}

func ExampleSlots_Map() {
	var slots topology.Slots // the bridge's slot list; it only grows
	alice, _ := topology.Parse("<0:audio-0:audio:sendrecv (ulaw)> <1:video-1:video:sendrecv (h264)>")
	bob, _ := topology.Parse("<0:video-0:video:sendrecv (h264)> <1:audio-1:audio:sendrecv (ulaw)> <2:audio-2:audio:sendrecv (opus)>")
	carol, _ := topology.Parse("<0:audio-0:audio:sendrecv (ulaw)>")

	for _, t := range []*topology.Topology{alice, bob, carol} {
		toBridge, toChannel := slots.Map(t)
		fmt.Println("toBridge", toBridge, "toChannel", toChannel)
	}
	// Output:
	// toBridge [0 1] toChannel [0 1]
	// toBridge [1 0 2] toChannel [1 0 2]
	// toBridge [0] toChannel [0 -1 -1]
}

func ExampleTopology_Snapshot() {
	t := topology.FromFormats(format.NewCaps(format.ULaw))
	snap := t.Snapshot() // what a channel installs: frozen, shareable

	s, _ := t.Stream(0)
	s.SetState(stream.SendOnly) // the caller's topology stays editable

	_, err := snap.Append(stream.New("", format.Video))
	fmt.Println(snap, errors.Is(err, topology.ErrFrozen))
	fmt.Println(t)
	// Output:
	// <0:audio-0:audio:sendrecv (ulaw)> true
	// <0:audio-0:audio:sendonly (ulaw)>
}
