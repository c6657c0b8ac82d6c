package format

import (
	"errors"
	"slices"
	"testing"
)

func TestMediaType(t *testing.T) {
	t.Run("given each known type when printed and parsed then it round-trips", func(t *testing.T) {
		for _, mt := range MediaTypes {
			got, err := ParseMediaType(mt.String())
			if err != nil || got != mt {
				t.Errorf("ParseMediaType(%q) = %v, %v; want %v", mt.String(), got, err, mt)
			}
		}
	})
	t.Run("given upper case when parsed then it is accepted", func(t *testing.T) {
		if got, err := ParseMediaType("VIDEO"); err != nil || got != Video {
			t.Errorf("ParseMediaType(VIDEO) = %v, %v; want video", got, err)
		}
	})
	t.Run("given canonical order then it is audio video image text", func(t *testing.T) {
		want := []MediaType{Audio, Video, Image, Text}
		if !slices.Equal(MediaTypes[:], want) {
			t.Errorf("MediaTypes = %v, want %v", MediaTypes, want)
		}
	})
	t.Run("given unknown or out-of-range values then String is unknown", func(t *testing.T) {
		for _, mt := range []MediaType{Unknown, 99} {
			if got := mt.String(); got != "unknown" {
				t.Errorf("MediaType(%d).String() = %q, want unknown", mt, got)
			}
		}
	})
	for name, in := range map[string]string{
		"empty":   "",
		"unknown": "unknown",
		"garbage": "foo",
		"spaced":  " audio",
	} {
		t.Run("given "+name+" name when parsed then ErrUnknownMediaType", func(t *testing.T) {
			got, err := ParseMediaType(in)
			if !errors.Is(err, ErrUnknownMediaType) || got != Unknown {
				t.Errorf("ParseMediaType(%q) = %v, %v; want Unknown, ErrUnknownMediaType", in, got, err)
			}
		})
	}
}

func TestFormatIs(t *testing.T) {
	withFMTP := Opus
	withFMTP.FMTP = "useinbandfec=1"
	otherRate := Opus
	otherRate.ClockRate = 16000
	mono := Opus
	mono.Channels = 1
	tests := []struct {
		name string
		a, b Format
		want bool
	}{
		{"given same format then Is", ULaw, ULaw, true},
		{"given only fmtp differs then Is (fmtp ignored)", Opus, withFMTP, true},
		{"given different names then not Is", ULaw, ALaw, false},
		{"given different clock rates then not Is", Opus, otherRate, false},
		{"given different channel counts then not Is", Opus, mono, false},
		{"given zero and a format then not Is", Format{}, ULaw, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Is(tt.b); got != tt.want {
				t.Errorf("%v.Is(%v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := tt.b.Is(tt.a); got != tt.want {
				t.Errorf("Is is not symmetric for %v, %v", tt.a, tt.b)
			}
		})
	}
}

func TestByName(t *testing.T) {
	t.Run("given every known name when looked up then the same format comes back", func(t *testing.T) {
		for _, f := range Known() {
			got, ok := ByName(f.Name)
			if !ok || got != f {
				t.Errorf("ByName(%q) = %v, %v", f.Name, got, ok)
			}
		}
	})
	t.Run("given alias slin8 then slin", func(t *testing.T) {
		got, ok := ByName("slin8")
		if !ok || got != SLin8 || got.Name != "slin" {
			t.Errorf("ByName(slin8) = %#v, %v; want SLin8", got, ok)
		}
	})
	t.Run("given mixed case then found", func(t *testing.T) {
		if got, ok := ByName("ULaw"); !ok || got != ULaw {
			t.Errorf("ByName(ULaw) = %v, %v", got, ok)
		}
		if got, ok := ByName("SLIN8"); !ok || got != SLin8 {
			t.Errorf("ByName(SLIN8) = %v, %v", got, ok)
		}
	})
	for _, n := range []string{"", "pcmu", "slin32", " ulaw"} {
		t.Run("given unknown name "+`"`+n+`"`+" then not found", func(t *testing.T) {
			if got, ok := ByName(n); ok || !got.IsZero() {
				t.Errorf("ByName(%q) = %v, %v; want zero, false", n, got, ok)
			}
		})
	}
	t.Run("given Known when its result is mutated then the table is not", func(t *testing.T) {
		k := Known()
		k[0] = Format{Name: "bogus"}
		if Known()[0] != ULaw {
			t.Error("Known() exposes the internal table")
		}
	})
}

func TestFormatHelpers(t *testing.T) {
	t.Run("given G722 then Rate is the sample rate 16000 not the clock 8000", func(t *testing.T) {
		if G722.Rate() != 16000 || G722.ClockRate != 8000 {
			t.Errorf("G722 rate %d clock %d", G722.Rate(), G722.ClockRate)
		}
	})
	t.Run("given no sample rate then Rate is the clock rate", func(t *testing.T) {
		if got := H264.Rate(); got != 90000 {
			t.Errorf("H264.Rate() = %d", got)
		}
	})
	t.Run("given slin formats then IsSLin; ulaw is not", func(t *testing.T) {
		for _, f := range []Format{SLin8, SLin16, SLin48} {
			if !f.IsSLin() {
				t.Errorf("%v.IsSLin() = false", f)
			}
		}
		if ULaw.IsSLin() {
			t.Error("ULaw.IsSLin() = true")
		}
	})
	t.Run("given a rate then SLin finds the signed linear format", func(t *testing.T) {
		for rate, want := range map[int]Format{8000: SLin8, 16000: SLin16, 48000: SLin48} {
			if got, ok := SLin(rate); !ok || got != want {
				t.Errorf("SLin(%d) = %v, %v", rate, got, ok)
			}
		}
		if got, ok := SLin(44100); ok || !got.IsZero() {
			t.Errorf("SLin(44100) = %v, %v; want zero, false", got, ok)
		}
	})
	t.Run("given zero format then String is (none) and IsZero", func(t *testing.T) {
		var z Format
		if !z.IsZero() || z.String() != "(none)" || z.LogValue().String() != "(none)" {
			t.Errorf("zero format: IsZero %v String %q", z.IsZero(), z.String())
		}
		if ULaw.String() != "ulaw" || ULaw.LogValue().String() != "ulaw" {
			t.Errorf("ULaw.String() = %q", ULaw.String())
		}
	})
}
