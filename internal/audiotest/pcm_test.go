package audiotest

import (
	"slices"
	"testing"
)

func TestBytesRoundTrip(t *testing.T) {
	in := []int16{0, 1, -1, 32767, -32768, 256, -256}
	b := Bytes(in)
	if len(b) != 2*len(in) {
		t.Fatalf("len(Bytes) = %d, want %d", len(b), 2*len(in))
	}
	// Little-endian layout: 256 is 0x00 0x01.
	if b[10] != 0x00 || b[11] != 0x01 {
		t.Errorf("256 encoded as % x, want 00 01", b[10:12])
	}
	if got := Samples(b); !slices.Equal(got, in) {
		t.Errorf("Samples(Bytes(x)) = %v, want %v", got, in)
	}
	if got := Samples(append(b, 0x7f)); !slices.Equal(got, in) {
		t.Errorf("odd trailing byte not ignored: %v", got)
	}
}

func TestAppendReusesCapacity(t *testing.T) {
	in := Sine(440, 8000, 20, 0.5)
	buf := make([]byte, 0, 320)
	out := make([]int16, 0, 160)
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendBytes(buf[:0], in)
		out = AppendSamples(out[:0], buf)
	})
	if allocs != 0 {
		t.Errorf("Append* with enough capacity allocated %v times", allocs)
	}
	if !slices.Equal(out, in) {
		t.Error("round trip through Append* changed the samples")
	}
}
