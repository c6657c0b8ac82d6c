package plugin_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/dialplan"
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

// jitterTech is a mock channel driver with a jitter buffer switch (as the
// SIP driver has) that records when it is turned on.
type jitterTech struct {
	*channeltest.Mock
	record func(string)
}

func (j jitterTech) SetJitterBuffer(on bool) error {
	j.record(fmt.Sprintf("jitter buffer %t", on))
	return nil
}

// TestRegisterAppTerminatesMedia: a plugin marks an application with
// apps.TerminatesMedia through RegisterApp; the runner turns the caller's
// jitter buffer on before that application, and not before the plugin's
// other one.
func TestRegisterAppTerminatesMedia(t *testing.T) {
	host, reg, runner, _ := newCore(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := reg.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	var (
		mu     sync.Mutex
		events []string
	)
	record := func(ev string) {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	}
	app := func(name string) apps.App {
		return func(context.Context, *apps.Session, string) error { record(name); return nil }
	}
	l := plugin.Builtin(host, plugin.Info{Name: "prompts", APIVersion: plugin.APIVersion,
		Register: func(h plugin.Host) error {
			if err := h.RegisterApp("Broken", noopApp, nil); err == nil {
				t.Error("RegisterApp with a nil option accepted")
			}
			if err := h.RegisterApp("Relay", app("Relay")); err != nil {
				return err
			}
			return h.RegisterApp("Prompt", app("Prompt"), apps.TerminatesMedia())
		}}, plugin.Options{})
	if l.Err != nil || !slices.Equal(l.Apps, []string{"Relay", "Prompt"}) {
		t.Fatalf("Builtin = %+v", l)
	}
	if runner.HasApp("Broken") {
		t.Error("application registered with a nil option")
	}
	if err := host.RegisterApp("Broken", noopApp, nil); err == nil || runner.HasApp("Broken") {
		t.Errorf("CoreHost.RegisterApp with a nil option: %v", err)
	}

	plan, err := dialplan.Parse("test.conf", strings.NewReader("[default]\nexten => s,1,Relay()\n same => n,Prompt()\n same => n,Hangup()\n"))
	if err != nil {
		t.Fatal(err)
	}
	runner.SetPlan(plan)
	tech := jitterTech{Mock: channeltest.NewMock(nil), record: record}
	ch, err := reg.NewChannel(channel.Config{Tech: tech, Name: "Mock/caller", Inbound: true, Context: "default", Exten: "s"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		reg.Serve(context.Background(), runner, ch)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("dialplan did not finish")
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"Relay", "jitter buffer true", "Prompt"}; !slices.Equal(events, want) {
		t.Errorf("events %q, want %q", events, want)
	}
}
