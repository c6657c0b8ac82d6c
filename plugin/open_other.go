//go:build !cgo || !(linux || freebsd || darwin)

package plugin

// supported reports whether this build can load plugins.
const supported = false

func openFile(string) (func(string) (any, error), error) { return nil, ErrUnsupported }
