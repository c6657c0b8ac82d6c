package plugin

import (
	"errors"
	"fmt"
)

var (
	// ErrUnsupported is returned by [Load] in a pbx built without cgo or
	// for an operating system the Go plugin package does not support. It
	// wraps errors.ErrUnsupported.
	ErrUnsupported = fmt.Errorf("plugin: plugins need a cgo build (CGO_ENABLED=1) on Linux, FreeBSD or macOS: %w", errors.ErrUnsupported)
	// ErrVersionMismatch is wrapped by every [VersionError]: the plugin was
	// built by another toolchain, with other flags, or against other module
	// versions than this pbx.
	ErrVersionMismatch = errors.New("plugin: built against a different version")
	// ErrNotPlugin reports a file that is not a Go plugin (not a Go binary,
	// or built with a -buildmode other than plugin).
	ErrNotPlugin = errors.New("plugin: not a Go plugin")
	// ErrNoSymbol reports a plugin that does not export [Symbol].
	ErrNoSymbol = errors.New("plugin: registration symbol not exported")
	// ErrBadSymbol reports a [Symbol] of the wrong type or with missing
	// fields.
	ErrBadSymbol = errors.New("plugin: bad registration symbol")
	// ErrAPIVersion reports a plugin written for another [APIVersion].
	ErrAPIVersion = errors.New("plugin: unsupported plugin API version")
	// ErrDuplicatePlugin reports a second plugin with the same name, or a
	// copy of an already loaded plugin file.
	ErrDuplicatePlugin = errors.New("plugin: already loaded")
	// ErrRegister reports a Register function that returned an error or
	// panicked; the plugin registered nothing.
	ErrRegister = errors.New("plugin: registration failed")
	// ErrRegisterClosed is returned by the [Host] methods a plugin calls
	// after its Register function returned.
	ErrRegisterClosed = errors.New("plugin: registration is closed (register only from Register)")
	// ErrRequired reports a plugin the configuration marks required that
	// did not load.
	ErrRequired = errors.New("plugin: required plugin not loaded")
)

// VersionError reports a plugin whose build does not match this pbx's: a
// different Go toolchain, platform, instrumentation flag, module version,
// or (as detected by the Go runtime when opening it) a different version of
// a shared package.
type VersionError struct {
	// Path is the plugin file.
	Path string
	// What names what differs: "Go toolchain", "build setting -race",
	// "module github.com/pbx-dev/pbx", "package github.com/…/core/frame".
	What string
	// Plugin and Host describe the two sides: the version or setting of
	// What when it is known, otherwise a summary of each build (toolchain,
	// pbx module version, flags).
	Plugin, Host string
	// Err is the underlying error from plugin.Open, if any.
	Err error
}

// Error names the plugin, what differs and both versions, and says how to
// fix it.
func (e *VersionError) Error() string {
	return fmt.Sprintf("plugin: %s was built with a different %s than this pbx (plugin: %s; pbx: %s); rebuild the plugin from the same pbx source with the same Go toolchain and flags (go build -buildmode=plugin, plus -race/-trimpath/-tags exactly as pbx was built)",
		e.Path, e.What, e.Plugin, e.Host)
}

// Unwrap returns ErrVersionMismatch and the plugin.Open error, if any.
func (e *VersionError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrVersionMismatch, e.Err}
	}
	return []error{ErrVersionMismatch}
}
