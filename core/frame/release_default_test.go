//go:build !invariants

package frame

import "testing"

func TestDoubleReleaseIgnored(t *testing.T) {
	t.Run("given a released frame when released again then it is ignored and counted", func(t *testing.T) {
		f := Get(160)
		f.Release()
		_, rel, dbl, _ := PoolStats()
		f.Release() // a bug in the caller, tolerated in the default build
		_, rel2, dbl2, _ := PoolStats()
		if dbl2 != dbl+1 || rel2 != rel {
			t.Errorf("double releases %d -> %d, releases %d -> %d", dbl, dbl2, rel, rel2)
		}
	})
}
