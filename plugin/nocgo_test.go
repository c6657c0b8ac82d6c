//go:build !cgo || !(linux || freebsd || darwin)

package plugin_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pbx-dev/pbx/plugin"
)

// Without cgo, Load refuses plainly instead of failing in plugin.Open.
func TestLoadUnsupported(t *testing.T) {
	host, _, _, _ := newCore(t)
	if plugin.Supported() {
		t.Fatal("Supported() = true in a build without cgo")
	}
	dir := t.TempDir()
	if l, err := plugin.Load(dir, host, plugin.Options{}); err != nil || l != nil {
		t.Errorf("empty dir: %v, %v; want nothing to do", l, err)
	}
	os.WriteFile(filepath.Join(dir, "x.so"), []byte("x"), 0o644)
	l, err := plugin.Load(dir, host, plugin.Options{})
	if !errors.Is(err, plugin.ErrUnsupported) || !errors.Is(err, errors.ErrUnsupported) || len(l) != 1 || !errors.Is(l[0].Err, plugin.ErrUnsupported) {
		t.Fatalf("Load = %v, %v; want ErrUnsupported", l, err)
	}
	t.Log(err)
}
