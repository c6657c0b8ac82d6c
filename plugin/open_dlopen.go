//go:build cgo && (linux || freebsd || darwin)

package plugin

import (
	"fmt"
	"path/filepath"
	goplugin "plugin"
	"sync"
)

// supported reports whether this build can load plugins.
const supported = true

// initPanicked lists the files whose init functions panicked: the Go
// plugin package would block forever opening them again.
var initPanicked sync.Map // absolute path → panic value

// openFile opens path with the standard plugin package and returns its
// symbol lookup. A panic in the plugin's init functions is recovered and
// returned as a *PanicError.
func openFile(path string) (lookup func(string) (any, error), err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if p, bad := initPanicked.Load(abs); bad {
		return nil, fmt.Errorf("its init panicked when it was first opened (%v); restart pbx to retry", p)
	}
	defer func() {
		if p := recover(); p != nil {
			initPanicked.Store(abs, p)
			err = fmt.Errorf("init: %w", newPanicError(p))
		}
	}()
	p, err := goplugin.Open(path)
	if err != nil {
		return nil, err
	}
	return func(name string) (any, error) {
		s, err := p.Lookup(name)
		return s, err
	}, nil
}
