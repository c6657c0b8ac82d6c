package translate

import (
	"testing"

	"github.com/pbx-dev/pbx/core/format"
)

func TestG722RoundTripSNR(t *testing.T) {
	// Given one second of a 1013 Hz sine at 16 kHz, When encoded to G.722 and
	// decoded frame by frame, Then the tone survives with the codec's
	// fixed delay and a sub-band ADPCM level of noise.
	r := NewRegistry()
	ref := sine(16000, 16000, 1013, 10000, 0)
	enc := run(t, mustBuild(t, r, format.SLin16, format.G722), format.SLin16, slinBytes(ref), 640)
	if len(enc) != 8000 {
		t.Fatalf("encoded %d bytes, want 8000", len(enc))
	}
	dec := slinValues(run(t, mustBuild(t, r, format.G722, format.SLin16), format.G722, enc, 160))
	snr, lag := alignedSNR(ref, dec, 1600, 64)
	t.Logf("G.722 round trip: SNR %.1f dB, delay %d samples", snr, lag)
	if snr < 25 {
		t.Errorf("SNR %.1f dB, want >= 25 dB", snr)
	}
	if hz := peakFrequency(dec[1600:], 16000, 900, 1100); hz != 1013 {
		t.Errorf("peak at %.0f Hz", hz)
	}
}

func TestG722OddFrames(t *testing.T) {
	// Given frames with odd sample counts, When encoded, Then the left-over
	// sample is carried into the next frame: the bytes equal those of
	// encoding the whole signal at once.
	r := NewRegistry()
	in := slinBytes(sine(3200, 16000, 700, 9000, 0))
	whole := run(t, mustBuild(t, r, format.SLin16, format.G722), format.SLin16, in, len(in))
	odd := run(t, mustBuild(t, r, format.SLin16, format.G722), format.SLin16, in, 2*161)
	if string(whole) != string(odd) {
		t.Errorf("odd-frame encoding differs (%d vs %d bytes)", len(odd), len(whole))
	}
	t.Run("a single sample is buffered", func(t *testing.T) {
		p := mustBuild(t, r, format.SLin16, format.G722)
		out, err := p.Translate(voice(format.SLin16, []byte{1, 0}, 0))
		if out != nil || err != nil {
			t.Errorf("Translate = %v, %v; want nil, nil", out, err)
		}
	})
}
