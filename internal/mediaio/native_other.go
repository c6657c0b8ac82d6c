//go:build !linux

package mediaio

// sockaddr is unused without the native backend.
type sockaddr struct{}

// newNative falls back to the portable backend where epoll is missing.
func newNative(w *Worker) (backend, error) { return newPortable(w), nil }
