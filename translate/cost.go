package translate

import "github.com/pbx-dev/pbx/core/format"

// Table cost tiers, copied from Asterisk's main/translate.c. "LL" is
// lossless (signed linear), "LY" lossy; "up" and "down" compare the decoded
// sample rates of source and destination. A lossless intermediate beats a
// lossy one and keeping the rate beats resampling.
const (
	costLLToLLSame  = 400000
	costLLToLYSame  = 600000
	costLLToLLUp    = 800000
	costLLToLYUp    = 825000
	costLLToLLDown  = 850000
	costLLToLYDown  = 875000
	costLLToUnknown = 885000
	costLYToLLSame  = 900000
	costLYToLYSame  = 915000
	costLYToLLUp    = 930000
	costLYToLYUp    = 945000
	costLYToLLDown  = 960000
	costLYToLYDown  = 975000
	costLYToUnknown = 985000
	// unknownCompCost is the computational cost of a step registered
	// without one (Asterisk's value for a translator it cannot time).
	unknownCompCost = 999999
)

// DefaultCost returns Asterisk's table cost for a single audio step from
// src to dst, derived from whether each side is lossless (signed linear)
// and how the decoded sample rates ([format.Format.Rate]) relate:
//
//	                 same rate  up-sampling  down-sampling  unknown rate
//	lossless→lossless  400000      800000        850000        885000
//	lossless→lossy     600000      825000        875000        885000
//	lossy→lossless     900000      930000        960000        985000
//	lossy→lossy        915000      945000        975000        985000
//
// Costs add up along a multi-step path; the path search also makes any
// direct step beat every multi-step path, whatever the sums.
func DefaultCost(src, dst format.Format) int {
	srcRate, dstRate := src.Rate(), dst.Rate()
	if src.Lossless {
		switch {
		case srcRate == 0 || dstRate == 0:
			return costLLToUnknown
		case srcRate == dstRate:
			return pick(dst.Lossless, costLLToLLSame, costLLToLYSame)
		case srcRate < dstRate:
			return pick(dst.Lossless, costLLToLLUp, costLLToLYUp)
		default:
			return pick(dst.Lossless, costLLToLLDown, costLLToLYDown)
		}
	}
	switch {
	case srcRate == 0 || dstRate == 0:
		return costLYToUnknown
	case srcRate == dstRate:
		return pick(dst.Lossless, costLYToLLSame, costLYToLYSame)
	case srcRate < dstRate:
		return pick(dst.Lossless, costLYToLLUp, costLYToLYUp)
	default:
		return pick(dst.Lossless, costLYToLLDown, costLYToLYDown)
	}
}

func pick(lossless bool, ll, ly int) int {
	if lossless {
		return ll
	}
	return ly
}
