//go:build !cgo

package console

import (
	"errors"
	"testing"
)

func TestNewWithoutCgo(t *testing.T) {
	d, err := New(Config{Backend: "null"})
	if d != nil || !errors.Is(err, ErrNotCompiled) {
		t.Fatalf("New: %v, %v; want ErrNotCompiled", d, err)
	}
	if err.Error() != "console driver not compiled in (built without cgo)" {
		t.Fatalf("message %q", err)
	}
	if Compiled {
		t.Fatal("Compiled is true without cgo")
	}
}
