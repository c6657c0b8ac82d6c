package audiotest_test

import (
	"fmt"

	"github.com/pbx-dev/pbx/internal/audiotest"
)

// Playing half a second of 440 Hz in 20 ms frames and checking it arrived.
func ExampleDetector() {
	gen := audiotest.NewGenerator(440, 8000, 0.5)
	det := audiotest.NewDetector(8000)
	frame := make([]int16, gen.FrameLen())
	for range 25 {
		gen.Next(frame)
		det.WriteBytes(audiotest.Bytes(frame)) // as an slin payload
	}
	fmt.Println(det.Present(440, 500), det.Present(1000, 20), det.Longest(440))
	// Output: true false 500ms
}
