package dtmf_test

import (
	"fmt"
	"time"

	"github.com/pbx-dev/pbx/internal/dtmf"
)

// Sending a 60 ms digit: one packet per 20 ms, the end packet three times.
func ExampleSender() {
	var s dtmf.Sender
	if err := s.Start('7', 60*time.Millisecond, 48000); err != nil {
		panic(err)
	}
	buf := make([]byte, 0, dtmf.Size)
	for {
		p, ok := s.Next()
		if !ok {
			break
		}
		buf = dtmf.Marshal(buf[:0], p.Event)
		fmt.Printf("marker=%v ts=%d payload=% x\n", p.Marker, p.Timestamp, buf)
	}
	// Output:
	// marker=true ts=48000 payload=07 0a 00 a0
	// marker=false ts=48000 payload=07 0a 01 40
	// marker=false ts=48000 payload=07 8a 01 e0
	// marker=false ts=48000 payload=07 8a 01 e0
	// marker=false ts=48000 payload=07 8a 01 e0
}

// Receiving packets with the first one lost and the end packet repeated:
// one Begin, one End.
func ExampleReceiver() {
	var r dtmf.Receiver
	var sigs []dtmf.Signal
	for _, p := range [][]byte{
		{7, 0x0a, 0x01, 0x40}, // the marker packet was lost
		{7, 0x8a, 0x01, 0xe0},
		{7, 0x8a, 0x01, 0xe0},
		{7, 0x8a, 0x01, 0xe0},
	} {
		sigs, _ = r.Push(48000, p, false, sigs)
	}
	fmt.Println(sigs)
	// Output: [begin 7 end 7 60ms]
}
