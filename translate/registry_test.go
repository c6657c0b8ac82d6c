package translate

import (
	"errors"
	"sync"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// copyStep is a test translator that copies the payload into dst.
type copyStep struct{ dst format.Format }

func (c copyStep) Translate(in *frame.Frame) (*frame.Frame, error) {
	out := newOutput(in, c.dst, len(in.Payload), in.Samples, in.Timestamp)
	copy(out.Payload, in.Payload)
	return out, nil
}

func testStep(src, dst format.Format, table, comp int) Step {
	return Step{Src: src, Dst: dst, TableCost: table, CompCost: comp, New: func() Translator { return copyStep{dst} }}
}

func lossy(name string) format.Format {
	return format.Format{Name: name, Type: format.Audio, ClockRate: 8000, SampleRate: 8000, Channels: 1}
}

func TestBuiltinRoutes(t *testing.T) {
	r := NewRegistry()
	tests := []struct {
		name     string
		src, dst format.Format
		route    string
		cost     int
	}{
		{"ulaw decodes directly to slin", format.ULaw, format.SLin8, "ulaw -> slin", 900000},
		{"slin encodes directly to ulaw", format.SLin8, format.ULaw, "slin -> ulaw", 600000},
		{"ulaw to alaw takes the direct step, not slin", format.ULaw, format.ALaw, "ulaw -> alaw", 915000},
		{"alaw to ulaw takes the direct step", format.ALaw, format.ULaw, "alaw -> ulaw", 915000},
		{"slin8 to slin48 resamples in one step", format.SLin8, format.SLin48, "slin -> slin48", 800000},
		{"slin48 to slin8 resamples in one step", format.SLin48, format.SLin8, "slin48 -> slin", 850000},
		{"alaw to slin16 goes through slin", format.ALaw, format.SLin16, "alaw -> slin -> slin16", 1700000},
		{"alaw to g722 takes three steps", format.ALaw, format.G722, "alaw -> slin -> slin16 -> g722", 2300000},
		{"g722 to ulaw takes three steps", format.G722, format.ULaw, "g722 -> slin16 -> slin -> ulaw", 2350000},
		{"opus to ulaw decodes then down-samples", format.Opus, format.ULaw, "opus -> slin48 -> slin -> ulaw", 2350000},
		{"opus to g722 goes through slin16", format.Opus, format.G722, "opus -> slin48 -> slin16 -> g722", 2350000},
		{"g722 to slin48 up-samples from 16 kHz", format.G722, format.SLin48, "g722 -> slin16 -> slin48", 1700000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, err := r.Route(tc.src, tc.dst)
			if err != nil {
				t.Fatalf("Route: %v", err)
			}
			if rt.String() != tc.route || rt.Cost != tc.cost {
				t.Errorf("route = %q cost %d, want %q cost %d", rt, rt.Cost, tc.route, tc.cost)
			}
			p := mustBuild(t, r, tc.src, tc.dst)
			if p.String() != tc.route || p.Route().Len() != rt.Len() {
				t.Errorf("path = %q, want %q", p, tc.route)
			}
			if !p.Src().Is(tc.src) || !p.Dst().Is(tc.dst) {
				t.Errorf("path formats = %s, %s", p.Src(), p.Dst())
			}
		})
	}
}

func TestRouteChoice(t *testing.T) {
	x, y1, y2, z := lossy("x"), lossy("y1"), lossy("y2"), lossy("z")

	t.Run("given equal table costs, the lower computational cost wins", func(t *testing.T) {
		var r Registry
		for _, s := range []Step{
			testStep(x, y1, 0, 10), testStep(y1, z, 0, 10),
			testStep(x, y2, 0, 1), testStep(y2, z, 0, 1),
		} {
			if err := r.Register(s); err != nil {
				t.Fatal(err)
			}
		}
		rt, err := r.Route(x, z)
		if err != nil {
			t.Fatal(err)
		}
		if got := rt.String(); got != "x -> y2 -> z" || rt.CompCost != 2 || rt.Cost != 2*915000 {
			t.Errorf("route = %q (%d, %d), want x -> y2 -> z (1830000, 2)", got, rt.Cost, rt.CompCost)
		}
	})

	t.Run("given a direct step dearer than a two-step route, the direct step still wins", func(t *testing.T) {
		var r Registry
		for _, s := range []Step{testStep(x, y1, 400000, 1), testStep(y1, z, 400000, 1), testStep(x, z, 5000000, 900)} {
			if err := r.Register(s); err != nil {
				t.Fatal(err)
			}
		}
		rt, err := r.Route(x, z)
		if err != nil {
			t.Fatal(err)
		}
		if rt.String() != "x -> z" {
			t.Errorf("route = %q, want the direct step", rt)
		}
	})

	t.Run("given a cheaper route through a lossless format, it beats the lossy one", func(t *testing.T) {
		var r Registry
		ll := format.Format{Name: "ll", Type: format.Audio, ClockRate: 8000, Lossless: true}
		for _, s := range []Step{testStep(x, y1, 0, 1), testStep(y1, z, 0, 1), testStep(x, ll, 0, 50), testStep(ll, z, 0, 50)} {
			if err := r.Register(s); err != nil {
				t.Fatal(err)
			}
		}
		rt, err := r.Route(x, z)
		if err != nil {
			t.Fatal(err)
		}
		// x->ll->z = 900000+600000 beats x->y1->z = 915000+915000.
		if rt.String() != "x -> ll -> z" || rt.Cost != 1500000 {
			t.Errorf("route = %q cost %d, want x -> ll -> z cost 1500000", rt, rt.Cost)
		}
	})
}

func TestBuildErrors(t *testing.T) {
	r := NewRegistry()
	amr := format.Format{Name: "amr", Type: format.Audio, ClockRate: 8000, SampleRate: 8000, Channels: 1}
	tests := map[string]struct {
		src, dst format.Format
		want     []error
	}{
		"video source is never transcoded":      {format.H264, format.VP8, []error{ErrVideo, ErrNoTranslationPath}},
		"video destination is never transcoded": {format.ULaw, format.VP8, []error{ErrVideo, ErrNoTranslationPath}},
		"same codec needs no path":              {format.ULaw, format.ULaw, []error{ErrSameFormat}},
		"same video codec needs no path either": {format.H264, format.H264, []error{ErrSameFormat}},
		"unknown source format":                 {amr, format.ULaw, []error{ErrUnknownFormat, ErrNoTranslationPath}},
		"unknown destination format":            {format.ULaw, amr, []error{ErrUnknownFormat, ErrNoTranslationPath}},
		"zero format":                           {format.Format{}, format.ULaw, []error{ErrUnknownFormat}},
		"opus has no encoder":                   {format.ULaw, format.Opus, []error{ErrNoTranslationPath}},
		"text is not audio":                     {format.ULaw, format.T140, []error{ErrUnknownFormat}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p, err := r.BuildPath(tc.src, tc.dst)
			if p != nil {
				t.Errorf("BuildPath returned a path %s", p)
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("BuildPath(%s, %s) error = %v, want %v", tc.src, tc.dst, err, w)
				}
			}
			// Build, for the channel core, returns a nil interface on error.
			if tr, err := r.Build(tc.src, tc.dst); tr != nil || !errors.Is(err, tc.want[0]) {
				t.Errorf("Build = %v, %v; want nil, %v", tr, err, tc.want[0])
			}
			if _, err := r.Route(tc.src, tc.dst); !errors.Is(err, tc.want[0]) {
				t.Errorf("Route error = %v, want %v", err, tc.want[0])
			}
		})
	}
	t.Run("same format is not reported as a missing path", func(t *testing.T) {
		if _, err := r.Build(format.ULaw, format.ULaw); errors.Is(err, ErrNoTranslationPath) {
			t.Errorf("error %v wraps ErrNoTranslationPath", err)
		}
	})
}

func TestRegisterErrors(t *testing.T) {
	x, y := lossy("x"), lossy("y")
	tests := map[string]struct {
		step Step
		want error
	}{
		"nil constructor":         {Step{Src: x, Dst: y}, ErrInvalidStep},
		"zero source":             {testStep(format.Format{}, y, 0, 1), ErrInvalidStep},
		"video step":              {testStep(format.H264, format.VP8, 1, 1), ErrVideo},
		"same format":             {testStep(x, x, 0, 1), ErrSameFormat},
		"audio to text":           {testStep(x, format.T140, 1, 1), ErrInvalidStep},
		"text step without costs": {testStep(format.T140, format.Format{Name: "red", Type: format.Text, ClockRate: 1000}, 0, 1), ErrInvalidStep},
		"negative cost":           {testStep(x, y, -1, 1), ErrInvalidStep},
		"duplicate step":          {testStep(format.ULaw, format.SLin8, 0, 1), ErrDuplicateStep},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := NewRegistry()
			before := r.Table()
			if err := r.Register(tc.step); !errors.Is(err, tc.want) {
				t.Errorf("Register error = %v, want %v", err, tc.want)
			}
			if r.Table() != before {
				t.Error("a refused step changed the table")
			}
		})
	}
	t.Run("unmeasured step gets the worst computational cost", func(t *testing.T) {
		var r Registry
		if err := r.Register(testStep(x, y, 0, 0)); err != nil {
			t.Fatal(err)
		}
		if s := r.Steps()[0]; s.CompCost != unknownCompCost || s.TableCost != 915000 {
			t.Errorf("costs = %d, %d", s.TableCost, s.CompCost)
		}
	})
}

func TestRegistryConcurrentUse(t *testing.T) {
	// Given one registry, When paths are built and used on several
	// goroutines while new steps are registered, Then the race detector
	// stays quiet and every path works.
	r := NewRegistry()
	in := slinBytes(sine(160, 8000, 1000, 8000, 0))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				p, err := r.Build(format.SLin8, format.G722) // as the channel core calls it
				if err != nil {
					t.Error(err)
					return
				}
				if _, ok := p.(*Path); !ok {
					t.Errorf("Build returned %T, want *Path", p)
					return
				}
				out, err := p.Translate(voice(format.SLin8, in, 0))
				if err != nil || out == nil || len(out.Payload) != 160 {
					t.Errorf("translate: %v", err)
					return
				}
				out.Release()
				_ = r.Table()
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			f := lossy("extra" + string(rune('a'+i)))
			if err := r.Register(testStep(format.SLin8, f, 0, 1)); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
}
