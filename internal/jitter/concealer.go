package jitter

// Concealer produces replacement audio for frames that did not arrive in
// time (packet loss concealment).
//
// The [Buffer] that owns it calls both methods from [Buffer.Pop], on the
// goroutine that calls Pop, so a Concealer needs no locks. Neither method
// may block.
//
//   - Good is called with every frame about to be played normally, in
//     playout order. The concealer keeps what history it needs (it must copy;
//     it must not retain frame) and may modify frame in place, for example
//     to cross-fade from a concealment back into real audio.
//   - Conceal is called for each frame to replace; it writes the
//     replacement into dst (whose length is that of the last good frame)
//     and returns the filled slice, normally dst itself. It must not retain
//     dst. Consecutive calls continue one concealment; the next Good ends
//     it.
//
// A Concealer must tolerate Conceal before any Good (return silence) and
// frames of varying length. If it also has a Reset() method, the buffer
// calls it when its timeline restarts ([Buffer.Reset], a resync). A
// Concealer belongs to one Buffer.
type Concealer interface {
	Good(frame []byte)
	Conceal(dst []byte) []byte
}

// resetter is the optional Reset capability of a Concealer.
type resetter interface{ Reset() }
