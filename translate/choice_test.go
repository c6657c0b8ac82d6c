package translate

import (
	"errors"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
)

func TestBestChoice(t *testing.T) {
	r := NewRegistry()
	opusFEC := format.Opus
	opusFEC.FMTP = "useinbandfec=1"
	caps := format.NewCaps
	tests := []struct {
		name   string
		a, b   format.Caps
		fa, fb format.Format
	}{
		{"shared format: the only one", caps(format.ULaw), caps(format.ALaw, format.ULaw), format.ULaw, format.ULaw},
		{"shared formats: highest sample rate wins over order", caps(format.ULaw, format.G722), caps(format.G722, format.ULaw), format.G722, format.G722},
		{"shared formats at equal rate: a's order wins", caps(format.ALaw, format.ULaw), caps(format.ULaw, format.ALaw), format.ALaw, format.ALaw},
		{"shared format keeps each side's fmtp", caps(format.Opus), caps(opusFEC), format.Opus, opusFEC},
		{"video is ignored", caps(format.H264, format.ULaw), caps(format.ULaw, format.H264), format.ULaw, format.ULaw},
		{"no shared format: direct G.711 transcode wins", caps(format.ULaw), caps(format.ALaw), format.ULaw, format.ALaw},
		{"no shared format: slin16 and g722 beat slin8 and g722", caps(format.SLin8, format.SLin16), caps(format.G722), format.SLin16, format.G722},
		{"no shared format: cheapest pair, not first", caps(format.G722, format.ULaw), caps(format.SLin8), format.ULaw, format.SLin8},
		{"equal cost: smallest rate gap wins", caps(format.SLin48, format.SLin16), caps(format.SLin8), format.SLin16, format.SLin8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fa, fb, err := r.BestChoice(tc.a, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if fa != tc.fa || fb != tc.fb {
				t.Errorf("BestChoice(%s, %s) = %s/%q, %s/%q; want %s, %s", tc.a, tc.b, fa, fa.FMTP, fb, fb.FMTP, tc.fa, tc.fb)
			}
		})
	}
	errTests := map[string]struct {
		a, b format.Caps
		want error
	}{
		"video only":                     {caps(format.H264), caps(format.H264), ErrNoAudio},
		"empty set":                      {format.Caps{}, caps(format.ULaw), ErrNoAudio},
		"opus cannot be encoded back":    {caps(format.Opus), caps(format.ULaw), ErrNoTranslationPath},
		"unknown codec on one side":      {caps(lossy("amr")), caps(format.ULaw), ErrNoTranslationPath},
		"no audio counts as no path too": {caps(format.VP8), caps(format.ULaw), ErrNoTranslationPath},
	}
	for name, tc := range errTests {
		t.Run(name, func(t *testing.T) {
			if _, _, err := r.BestChoice(tc.a, tc.b); !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
		})
	}
}
