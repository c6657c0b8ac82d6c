package translate

import (
	"bytes"
	"testing"

	"github.com/zaf/g711"

	"github.com/pbx-dev/pbx/core/format"
)

func TestG711RoundTripSNR(t *testing.T) {
	// Given a 1013 Hz sine at -6 dBFS (not a divisor of the sample rate, so
	// the quantisation error is not periodic), When encoded to G.711 and
	// decoded back, Then the SNR is that of 8-bit logarithmic quantisation
	// (about 38 dB in theory).
	r := NewRegistry()
	ref := sine(8000, 8000, 1013, 16384, 0)
	for _, law := range []format.Format{format.ULaw, format.ALaw} {
		t.Run(law.Name, func(t *testing.T) {
			enc := run(t, mustBuild(t, r, format.SLin8, law), format.SLin8, slinBytes(ref), 320)
			dec := slinValues(run(t, mustBuild(t, r, law, format.SLin8), law, enc, 160))
			snr, lag := alignedSNR(ref, dec, 0, 0)
			t.Logf("%s round trip: SNR %.1f dB", law.Name, snr)
			if snr < 35 || lag != 0 {
				t.Errorf("SNR %.1f dB at lag %d, want >= 35 dB at lag 0", snr, lag)
			}
		})
	}
}

func TestG711DirectMatchesLibrary(t *testing.T) {
	// The direct ulaw<->alaw steps give the same bytes as zaf/g711's
	// whole-buffer transcoders, for every byte value.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	r := NewRegistry()
	tests := map[string]struct {
		src, dst format.Format
		want     []byte
	}{
		"ulaw to alaw": {format.ULaw, format.ALaw, g711.Ulaw2Alaw(all)},
		"alaw to ulaw": {format.ALaw, format.ULaw, g711.Alaw2Ulaw(all)},
		"ulaw to slin": {format.ULaw, format.SLin8, g711.DecodeUlaw(all)},
		"alaw to slin": {format.ALaw, format.SLin8, g711.DecodeAlaw(all)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := run(t, mustBuild(t, r, tc.src, tc.dst), tc.src, all, 256); !bytes.Equal(got, tc.want) {
				t.Errorf("output differs from zaf/g711")
			}
		})
	}
}
