//go:build invariants

package frame

import (
	"strings"
	"testing"
)

// Run with: go test -tags invariants ./core/frame/

func TestInvariantsDoubleReleasePanics(t *testing.T) {
	t.Run("given a released frame when released again then panic", func(t *testing.T) {
		f := Get(160)
		f.Release()
		defer func() {
			r := recover()
			msg, _ := r.(string)
			if !strings.HasPrefix(msg, "frame: double release") {
				t.Errorf("recover() = %v, want a double release panic", r)
			}
		}()
		f.Release()
	})
}

func TestInvariantsPoison(t *testing.T) {
	t.Run("given a pooled frame when released then its whole buffer is poisoned", func(t *testing.T) {
		f := Get(320)
		f.Prepend(Headroom)
		p := f.Payload // a use after release, on purpose
		for i := range p {
			p[i] = 0x11
		}
		f.Release()
		for i, b := range p {
			if b != poisonByte {
				t.Fatalf("released payload[%d] = %#x, want poison %#x", i, b, poisonByte)
			}
		}
	})
	t.Run("given a poisoned buffer when got again then the payload is zeroed", func(t *testing.T) {
		f := Get(100)
		f.Release()
		g := Get(100)
		defer g.Release()
		checkZero(t, g, 100)
	})
	t.Run("given a literal frame when released then it is not poisoned", func(t *testing.T) {
		f := &Frame{Payload: []byte{1, 2}}
		f.Release()
		f.Release()
		if f.Payload[0] != 1 {
			t.Error("literal payload poisoned")
		}
	})
}
