package plugin_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/plugin"
)

func noopApp(context.Context, *apps.Session, string) error { return nil }

func newCore(t *testing.T) (*plugin.CoreHost, *channel.Registry, *apps.Runner, *syncWriter) {
	t.Helper()
	logs := &syncWriter{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: log})
	runner := apps.New(apps.Config{Registry: reg, Logger: log})
	return plugin.NewHost(reg, runner, log), reg, runner, logs
}

// TestBuiltin registers a compiled-in plugin through the same path as a
// loaded one.
func TestBuiltin(t *testing.T) {
	host, reg, runner, logs := newCore(t)
	var cfg map[string]string
	var kept plugin.Host
	l := plugin.Builtin(host, plugin.Info{Name: "gen", Version: "2.0", APIVersion: plugin.APIVersion,
		Register: func(h plugin.Host) error {
			cfg, kept = h.Config(), h
			h.Logger().Info("hello from gen")
			if err := h.RegisterDriver(fakeDriver("Gen")); err != nil {
				return err
			}
			if err := h.RegisterDriver(fakeDriver("gen")); !errors.Is(err, channel.ErrDuplicateDriver) {
				t.Errorf("second driver of the same name in one plugin: %v", err)
			}
			if err := h.RegisterDriver(fakeDriver("a/b")); err == nil {
				t.Error("driver name with a slash accepted")
			}
			if err := h.RegisterApp("Answer", noopApp); err == nil {
				t.Error("application named like a built-in accepted")
			}
			if h.Registry() != reg {
				t.Error("Registry() is not the host's registry")
			}
			return h.RegisterApp("GenApp", noopApp)
		}}, plugin.Options{Config: map[string]map[string]string{"GEN": {"k": "v"}}})
	if l.Err != nil || l.Path != plugin.BuiltinPath || !slices.Equal(l.Drivers, []string{"Gen"}) || !slices.Equal(l.Apps, []string{"GenApp"}) {
		t.Fatalf("Builtin = %+v", l)
	}
	if cfg["k"] != "v" {
		t.Errorf("Config() = %v, want the plugin's section (name matched case-insensitively)", cfg)
	}
	if _, ok := reg.Driver("gen"); !ok || !runner.HasApp("genapp") {
		t.Error("registrations not applied")
	}
	if err := kept.RegisterDriver(fakeDriver("Late")); !errors.Is(err, plugin.ErrRegisterClosed) {
		t.Errorf("RegisterDriver after Register returned: %v, want ErrRegisterClosed", err)
	}
	if err := kept.RegisterApp("Late", noopApp); !errors.Is(err, plugin.ErrRegisterClosed) {
		t.Errorf("RegisterApp after Register returned: %v, want ErrRegisterClosed", err)
	}
	for _, s := range []string{`msg="hello from gen" plugin=gen`, `msg="plugin loaded" plugin=gen version=2.0 path=(builtin) drivers=[Gen] apps=[GenApp]`} {
		if !strings.Contains(logs.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, logs)
		}
	}

	for name, tc := range map[string]struct {
		info plugin.Info
		is   error
	}{
		"panic":       {plugin.Info{Name: "p", APIVersion: plugin.APIVersion, Register: func(h plugin.Host) error { h.RegisterDriver(fakeDriver("P")); panic(errors.New("oops")) }}, plugin.ErrRegister},
		"api version": {plugin.Info{Name: "a", APIVersion: plugin.APIVersion + 1, Register: func(plugin.Host) error { return nil }}, plugin.ErrAPIVersion},
		"no name":     {plugin.Info{APIVersion: plugin.APIVersion, Register: func(plugin.Host) error { return nil }}, plugin.ErrBadSymbol},
		"no register": {plugin.Info{Name: "r", APIVersion: plugin.APIVersion}, plugin.ErrBadSymbol},
		"dup driver":  {plugin.Info{Name: "d", APIVersion: plugin.APIVersion, Register: func(h plugin.Host) error { return h.RegisterDriver(fakeDriver("GEN")) }}, channel.ErrDuplicateDriver},
	} {
		t.Run(name, func(t *testing.T) {
			l := plugin.Builtin(host, tc.info, plugin.Options{})
			if !errors.Is(l.Err, tc.is) {
				t.Fatalf("Err = %v, want %v", l.Err, tc.is)
			}
			if len(l.Drivers)+len(l.Apps) > 0 {
				t.Errorf("registered %v %v", l.Drivers, l.Apps)
			}
		})
	}
	if _, ok := reg.Driver("P"); ok {
		t.Error("driver staged by a panicking plugin was registered")
	}
	if !strings.Contains(logs.String(), "oops") || !strings.Contains(logs.String(), "stack=") {
		t.Errorf("panic not logged with its stack:\n%s", logs)
	}
}

func TestHostWithoutRunner(t *testing.T) {
	reg := channel.NewRegistry(channel.RegistryConfig{})
	l := plugin.Builtin(plugin.NewHost(reg, nil, slog.New(slog.DiscardHandler)), plugin.Info{Name: "x", APIVersion: plugin.APIVersion,
		Register: func(h plugin.Host) error { return h.RegisterApp("X", noopApp) }}, plugin.Options{})
	if l.Err == nil || !strings.Contains(l.Err.Error(), "no dialplan runner") {
		t.Errorf("Err = %v, want a missing-runner error", l.Err)
	}
}
