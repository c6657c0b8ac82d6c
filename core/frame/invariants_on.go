//go:build invariants

package frame

func doubleRelease(f *Frame) { panic("frame: double release of " + f.String()) }

// poisonByte fills released buffers.
const poisonByte = 0xdb

// poison overwrites a released buffer so a use after release shows up.
func poison(f *Frame) {
	for i := range f.buf {
		f.buf[i] = poisonByte
	}
}
