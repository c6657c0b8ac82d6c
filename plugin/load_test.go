//go:build cgo && (linux || freebsd || darwin)

package plugin_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/channel/channeltest"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
	"github.com/pbx-dev/pbx/dialplan"
	"github.com/pbx-dev/pbx/drivers/local"
	"github.com/pbx-dev/pbx/internal/audiotest"
	"github.com/pbx-dev/pbx/plugin"
	"github.com/pbx-dev/pbx/translate"
)

const testPlan = `
[default]
exten => 100,1,Dial(Tone/440)
exten => 200,1,Answer()
 same => n,PlayTone(440,1500)
exten => 201,1,Answer()
 same => n,PlayTone(440,40)
`

// pbx is the in-process core cmd/pbx builds: a channel registry with
// translation, a dialplan runner with bridges, the Local driver, and a
// plugin host on top, logging into log.
type pbx struct {
	reg    *channel.Registry
	runner *apps.Runner
	host   *plugin.CoreHost
	log    *syncWriter
}

func newPBX(t *testing.T) *pbx {
	t.Helper()
	plan, err := dialplan.Parse("test.conf", strings.NewReader(testPlan))
	if err != nil {
		t.Fatal(err)
	}
	buf := &syncWriter{}
	log := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	reg := channel.NewRegistry(channel.RegistryConfig{Translator: translate.NewRegistry(), Logger: log})
	runner := apps.New(apps.Config{Registry: reg, Plan: plan, Logger: log})
	bridges := &apps.Bridges{Logger: log}
	runner.Bridger = bridges
	ld := local.New(reg, func(ctx context.Context, ch *channel.Channel, exten, c string) { runner.Run(ctx, ch, c, exten) })
	if err := reg.Register(ld); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := reg.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		ld.Close()
		bridges.Close()
	})
	return &pbx{reg: reg, runner: runner, host: plugin.NewHost(reg, runner, log), log: buf}
}

// listen dials dial with topology want and returns the 8 kHz audio heard
// on the dialling side, once it holds d of audio (or after 10 s).
func (p *pbx) listen(t *testing.T, dial string, want *topology.Topology, d time.Duration) *audiotest.Detector {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, err := p.reg.Dial(ctx, dial, want)
	if err != nil {
		t.Fatalf("dial %s: %v", dial, err)
	}
	defer ch.Hangup(channel.CauseNormalClearing)
	ch.SetReadFormat(ch.DefaultStream(format.Audio), format.SLin8)
	ch.SetReadDeadline(time.Now().Add(10 * time.Second))
	det := audiotest.NewDetector(8000)
	for det.Len() < d {
		f, err := ch.Read()
		if err != nil {
			t.Fatalf("read %s after %v of audio: %v", ch.Name(), det.Len(), err)
		}
		if f.Kind == frame.Voice {
			if !f.Format.Is(format.SLin8) {
				t.Fatalf("read a %s frame, want slin (translated)", f.Format)
			}
			det.WriteBytes(f.Payload)
		}
		f.Release()
	}
	return det
}

func topo(fs ...format.Format) *topology.Topology { return topology.FromFormats(format.NewCaps(fs...)) }

// TestToneFromDialplan is the end-to-end test of issue 9: the example
// plugin, built like this test binary, is loaded into a PBX core; the
// dialplan dials Tone/440 and bridges it to the caller, who hears 440 Hz.
func TestToneFromDialplan(t *testing.T) {
	dir := goodDir(t)
	for name, tc := range map[string]struct {
		cfg        map[string]string
		want       *topology.Topology
		toneFormat format.Format
	}{
		"slin": {nil, topo(format.SLin8), format.SLin8},
		"ulaw": {map[string]string{"format": "ulaw"}, topo(format.SLin8, format.ULaw), format.ULaw},
	} {
		t.Run(name, func(t *testing.T) {
			p := newPBX(t)
			loaded, err := plugin.Load(dir, p.host, plugin.Options{
				Required: []string{"tonegen"},
				Config:   map[string]map[string]string{"tonegen": tc.cfg},
			})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			want := []plugin.Loaded{{Path: filepath.Join(dir, "tonegen.so"), Name: "tonegen", Version: "1.0.0",
				Drivers: []string{"Tone"}, Apps: []string{"PlayTone"}}}
			if !equalLoaded(loaded, want) {
				t.Fatalf("Load = %+v, want %+v", loaded, want)
			}
			if !strings.Contains(p.log.String(), `msg="plugin loaded" plugin=tonegen version=1.0.0`) {
				t.Errorf("log does not name the plugin and its version:\n%s", p.log)
			}

			seen := make(chan *channel.Channel, 4)
			p.reg.Observe(func(ev channel.Event) {
				if ev.Type == "new" && strings.HasPrefix(ev.Channel.Name(), "Tone/") {
					seen <- ev.Channel
				}
			})
			det := p.listen(t, "Local/100@default", tc.want, time.Second)
			if got := det.Total(440); got < 700*time.Millisecond {
				t.Fatalf("440 Hz heard for %v of %v, want at least 700 ms", got, det.Len())
			}
			if got := det.Total(1000); got > 0 {
				t.Errorf("1000 Hz heard for %v: the detector is not discriminating", got)
			}
			select {
			case ch := <-seen:
				if got := ch.Topology().FormatsOfType(format.Audio); !got.Contains(tc.toneFormat) || got.Len() != 1 {
					t.Errorf("%s sends %s, want %s", ch.Name(), got, tc.toneFormat)
				}
			default:
				t.Error("no Tone/ channel was created")
			}
		})
	}
	t.Run("PlayTone", func(t *testing.T) {
		p := newPBX(t)
		if _, err := plugin.Load(dir, p.host, plugin.Options{Required: []string{"tonegen.so"}}); err != nil {
			t.Fatal(err)
		}
		det := p.listen(t, "Local/200@default", topo(format.SLin8), time.Second)
		if got := det.Total(440); got < 700*time.Millisecond {
			t.Fatalf("PlayTone: 440 Hz heard for %v of %v", got, det.Len())
		}

		// The plugin registered PlayTone with apps.TerminatesMedia: the
		// runner turns the caller's jitter buffer on before it, after
		// Answer (which does not terminate media).
		var (
			mu     sync.Mutex
			events []string
		)
		tech := jitterTech{Mock: channeltest.NewMock(nil), record: func(ev string) {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		}}
		ch, err := p.reg.NewChannel(channel.Config{Tech: tech, Name: "Mock/caller", Inbound: true, Context: "default", Exten: "201"})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.reg.Serve(context.Background(), p.runner, ch)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("dialplan of 201 did not finish")
		}
		mu.Lock()
		defer mu.Unlock()
		if !tech.Answered() || !slices.Equal(events, []string{"jitter buffer true"}) {
			t.Errorf("answered %t, jitter buffer switched %q; want answered and switched on once", tech.Answered(), events)
		}
	})
}

// TestToneConformance runs the channel driver contract suite on the Tone
// driver as loaded from the plugin.
func TestToneConformance(t *testing.T) {
	p := newPBX(t)
	if _, err := plugin.Load(goodDir(t), p.host, plugin.Options{Required: []string{"tonegen"}}); err != nil {
		t.Fatal(err)
	}
	d, ok := p.reg.Driver("tone")
	if !ok {
		t.Fatal("Tone driver not registered")
	}
	channeltest.Run(t, func(t *testing.T) channeltest.Harness {
		tech, err := d.Request(context.Background(), "440", nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tech.Call(context.Background()); err != nil {
			t.Fatal(err)
		}
		return channeltest.Harness{Tech: tech}
	})
	for _, dest := range []string{"", "abc", "10", "5000", "440/opus", "1+2+3+4+5"} {
		if _, err := d.Request(context.Background(), dest, nil); err == nil {
			t.Errorf("Request(%q) succeeded, want an error", dest)
		}
	}
}

// TestRefused loads a directory of plugins that must each be refused with
// a clear reason, and checks that none of them registered anything.
func TestRefused(t *testing.T) {
	dir := badDir(t)
	p := newPBX(t)
	before := p.reg.Drivers()
	loaded, err := plugin.Load(dir, p.host, plugin.Options{})
	if err != nil {
		t.Fatalf("Load returned %v; failures of plugins that are not required must not fail Load", err)
	}
	var names []string
	for _, l := range loaded {
		names = append(names, filepath.Base(l.Path))
	}
	if want := []string{"nosymbol.so", "notgo.so", "oldapi.so", "panics.so", "wrongtype.so"}; !slices.Equal(names, want) {
		t.Fatalf("loaded %v, want every .so in sorted order %v", names, want)
	}
	for _, tc := range []struct {
		file string
		is   error
		msg  []string
	}{
		{"nosymbol.so", plugin.ErrNoSymbol, []string{"does not export PBXPlugin"}},
		{"notgo.so", plugin.ErrNotPlugin, []string{"notgo.so"}},
		{"oldapi.so", plugin.ErrAPIVersion, []string{"oldapi", "API version 0", "provides version 1"}},
		{"panics.so", plugin.ErrRegister, []string{"panics", "panic: panics: boom inside Register"}},
		{"wrongtype.so", plugin.ErrBadSymbol, []string{"func(plugin.Host) error", "want a variable of type plugin.Info"}},
	} {
		l := loaded[slices.Index(names, tc.file)]
		if !errors.Is(l.Err, tc.is) {
			t.Errorf("%s: Err = %v, want %v", tc.file, l.Err, tc.is)
			continue
		}
		for _, m := range tc.msg {
			if !strings.Contains(l.Err.Error(), m) {
				t.Errorf("%s: error %q does not mention %q", tc.file, l.Err, m)
			}
		}
		if len(l.Drivers)+len(l.Apps) > 0 {
			t.Errorf("%s: registered %v %v", tc.file, l.Drivers, l.Apps)
		}
		if !strings.Contains(p.log.String(), filepath.Join(dir, tc.file)) {
			t.Errorf("%s: failure not logged", tc.file)
		}
	}
	if pe, ok := errors.AsType[*plugin.PanicError](loaded[3].Err); !ok || !strings.Contains(string(pe.Stack), "panics") {
		t.Errorf("panics.so: no *PanicError with the plugin's stack in %v", loaded[3].Err)
	}
	// The panicking plugin staged a driver and an application first:
	// nothing of it may remain.
	if got := p.reg.Drivers(); !slices.Equal(got, before) {
		t.Errorf("drivers after refused plugins: %v, want %v", got, before)
	}
	if p.runner.HasApp("Panicky") {
		t.Error("application of a plugin that panicked in Register was registered")
	}

	t.Run("RegisterError", func(t *testing.T) {
		// The same file again (the Go runtime hands back the open plugin),
		// configured to return an error instead of panicking.
		p := newPBX(t)
		loaded, err := plugin.Load(dir, p.host, plugin.Options{Config: map[string]map[string]string{"panics": {"mode": "error"}}})
		if err != nil {
			t.Fatal(err)
		}
		l := loaded[3]
		if !errors.Is(l.Err, plugin.ErrRegister) || !strings.Contains(l.Err.Error(), "refusing on purpose") {
			t.Fatalf("Err = %v, want the plugin's own error", l.Err)
		}
		if _, ok := p.reg.Driver("Panicky"); ok {
			t.Error("driver of a plugin whose Register failed was registered")
		}
	})
	t.Run("Required", func(t *testing.T) {
		p := newPBX(t)
		_, err := plugin.Load(dir, p.host, plugin.Options{Required: []string{"panics", "oldapi.so", "missing"}})
		if !errors.Is(err, plugin.ErrRequired) || !errors.Is(err, plugin.ErrRegister) || !errors.Is(err, plugin.ErrAPIVersion) {
			t.Fatalf("Load = %v, want ErrRequired wrapping the failures", err)
		}
		if !strings.Contains(err.Error(), "missing: no such plugin in "+dir) {
			t.Errorf("error %q does not report the missing plugin", err)
		}
		if strings.Contains(p.log.String(), "panics.so") {
			t.Errorf("a required plugin's failure was logged as well as returned:\n%s", p.log)
		}
	})
}

// TestDuplicateDriver: tonegen's Tone driver collides with a driver
// already registered; the plugin is skipped and registers nothing (not
// even its application), and Load goes on.
func TestDuplicateDriver(t *testing.T) {
	p := newPBX(t)
	if err := p.reg.Register(fakeDriver("TONE")); err != nil {
		t.Fatal(err)
	}
	loaded, err := plugin.Load(goodDir(t), p.host, plugin.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := loaded[0]
	if !errors.Is(l.Err, channel.ErrDuplicateDriver) || !errors.Is(l.Err, plugin.ErrRegister) {
		t.Fatalf("Err = %v, want ErrRegister wrapping channel.ErrDuplicateDriver", l.Err)
	}
	if l.Name != "tonegen" || l.Version != "1.0.0" {
		t.Errorf("Loaded = %+v, want the plugin's name and version", l)
	}
	if p.runner.HasApp("PlayTone") {
		t.Error("PlayTone registered by a plugin whose registration failed")
	}
	if d, _ := p.reg.Driver("tone"); d != fakeDriver("TONE") {
		t.Errorf("Tone driver replaced: %v", d)
	}
}

// TestCopyOfLoadedPlugin: a second file holding the same plugin (same
// package path) is refused as a duplicate, not loaded twice.
func TestCopyOfLoadedPlugin(t *testing.T) {
	good := goodDir(t)
	// Make sure the original is open before its copy, whatever order the
	// tests run in.
	if _, err := plugin.Load(good, newPBX(t).host, plugin.Options{Required: []string{"tonegen"}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := copyFile(filepath.Join(good, "tonegen.so"), filepath.Join(dir, "tonegen-copy.so")); err != nil {
		t.Fatal(err)
	}
	p := newPBX(t)
	loaded, err := plugin.Load(dir, p.host, plugin.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(loaded[0].Err, plugin.ErrDuplicatePlugin) {
		t.Fatalf("Err = %v, want ErrDuplicatePlugin", loaded[0].Err)
	}
}

// TestVersionMismatch loads tonegen built as an out-of-tree module against
// "github.com/pbx-dev/pbx v0.9.0" whose shared packages differ from this
// binary's: the Go runtime refuses it and Load says clearly why, naming
// both versions.
func TestVersionMismatch(t *testing.T) {
	dir := mismatchDir(t)
	p := newPBX(t)
	loaded, err := plugin.Load(dir, p.host, plugin.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := loaded[0]
	ve, ok := errors.AsType[*plugin.VersionError](l.Err)
	if !ok || !errors.Is(l.Err, plugin.ErrVersionMismatch) {
		t.Fatalf("Err = %v, want a *plugin.VersionError", l.Err)
	}
	t.Logf("message: %v", l.Err)
	if !strings.HasPrefix(ve.What, "version of package github.com/pbx-dev/pbx/") {
		t.Errorf("What = %q, want the pbx package that differs", ve.What)
	}
	msg := l.Err.Error()
	for _, m := range []string{
		filepath.Join(dir, "tonegen.so"),
		"github.com/pbx-dev/pbx v0.9.0 => ",    // the plugin's pbx version
		"github.com/pbx-dev/pbx (devel)",       // this binary's
		"rebuild the plugin from the same pbx", // what to do
	} {
		if !strings.Contains(msg, m) {
			t.Errorf("message does not contain %q:\n%s", m, msg)
		}
	}
	if _, ok := p.reg.Driver("tone"); ok {
		t.Error("Tone driver registered from a mismatched plugin")
	}
	// Required, the mismatch stops start-up.
	if _, err := plugin.Load(dir, newPBX(t).host, plugin.Options{Required: []string{"tonegen"}}); !errors.Is(err, plugin.ErrVersionMismatch) {
		t.Errorf("required mismatched plugin: Load = %v, want ErrVersionMismatch", err)
	}
}

func TestLoadDirErrors(t *testing.T) {
	p := newPBX(t)
	if _, err := plugin.Load(filepath.Join(t.TempDir(), "nope"), p.host, plugin.Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing dir: %v, want ErrNotExist", err)
	}
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "README"), []byte("not a plugin"), 0o644)
	loaded, err := plugin.Load(empty, p.host, plugin.Options{})
	if err != nil || len(loaded) != 0 {
		t.Errorf("dir without .so files: %v, %v", loaded, err)
	}
	// A Go executable is not a plugin: refused from its build information.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(dir, "exe.so")); err != nil {
		t.Fatal(err)
	}
	loaded, err = plugin.Load(dir, p.host, plugin.Options{})
	if err != nil || len(loaded) != 1 || !errors.Is(loaded[0].Err, plugin.ErrNotPlugin) || !strings.Contains(loaded[0].Err.Error(), "-buildmode=exe") {
		t.Errorf("executable: %+v, %v; want ErrNotPlugin naming -buildmode=exe", loaded, err)
	}
	if !plugin.Supported() {
		t.Error("Supported() = false in a cgo build")
	}
}
