package frame_test

import (
	"fmt"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// A driver reads 20 ms of μ-law into a pooled frame, hands it on, and the
// SIP side writes the RTP header into the headroom without copying.
func ExampleFrame_Prepend() {
	f := frame.Get(160)
	defer f.Release() // only the owner releases
	f.Kind, f.Format, f.Samples = frame.Voice, format.ULaw, 160

	pkt := f.Prepend(frame.Headroom)
	pkt[0] = 0x80 // RTP version 2
	fmt.Println(len(pkt), f)
	// Output:
	// 172 voice stream -1 ulaw 172 bytes
}

// To keep a borrowed frame, clone it; the clone is the caller's to release.
func ExampleFrame_Clone() {
	f := frame.Get(3)
	copy(f.Payload, "abc")
	c := f.Clone()
	f.Release()
	c.Payload[0] = 'X'
	fmt.Println(string(c.Payload))
	c.Release()
	// Output:
	// Xbc
}
