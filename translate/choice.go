package translate

import (
	"fmt"

	"github.com/pbx-dev/pbx/core/format"
)

// BestChoice picks the audio formats two parties should use: fa from a and
// fb from b (each keeping its own FMTP). Non-audio formats are ignored.
//
// When a and b share audio formats, the shared one with the highest sample
// rate wins, earlier in a on ties, and fa and fb are the same codec (no
// translation). Otherwise media has to be translated both ways, so only
// pairs with a route in both directions count, and the pair with the
// lowest sum of the two routes' table costs wins; ties go to the smallest
// sample-rate gap, then the lowest computational cost, then the order of a
// and of b. This follows Asterisk's ast_translator_best_choice, applied to
// both directions of a call.
//
// It returns an error wrapping [ErrNoAudio] when a or b has no audio
// format, and [ErrNoTranslationPath] when no pair works both ways.
func (r *Registry) BestChoice(a, b format.Caps) (fa, fb format.Format, err error) {
	aa, ab := a.OfType(format.Audio), b.OfType(format.Audio)
	if aa.IsEmpty() || ab.IsEmpty() {
		return fa, fb, fmt.Errorf("translate: best choice %s / %s: %w", a, b, ErrNoAudio)
	}
	found := false
	for _, f := range aa.All {
		if g, ok := ab.Find(f); ok && (!found || f.Rate() > fa.Rate()) {
			fa, fb, found = f, g, true
		}
	}
	if found {
		return fa, fb, nil
	}

	type key struct{ cost, gap, comp int }
	var best key
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, x := range aa.All {
		for _, y := range ab.All {
			there, err1 := r.lookupLocked(x, y)
			back, err2 := r.lookupLocked(y, x)
			if err1 != nil || err2 != nil {
				continue
			}
			k := key{there.Cost + back.Cost, abs(x.Rate() - y.Rate()), there.CompCost + back.CompCost}
			if !found || k.cost < best.cost ||
				(k.cost == best.cost && (k.gap < best.gap || (k.gap == best.gap && k.comp < best.comp))) {
				fa, fb, best, found = x, y, k, true
			}
		}
	}
	if !found {
		return format.Format{}, format.Format{}, fmt.Errorf("translate: best choice %s / %s: %w", a, b, ErrNoTranslationPath)
	}
	return fa, fb, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
