package jitter

import (
	"math"
	"time"
)

// estimator measures how much later than the fastest packet the packets of
// a stream arrive, and derives the target playout delay from it.
//
// Each packet's relative transit r = arrival - timestamp/rate (both from a
// common origin) is compared with the minimum r seen over the last two to
// four seconds; the excess e = r - min is the packet's delay variation.
// Clock drift between sender and receiver moves r slowly, and the sliding
// minimum follows it. The excesses go into a histogram whose old samples
// fade out exponentially (time constant about 250 packets, 5 s at 20 ms),
// and the target is its 98th percentile: it rises as soon as 2% of recent
// packets need more delay and sinks as big excesses age out.
type estimator struct {
	width time.Duration // histogram bucket width
	hist  []float64     // last bucket collects everything above range
	inc   float64       // weight of the next sample
	total float64
	n     int // samples seen

	dirty    bool // cached is stale
	haveMin  bool // curMin, prevMin and curStart are set
	haveLast bool // lastR is set
	cached   time.Duration

	curMin, prevMin int64 // sliding minimum of r, ns
	curStart        int64 // arrival (ns) that opened the current block

	lastR  int64 // RFC 3550 jitter
	jitter float64
}

const (
	forget     = 0.996 // per-sample histogram decay
	percentile = 0.98
	minBlock   = int64(time.Second)
)

func newEstimator(maxDelay time.Duration) estimator {
	width := max(time.Millisecond, maxDelay/128)
	return estimator{
		width: width,
		hist:  make([]float64, int(maxDelay/width)+2),
		inc:   1,
	}
}

// resetTiming forgets the timing origin (after a resync changed it) but
// keeps the learnt delay distribution: the network path is the same.
func (e *estimator) resetTiming() {
	e.haveMin, e.haveLast = false, false
}

// add records a packet that arrived at arr (ns from the origin) with
// relative transit r (ns).
func (e *estimator) add(arr, r int64) {
	switch {
	case !e.haveMin:
		e.curMin, e.prevMin, e.curStart, e.haveMin = r, r, arr, true
	case arr-e.curStart >= minBlock:
		e.prevMin, e.curMin, e.curStart = e.curMin, r, arr
	default:
		e.curMin = min(e.curMin, r)
	}
	if e.haveLast {
		d := float64(r - e.lastR)
		e.jitter += (math.Abs(d) - e.jitter) / 16
	}
	e.lastR, e.haveLast = r, true

	x := r - e.min()
	b := min(int(x/int64(e.width)), len(e.hist)-1)
	e.hist[b] += e.inc
	e.total += e.inc
	e.inc /= forget
	if e.inc > 1e6 {
		for i := range e.hist {
			e.hist[i] /= e.inc
		}
		e.total /= e.inc
		e.inc = 1
	}
	e.n++
	e.dirty = true
}

// min returns the sliding minimum of r.
func (e *estimator) min() int64 { return min(e.curMin, e.prevMin) }

// delay returns the 98th percentile of the delay variation, rounded up to
// the bucket width.
func (e *estimator) delay() time.Duration {
	if !e.dirty {
		return e.cached
	}
	e.dirty = false
	want := percentile * e.total
	var cum float64
	for i, h := range e.hist {
		cum += h
		if cum >= want {
			e.cached = time.Duration(i+1) * e.width
			return e.cached
		}
	}
	e.cached = time.Duration(len(e.hist)) * e.width
	return e.cached
}
