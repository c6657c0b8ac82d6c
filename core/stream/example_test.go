package stream_test

import (
	"fmt"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
)

func ExampleParseState() {
	st, err := stream.ParseState("sendonly")
	fmt.Println(st, st.Mirror(), err)
	_, err = stream.ParseState("SENDRECV")
	fmt.Println(err)
	// Output:
	// sendonly recvonly <nil>
	// stream: unknown state: "SENDRECV"
}

func ExampleStream_String() {
	s := stream.New("main", format.Audio)
	fmt.Println(s)
	s.SetFormats(format.NewCaps(format.ULaw, format.ALaw))
	s.SetState(stream.SendRecv)
	fmt.Println(s) // position -1: not in a topology yet
	// Output:
	// -1:main:audio:inactive (nothing)
	// -1:main:audio:sendrecv (ulaw|alaw)
}
