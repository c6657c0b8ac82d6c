//go:build race

package hooks_test

// raceEnabled: under the race detector sync.Pool drops a random share of
// Puts, so steady-state allocation counts are not meaningful.
const raceEnabled = true
