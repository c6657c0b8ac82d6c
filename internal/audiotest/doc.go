// Package audiotest proves that media flowed by looking for tones in it.
//
// End-to-end and driver tests play a known tone into one side of a call and
// check that the other side hears it. This package supplies both halves:
//
//   - [Sine] and [Generator] make the tone. A Generator hands out
//     consecutive frames (typically 20 ms) of one continuous sine, so a
//     stream built from many frames has no phase jumps at frame borders.
//   - [Goertzel], [Detect] and [DominantFrequency] look at one block of
//     samples. They compare the power at the probed frequency with the
//     block's total power, so they survive G.711 quantisation, resampling
//     and moderate noise, and they reject silence and white noise.
//   - [Detector] accumulates the samples of many frames (as int16 or as
//     little-endian signed-linear bytes, the payload of an "slin" frame) and
//     answers "was 440 Hz present for at least 500 ms".
//   - [AppendBytes], [AppendSamples], [Bytes] and [Samples] convert between
//     int16 samples and little-endian bytes.
//
// A typical check:
//
//	gen := audiotest.NewGenerator(440, 8000, 0.5)
//	frame := make([]int16, gen.FrameLen())
//	for range 50 { // one second
//		gen.Next(frame)
//		send(audiotest.Bytes(frame))
//	}
//	...
//	det := audiotest.NewDetector(8000)
//	for _, p := range received {
//		det.WriteBytes(p)
//	}
//	if !det.Present(440, 800) { t.Fatal("no 440 Hz on the far side") }
//
// # Ownership and concurrency
//
// Functions never retain the slices they are given; [Detector] copies what
// it is written. [Generator] and [Detector] are single-goroutine types: use
// each from one goroutine at a time (or guard it with a mutex). The package
// is meant for tests but has no dependency on package testing, so test
// phones and example programs can use it too.
package audiotest
