//go:build race

package frame

// raceEnabled: under the race detector sync.Pool drops a random share of
// Puts, so steady-state allocation counts are not meaningful.
const raceEnabled = true
