//go:build invariants

package jitter

// poison overwrites a slice given back to a pool, so that a use after
// release (a Pop payload kept past the next call, a slot freed twice)
// shows up in tests.
func poison[T ~byte | ~int16](s []T) {
	s = s[:cap(s)]
	for i := range s {
		s[i] = 0x5b
	}
}
