package translate

import (
	"testing"

	"github.com/pbx-dev/pbx/core/format"
)

func TestDefaultCost(t *testing.T) {
	unknownRate := format.Format{Name: "mystery", Type: format.Audio}
	tests := map[string]struct {
		src, dst format.Format
		want     int
	}{
		"lossless to lossless, same rate":    {format.SLin8, format.Format{Name: "slin-b", Type: format.Audio, ClockRate: 8000, Lossless: true}, 400000},
		"lossless to lossy, same rate":       {format.SLin8, format.ULaw, 600000},
		"lossless to lossless, up":           {format.SLin8, format.SLin16, 800000},
		"lossless to lossy, up":              {format.SLin8, format.G722, 825000},
		"lossless to lossless, down":         {format.SLin48, format.SLin8, 850000},
		"lossless to lossy, down":            {format.SLin48, format.ULaw, 875000},
		"lossless to unknown rate":           {format.SLin8, unknownRate, 885000},
		"lossy to lossless, same rate":       {format.ULaw, format.SLin8, 900000},
		"lossy to lossy, same rate":          {format.ULaw, format.ALaw, 915000},
		"lossy to lossless, up":              {format.ULaw, format.SLin16, 930000},
		"lossy to lossy, up":                 {format.ULaw, format.G722, 945000},
		"lossy to lossless, down":            {format.Opus, format.SLin8, 960000},
		"lossy to lossy, down":               {format.Opus, format.ULaw, 975000},
		"lossy to unknown rate":              {format.ULaw, unknownRate, 985000},
		"g722 counts its 16 kHz sample rate": {format.G722, format.SLin16, 900000},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := DefaultCost(tc.src, tc.dst); got != tc.want {
				t.Errorf("DefaultCost(%s, %s) = %d, want %d", tc.src, tc.dst, got, tc.want)
			}
		})
	}
}
