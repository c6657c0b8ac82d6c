package plugin

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/pbx-dev/pbx/plugin/internal/compat"
)

// Options configures [Load] and [Builtin].
type Options struct {
	// Required names plugins that must load: by Info.Name or by file name
	// (with or without ".so"). If one does not, Load returns an error
	// wrapping ErrRequired and cmd/pbx refuses to start. Other plugins that
	// fail are logged and skipped.
	Required []string
	// Config holds each plugin's configuration section, keyed by plugin
	// name (matched case-insensitively); a plugin reads its own with
	// Host.Config.
	Config map[string]map[string]string
}

// Loaded is what `pbx plugins` shows for one plugin: where it came from,
// what it calls itself and what it registered. A plugin that was refused
// or failed has Err set and registered nothing.
type Loaded struct {
	// Path is the plugin file, or "(builtin)" for [Builtin].
	Path string
	// Name and Version are the plugin's Info.Name and Info.Version (empty
	// when the plugin was refused before its Info could be read).
	Name, Version string
	// Drivers and Apps are the driver and application names it
	// registered, in registration order.
	Drivers, Apps []string
	// Err says why the plugin was not loaded; nil when it was.
	Err error
}

// BuiltinPath is the Path of a plugin registered with [Builtin].
const BuiltinPath = "(builtin)"

// Supported reports whether this pbx can load plugins (a cgo build on
// Linux, FreeBSD or macOS).
func Supported() bool { return supported }

// Load opens every *.so file in dir, in sorted order, and registers each
// plugin on host (see the package documentation for the steps). It returns
// one Loaded per file, successful or not. The error is non-nil when dir
// cannot be read, when a plugin named in opts.Required did not load, or
// (wrapping ErrUnsupported) when dir holds plugins and this pbx cannot load
// any. Successes are logged at Info, failures of plugins that are not
// required at Error, with host's logger.
func Load(dir string, host Host, opts Options) ([]Loaded, error) {
	entries, err := os.ReadDir(dir) // sorted by file name
	if err != nil {
		return nil, fmt.Errorf("plugin: %w", err)
	}
	var files []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".so") && !e.IsDir() {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if !supported {
		if len(files) == 0 {
			return nil, nil
		}
		list := make([]Loaded, len(files))
		for i, f := range files {
			list[i] = Loaded{Path: f, Err: ErrUnsupported}
		}
		return list, fmt.Errorf("%w: %d plugin(s) in %s not loaded", ErrUnsupported, len(files), dir)
	}

	list := make([]Loaded, 0, len(files))
	byName := map[string]string{} // lower-case plugin name → path
	for _, f := range files {
		l := loadFile(f, host, opts, byName)
		if l.Err == nil {
			byName[strings.ToLower(l.Name)] = f
		}
		list = append(list, l)
	}

	var errs []error
	for _, req := range opts.Required {
		found := false
		for _, l := range list {
			if !l.matches(req) {
				continue
			}
			found = true
			if l.Err != nil {
				errs = append(errs, fmt.Errorf("%w: %s: %w", ErrRequired, req, l.Err))
			}
		}
		if !found {
			errs = append(errs, fmt.Errorf("%w: %s: no such plugin in %s", ErrRequired, req, dir))
		}
	}
	for _, l := range list {
		if l.Err != nil && l.required(opts) {
			continue // returned, not logged
		}
		logResult(host, l)
	}
	return list, errors.Join(errs...)
}

// Builtin registers a plugin compiled into pbx through the same steps as a
// loaded one (API version check, staged registration, panic recovery,
// logging), so `pbx plugins` lists it with Path [BuiltinPath].
func Builtin(host Host, info Info, opts Options) Loaded {
	l := Loaded{Path: BuiltinPath, Name: info.Name, Version: info.Version}
	if err := info.validate(BuiltinPath); err != nil {
		l.Err = err
	} else {
		l = install(host, info, BuiltinPath, opts)
	}
	logResult(host, l)
	return l
}

// loadFile runs the steps for one file. byName holds the plugins loaded
// so far.
func loadFile(path string, host Host, opts Options, byName map[string]string) Loaded {
	l := Loaded{Path: path}
	pb, err := compat.Read(path)
	if err != nil {
		l.Err = fmt.Errorf("%w: %s: %w", ErrNotPlugin, path, err)
		return l
	}
	if mode := pb.Setting("-buildmode", "plugin"); mode != "plugin" {
		l.Err = fmt.Errorf("%w: %s was built with -buildmode=%s", ErrNotPlugin, path, mode)
		return l
	}
	hb := compat.Host()
	if m := compat.Check(hb, pb); m != nil {
		l.Err = &VersionError{Path: path, What: m.What, Plugin: m.Plugin, Host: m.Host}
		return l
	}
	lookup, err := openFile(path)
	if err != nil {
		l.Err = openError(path, hb, pb, err)
		return l
	}
	sym, err := lookup(Symbol)
	if err != nil {
		l.Err = fmt.Errorf("%w: %s does not export %s (want: var %s = plugin.Info{…}): %w", ErrNoSymbol, path, Symbol, Symbol, err)
		return l
	}
	p, ok := sym.(*Info)
	if !ok || p == nil {
		l.Err = fmt.Errorf("%w: %s exports %s as %T, want a variable of type plugin.Info", ErrBadSymbol, path, Symbol, sym)
		return l
	}
	info := *p
	l.Name, l.Version = info.Name, info.Version
	if err := info.validate(path); err != nil {
		l.Err = err
		return l
	}
	if other, dup := byName[strings.ToLower(info.Name)]; dup {
		l.Err = fmt.Errorf("%w: %s: a plugin named %s was loaded from %s", ErrDuplicatePlugin, path, info.Name, other)
		return l
	}
	return install(host, info, path, opts)
}

func (info Info) validate(path string) error {
	switch {
	case info.Name == "":
		return fmt.Errorf("%w: %s: Info.Name is empty", ErrBadSymbol, path)
	case info.Register == nil:
		return fmt.Errorf("%w: %s: Info.Register is nil", ErrBadSymbol, path)
	case info.APIVersion != APIVersion:
		return fmt.Errorf("%w: %s (%s) uses plugin API version %d, this pbx provides version %d", ErrAPIVersion, info.Name, path, info.APIVersion, APIVersion)
	}
	return nil
}

// install runs info.Register on a scoped host and applies its staged
// registrations if it succeeded.
func install(host Host, info Info, path string, opts Options) Loaded {
	l := Loaded{Path: path, Name: info.Name, Version: info.Version}
	sh := newScopedHost(host, info.Name, sectionOf(opts.Config, info.Name))
	if err := callRegister(info.Register, sh); err != nil {
		sh.close()
		l.Err = fmt.Errorf("%w: %s (%s): %w", ErrRegister, info.Name, path, err)
		return l
	}
	if err := sh.commit(&l); err != nil {
		l.Err = fmt.Errorf("%w: %s (%s): %w", ErrRegister, info.Name, path, err)
	}
	return l
}

func sectionOf(cfg map[string]map[string]string, name string) map[string]string {
	if s, ok := cfg[name]; ok {
		return s
	}
	for k, s := range cfg {
		if strings.EqualFold(k, name) {
			return s
		}
	}
	return nil
}

func callRegister(register func(Host) error, h Host) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = newPanicError(p)
		}
	}()
	return register(h)
}

// PanicError is a panic recovered from a plugin's init or Register.
type PanicError struct {
	// Value is the value passed to panic.
	Value any
	// Stack is the goroutine's stack where it panicked.
	Stack []byte
}

func newPanicError(v any) *PanicError { return &PanicError{Value: v, Stack: debug.Stack()} }

// Error returns "panic: " and the value.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// matches reports whether req names l: its plugin name or its file name
// with or without ".so".
func (l Loaded) matches(req string) bool {
	base := filepath.Base(l.Path)
	return (l.Name != "" && strings.EqualFold(req, l.Name)) ||
		req == base || req+".so" == base
}

func (l Loaded) required(opts Options) bool {
	for _, r := range opts.Required {
		if l.matches(r) {
			return true
		}
	}
	return false
}

func logResult(host Host, l Loaded) {
	log := host.Logger()
	if log == nil {
		log = slog.Default()
	}
	if l.Err == nil {
		log.Info("plugin loaded", "plugin", l.Name, "version", l.Version, "path", l.Path,
			"drivers", l.Drivers, "apps", l.Apps)
		return
	}
	attrs := []any{"path", l.Path, "error", l.Err}
	if l.Name != "" {
		attrs = append(attrs, "plugin", l.Name, "version", l.Version)
	}
	if pe, ok := errors.AsType[*PanicError](l.Err); ok {
		attrs = append(attrs, "stack", string(pe.Stack))
	}
	log.Error("plugin not loaded", attrs...)
}

// openError turns a plugin.Open error into a clearer one: a
// *VersionError for "different version of package", ErrDuplicatePlugin
// for "already loaded".
func openError(path string, h, p *compat.Build, err error) error {
	if pkg, ok := compat.DifferentPackage(err.Error()); ok {
		return &VersionError{Path: path, What: "version of package " + pkg,
			Plugin: p.String(), Host: h.String(), Err: err}
	}
	if strings.Contains(err.Error(), "plugin already loaded") {
		return fmt.Errorf("%w: %s is a copy of a plugin already loaded from another file (same package path): %w", ErrDuplicatePlugin, path, err)
	}
	return fmt.Errorf("plugin: open %s: %w", path, err)
}
