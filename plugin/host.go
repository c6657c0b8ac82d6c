package plugin

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/core/channel"
)

// Host is the API a plugin's Register function receives. It is small on
// purpose. It grows only in ways that keep existing plugin source
// compiling and behaving as before (such as a new variadic parameter);
// any other change comes with a new [APIVersion].
//
// Plugins call its methods from Register, on the loading goroutine.
type Host interface {
	// RegisterDriver adds a channel driver, exactly as a compiled-in driver
	// is added to the channel registry. A name already taken fails with an
	// error wrapping channel.ErrDuplicateDriver.
	RegisterDriver(d channel.Driver) error
	// RegisterApp adds a dialplan application under name
	// (case-insensitive). A name already taken is an error. opts describe
	// the application to the dialplan runner, exactly as for a compiled-in
	// application: pass [apps.TerminatesMedia]() for one that consumes the
	// caller's audio itself (prompts, tones, echo, digit collection,
	// recording) rather than relaying it, so the runner turns the caller's
	// jitter buffer on before running it. A nil option is an error.
	RegisterApp(name string, app apps.App, opts ...apps.AppOption) error
	// Registry returns the channel registry, for drivers that create
	// channels themselves (inbound calls, Local-style pairs). Channels can
	// be created only after registration finished.
	Registry() *channel.Registry
	// Logger returns the plugin's logger (with a "plugin" attribute).
	Logger() *slog.Logger
	// Config returns the plugin's own configuration section as key/value
	// pairs (never nil; the caller may modify it).
	Config() map[string]string
}

// appChecker is an optional Host capability Load uses to refuse a
// duplicate application name while Register runs rather than after.
type appChecker interface{ HasApp(name string) bool }

// CoreHost is the Host cmd/pbx builds: it registers drivers on a channel
// registry and applications on a dialplan runner. [Load] and [Builtin] wrap
// it once per plugin to scope the logger and configuration. Safe for
// concurrent use.
type CoreHost struct {
	reg    *channel.Registry
	runner *apps.Runner
	log    *slog.Logger
}

var (
	_ Host       = (*CoreHost)(nil)
	_ appChecker = (*CoreHost)(nil)
	_ Host       = (*scopedHost)(nil)
)

// NewHost returns a Host backed by reg and runner. runner may be nil (no
// dialplan: RegisterApp then fails); log nil means slog.Default().
func NewHost(reg *channel.Registry, runner *apps.Runner, log *slog.Logger) *CoreHost {
	if log == nil {
		log = slog.Default()
	}
	return &CoreHost{reg: reg, runner: runner, log: log}
}

// RegisterDriver implements Host.
func (h *CoreHost) RegisterDriver(d channel.Driver) error {
	if h.reg == nil {
		return errors.New("plugin: no channel registry to register drivers on")
	}
	return h.reg.Register(d)
}

// RegisterApp implements Host.
func (h *CoreHost) RegisterApp(name string, app apps.App, opts ...apps.AppOption) error {
	if h.runner == nil {
		return fmt.Errorf("plugin: no dialplan runner to register application %s on", name)
	}
	if hasNil(opts) {
		return fmt.Errorf("plugin: RegisterApp(%q) with a nil option", name)
	}
	return h.runner.Register(name, app, opts...)
}

// HasApp reports whether an application name is taken.
func (h *CoreHost) HasApp(name string) bool { return h.runner != nil && h.runner.HasApp(name) }

// Registry implements Host.
func (h *CoreHost) Registry() *channel.Registry { return h.reg }

// Logger implements Host.
func (h *CoreHost) Logger() *slog.Logger { return h.log }

// Config implements Host: the core host has no section of its own.
func (h *CoreHost) Config() map[string]string { return map[string]string{} }

// scopedHost is the Host one plugin's Register sees. It stages
// registrations and applies them to base only when Register succeeded, so
// a failing plugin leaves nothing behind.
type scopedHost struct {
	base Host
	log  *slog.Logger
	cfg  map[string]string

	mu      sync.Mutex
	closed  bool
	drivers []channel.Driver
	apps    []namedApp
}

type namedApp struct {
	name string
	app  apps.App
	opts []apps.AppOption
}

func newScopedHost(base Host, name string, cfg map[string]string) *scopedHost {
	log := base.Logger()
	if log == nil {
		log = slog.Default()
	}
	return &scopedHost{base: base, log: log.With("plugin", name), cfg: cfg}
}

func (h *scopedHost) RegisterDriver(d channel.Driver) error {
	if d == nil {
		return errors.New("plugin: RegisterDriver(nil)")
	}
	name := d.Name()
	if name == "" || strings.ContainsAny(name, "/ ") {
		return fmt.Errorf("plugin: invalid driver name %q", name)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return fmt.Errorf("%w: driver %s", ErrRegisterClosed, name)
	}
	taken := false
	if reg := h.base.Registry(); reg != nil {
		_, taken = reg.Driver(name)
	}
	for _, s := range h.drivers {
		taken = taken || strings.EqualFold(s.Name(), name)
	}
	if taken {
		return fmt.Errorf("%w: %s", channel.ErrDuplicateDriver, name)
	}
	h.drivers = append(h.drivers, d)
	return nil
}

func (h *scopedHost) RegisterApp(name string, app apps.App, opts ...apps.AppOption) error {
	if name == "" || app == nil {
		return fmt.Errorf("plugin: RegisterApp(%q) needs a name and a function", name)
	}
	if hasNil(opts) {
		return fmt.Errorf("plugin: RegisterApp(%q) with a nil option", name)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return fmt.Errorf("%w: application %s", ErrRegisterClosed, name)
	}
	taken := false
	if c, ok := h.base.(appChecker); ok {
		taken = c.HasApp(name)
	}
	for _, s := range h.apps {
		taken = taken || strings.EqualFold(s.name, name)
	}
	if taken {
		return fmt.Errorf("plugin: application %s already registered", name)
	}
	h.apps = append(h.apps, namedApp{name, app, slices.Clone(opts)})
	return nil
}

func (h *scopedHost) Registry() *channel.Registry { return h.base.Registry() }
func (h *scopedHost) Logger() *slog.Logger        { return h.log }
func (h *scopedHost) Config() map[string]string {
	if h.cfg == nil {
		return map[string]string{}
	}
	return maps.Clone(h.cfg)
}

// hasNil reports whether opts holds a nil option, which would panic in
// the runner.
func hasNil(opts []apps.AppOption) bool {
	return slices.ContainsFunc(opts, func(o apps.AppOption) bool { return o == nil })
}

// close ends registration and returns what was staged.
func (h *scopedHost) close() ([]channel.Driver, []namedApp) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	return h.drivers, h.apps
}

// commit closes registration and applies the staged registrations to the
// base host, recording the names that took effect in l. A failure here
// means someone registered the same name concurrently; what was already
// applied stays (the channel registry cannot unregister).
func (h *scopedHost) commit(l *Loaded) error {
	drivers, list := h.close()
	var errs []error
	for _, d := range drivers {
		if err := h.base.RegisterDriver(d); err != nil {
			errs = append(errs, err)
			continue
		}
		l.Drivers = append(l.Drivers, d.Name())
	}
	for _, a := range list {
		if err := h.base.RegisterApp(a.name, a.app, a.opts...); err != nil {
			errs = append(errs, err)
			continue
		}
		l.Apps = append(l.Apps, a.name)
	}
	return errors.Join(errs...)
}
