package format

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func names(c Caps) []string {
	var n []string
	for _, f := range c.All {
		n = append(n, f.Name)
	}
	return n
}

func TestNewCaps(t *testing.T) {
	t.Run("given duplicates when built then later duplicates are dropped and order kept", func(t *testing.T) {
		c := NewCaps(ALaw, ULaw, ALaw, ULaw, G722)
		if got, want := names(c), []string{"alaw", "ulaw", "g722"}; !slices.Equal(got, want) {
			t.Errorf("NewCaps = %v, want %v", got, want)
		}
	})
	t.Run("given a duplicate differing only in fmtp then the first one is kept", func(t *testing.T) {
		o := Opus
		o.FMTP = "stereo=1"
		c := NewCaps(o, Opus)
		if c.Len() != 1 || c.First().FMTP != "stereo=1" {
			t.Errorf("NewCaps(opus;fmtp, opus) = %v (fmtp %q)", c, c.First().FMTP)
		}
	})
	t.Run("given zero formats when built then they are skipped", func(t *testing.T) {
		c := NewCaps(Format{}, ULaw, Format{})
		if c.Len() != 1 || !c.Contains(ULaw) {
			t.Errorf("NewCaps with zero formats = %v", c)
		}
	})
	t.Run("given the caller's slice when mutated afterwards then the caps are not", func(t *testing.T) {
		fs := []Format{ULaw, ALaw}
		c := NewCaps(fs...)
		fs[0] = H264
		if c.First() != ULaw {
			t.Errorf("caps aliased the argument slice: %v", c)
		}
		out := c.Formats()
		out[0] = H264
		if c.First() != ULaw {
			t.Errorf("Formats() aliased the caps: %v", c)
		}
	})
	t.Run("given the zero Caps then it is empty and prints (nothing)", func(t *testing.T) {
		var c Caps
		if !c.IsEmpty() || c.Len() != 0 || !c.First().IsZero() || c.String() != "(nothing)" {
			t.Errorf("zero Caps: empty %v len %d first %v string %q", c.IsEmpty(), c.Len(), c.First(), c.String())
		}
	})
}

func TestCapsAccessors(t *testing.T) {
	c := NewCaps(ULaw, ALaw, H264)
	t.Run("given an index in range then At returns it", func(t *testing.T) {
		if f, ok := c.At(2); !ok || f != H264 {
			t.Errorf("At(2) = %v, %v", f, ok)
		}
	})
	for _, i := range []int{-1, 3} {
		t.Run(fmt.Sprintf("given index %d out of range then At is false", i), func(t *testing.T) {
			if f, ok := c.At(i); ok || !f.IsZero() {
				t.Errorf("At(%d) = %v, %v", i, f, ok)
			}
		})
	}
	t.Run("given Index and Find then they use Is and keep the stored fmtp", func(t *testing.T) {
		h := H264
		h.FMTP = "packetization-mode=1"
		c := NewCaps(ULaw, h)
		if i := c.Index(H264); i != 1 {
			t.Errorf("Index(h264) = %d", i)
		}
		if i := c.Index(Opus); i != -1 {
			t.Errorf("Index(opus) = %d, want -1", i)
		}
		if f, ok := c.Find(H264); !ok || f.FMTP != "packetization-mode=1" {
			t.Errorf("Find(h264) = %#v, %v", f, ok)
		}
		if f, ok := c.Find(Opus); ok || !f.IsZero() {
			t.Errorf("Find(opus) = %v, %v", f, ok)
		}
	})
	t.Run("given All when the loop breaks then iteration stops", func(t *testing.T) {
		n := 0
		for range c.All {
			n++
			break
		}
		if n != 1 {
			t.Errorf("iterated %d times after break", n)
		}
	})
	t.Run("given HasType then it reports media types present", func(t *testing.T) {
		if !c.HasType(Audio) || !c.HasType(Video) || c.HasType(Text) {
			t.Errorf("HasType on %v wrong", c)
		}
	})
}

func TestCapsSetOperations(t *testing.T) {
	ua := NewCaps(ULaw, ALaw)
	ag := NewCaps(ALaw, G722)
	tests := []struct {
		name string
		got  Caps
		want string
	}{
		{"given ulaw|alaw and alaw|g722 when Intersect then alaw", ua.Intersect(ag), "alaw"},
		{"given order when Intersect then the receiver's order is kept", NewCaps(ALaw, ULaw).Intersect(ua), "alaw|ulaw"},
		{"given disjoint sets when Intersect then (nothing)", ua.Intersect(NewCaps(H264)), "(nothing)"},
		{"given ulaw|alaw and alaw|g722 when Union then receiver first then new ones", ua.Union(ag), "ulaw|alaw|g722"},
		{"given empty receiver when Union then the other set", Caps{}.Union(ag), "alaw|g722"},
		{"given empty both when Union then (nothing)", Caps{}.Union(Caps{}), "(nothing)"},
		{"given ulaw|alaw when Without alaw|g722 then ulaw", ua.Without(ag), "ulaw"},
		{"given Without itself then (nothing)", ua.Without(ua), "(nothing)"},
		{"given Without empty then unchanged", ua.Without(Caps{}), "ulaw|alaw"},
		{"given mixed caps when OfType audio then audio only, in order", NewCaps(H264, ULaw, VP8, ALaw).OfType(Audio), "ulaw|alaw"},
		{"given mixed caps when OfType video then video only", NewCaps(H264, ULaw, VP8, ALaw).OfType(Video), "h264|vp8"},
		{"given no text when OfType text then (nothing)", ua.OfType(Text), "(nothing)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("given a Union result when it is appended to then the receiver is unaffected", func(t *testing.T) {
		base := NewCaps(ULaw, ALaw)
		u1 := base.Union(NewCaps(G722))
		u2 := base.Union(NewCaps(Opus))
		if u1.String() != "ulaw|alaw|g722" || u2.String() != "ulaw|alaw|opus" || base.String() != "ulaw|alaw" {
			t.Errorf("aliasing: base %v u1 %v u2 %v", base, u1, u2)
		}
	})
}

func TestCapsContainsSameSet(t *testing.T) {
	withFMTP := ULaw
	withFMTP.FMTP = "x=1"
	t.Run("given a format with other fmtp then Contains", func(t *testing.T) {
		if !NewCaps(ULaw).Contains(withFMTP) {
			t.Error("Contains ignored Is semantics")
		}
	})
	t.Run("given a missing format then not Contains", func(t *testing.T) {
		if NewCaps(ULaw).Contains(ALaw) || (Caps{}).Contains(ULaw) {
			t.Error("Contains reported a missing format")
		}
	})
	tests := []struct {
		name string
		a, b Caps
		want bool
	}{
		{"given same formats in other order then SameSet", NewCaps(ULaw, ALaw), NewCaps(ALaw, ULaw), true},
		{"given fmtp differences then SameSet", NewCaps(ULaw), NewCaps(withFMTP), true},
		{"given a subset then not SameSet", NewCaps(ULaw), NewCaps(ULaw, ALaw), false},
		{"given same size different formats then not SameSet", NewCaps(ULaw, G722), NewCaps(ULaw, ALaw), false},
		{"given two empty sets then SameSet", Caps{}, NewCaps(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.SameSet(tt.b); got != tt.want {
				t.Errorf("%v.SameSet(%v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := tt.b.SameSet(tt.a); got != tt.want {
				t.Errorf("SameSet not symmetric for %v, %v", tt.a, tt.b)
			}
		})
	}
}

func TestCapsString(t *testing.T) {
	t.Run("given ulaw and alaw then ulaw|alaw", func(t *testing.T) {
		if got := NewCaps(ULaw, ALaw).String(); got != "ulaw|alaw" {
			t.Errorf("String = %q", got)
		}
	})
	t.Run("given nothing then (nothing)", func(t *testing.T) {
		if got := NewCaps().String(); got != "(nothing)" {
			t.Errorf("String = %q", got)
		}
	})
}

func TestParseCaps(t *testing.T) {
	ok := map[string]struct{ in, want string }{
		"given pipes then parsed":                {"ulaw|alaw", "ulaw|alaw"},
		"given commas then parsed":               {"ulaw,alaw", "ulaw|alaw"},
		"given spaces around names then trimmed": {" ulaw | alaw ", "ulaw|alaw"},
		"given upper case then parsed":           {"ULAW|ALAW", "ulaw|alaw"},
		"given duplicates then deduplicated":     {"ulaw|alaw|ulaw", "ulaw|alaw"},
		"given empty fields then skipped":        {"ulaw||alaw,", "ulaw|alaw"},
		"given alias slin8 then slin":            {"slin8", "slin"},
		"given (nothing) then empty":             {"(nothing)", "(nothing)"},
		"given empty string then empty":          {"", "(nothing)"},
		"given only blanks then empty":           {"   ", "(nothing)"},
	}
	for name, tc := range ok {
		t.Run(name, func(t *testing.T) {
			c, err := ParseCaps(tc.in)
			if err != nil {
				t.Fatalf("ParseCaps(%q): %v", tc.in, err)
			}
			if got := c.String(); got != tc.want {
				t.Errorf("ParseCaps(%q) = %q, want %q", tc.in, got, tc.want)
			}
			again, err := ParseCaps(c.String())
			if err != nil || !again.SameSet(c) || again.String() != c.String() {
				t.Errorf("round trip of %q: %v, %v", c, again, err)
			}
		})
	}
	bad := map[string]struct{ in, name string }{
		"given an unknown codec then UnknownFormatError":            {"ulaw|pcmu", "pcmu"},
		"given (nothing) mixed with codecs then UnknownFormatError": {"(nothing)|ulaw", "(nothing)"},
		"given a space-separated list then UnknownFormatError":      {"ulaw alaw", "ulaw alaw"},
	}
	for name, tc := range bad {
		t.Run(name, func(t *testing.T) {
			c, err := ParseCaps(tc.in)
			var ufe *UnknownFormatError
			if !errors.As(err, &ufe) {
				t.Fatalf("ParseCaps(%q) = %v, %v; want *UnknownFormatError", tc.in, c, err)
			}
			if ufe.Name != tc.name {
				t.Errorf("error names %q, want %q", ufe.Name, tc.name)
			}
			if !c.IsEmpty() {
				t.Errorf("caps on error = %v, want empty", c)
			}
			if got, want := err.Error(), `format: unknown format "`+tc.name+`"`; got != want {
				t.Errorf("Error() = %q, want %q", got, want)
			}
		})
	}
}
