//go:build race

package jitter

// raceEnabled: under the race detector sync.Pool drops a random share of
// Puts, so allocation counts through the pool are not meaningful.
const raceEnabled = true
