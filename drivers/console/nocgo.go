//go:build !cgo

package console

// Compiled reports whether the console driver is compiled in. It needs
// cgo; this build has none.
const Compiled = false

// New returns ErrNotCompiled: the console driver needs cgo. cmd/pbx logs
// the error and runs without it.
func New(Config) (*Driver, error) { return nil, ErrNotCompiled }
