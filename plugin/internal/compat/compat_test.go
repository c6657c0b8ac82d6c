package compat

import (
	"os"
	"runtime/debug"
	"strings"
	"testing"
)

// info builds a Build: settings as "key=value", modules as "path@version"
// or "path@version=>replacement"; the first module is the main one.
func info(goVersion string, settings []string, mods ...string) *Build {
	bi := &debug.BuildInfo{GoVersion: goVersion, Path: "example.com/x"}
	for _, s := range settings {
		k, v, _ := strings.Cut(s, "=")
		bi.Settings = append(bi.Settings, debug.BuildSetting{Key: k, Value: v})
	}
	for i, m := range mods {
		spec, repl, _ := strings.Cut(m, "=>")
		path, version, _ := strings.Cut(spec, "@")
		mod := debug.Module{Path: path, Version: version}
		if repl != "" {
			mod.Replace = &debug.Module{Path: repl, Version: "(devel)"}
		}
		if i == 0 {
			bi.Main = mod
		} else {
			bi.Deps = append(bi.Deps, &mod)
		}
	}
	return New(bi)
}

var base = []string{"-buildmode=exe", "-compiler=gc", "CGO_ENABLED=1", "GOARCH=amd64", "GOOS=linux", "GOAMD64=v1"}

func with(extra ...string) []string { return append(append([]string(nil), base...), extra...) }

func TestCheck(t *testing.T) {
	host := info("go1.26.8", with("-race=true"), ModulePath+"@v1.2.0", "github.com/emiago/sipgo@v1.7.2", "golang.org/x/sys@v0.24.0")
	for name, tc := range map[string]struct {
		plugin *Build
		want   *Mismatch // nil: compatible
	}{
		"same": {
			plugin: info("go1.26.8", with("-race=true"), "example.com/myplugin@(devel)", ModulePath+"@v1.2.0", "golang.org/x/sys@v0.24.0"),
		},
		"toolchain": {
			plugin: info("go1.26.7", with("-race=true"), ModulePath+"@v1.2.0"),
			want:   &Mismatch{"Go toolchain", "go1.26.7", "go1.26.8"},
		},
		"race": {
			plugin: info("go1.26.8", base, ModulePath+"@v1.2.0"),
			want:   &Mismatch{"build setting -race", "-race=false", "-race=true"},
		},
		"trimpath": {
			plugin: info("go1.26.8", with("-race=true", "-trimpath=true"), ModulePath+"@v1.2.0"),
			want:   &Mismatch{"build setting -trimpath", "-trimpath=true", "-trimpath=false"},
		},
		"goexperiment": {
			plugin: info("go1.26.8", with("-race=true", "GOEXPERIMENT=greenteagc"), ModulePath+"@v1.2.0"),
			want:   &Mismatch{"build setting GOEXPERIMENT", "GOEXPERIMENT=greenteagc", "GOEXPERIMENT="},
		},
		"architecture": {
			plugin: info("go1.26.8", with("-race=true", "GOAMD64=v3"), ModulePath+"@v1.2.0"),
			want:   &Mismatch{"build setting GOAMD64", "GOAMD64=v3", "GOAMD64=v1"},
		},
		"pbx release": {
			plugin: info("go1.26.8", with("-race=true"), "example.com/myplugin@(devel)", ModulePath+"@v1.1.0"),
			want:   &Mismatch{"version of module " + ModulePath, ModulePath + " v1.1.0", ModulePath + " v1.2.0"},
		},
		"shared dependency": {
			plugin: info("go1.26.8", with("-race=true"), "example.com/myplugin@(devel)", ModulePath+"@v1.2.0", "golang.org/x/sys@v0.25.0"),
			want:   &Mismatch{"version of module golang.org/x/sys", "golang.org/x/sys v0.25.0", "golang.org/x/sys v0.24.0"},
		},
		// A replaced or (devel) pbx cannot be judged by its version
		// string: opening the plugin compares the packages themselves.
		"replaced pbx": {
			plugin: info("go1.26.8", with("-race=true"), "example.com/myplugin@(devel)", ModulePath+"@v1.1.0=>../pbx"),
		},
		"module only in the plugin": {
			plugin: info("go1.26.8", with("-race=true"), "example.com/myplugin@(devel)", ModulePath+"@v1.2.0", "github.com/other/lib@v0.1.0"),
		},
		// Tags and -cover may or may not change shared packages; opening
		// the plugin tells.
		"tags": {
			plugin: info("go1.26.8", with("-race=true", "-tags=console"), ModulePath+"@v1.2.0"),
		},
	} {
		t.Run(name, func(t *testing.T) {
			got := Check(host, tc.plugin)
			if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("Check = %+v, want %+v", got, tc.want)
			}
		})
	}
	if m := Check(nil, host); m != nil {
		t.Errorf("host without build info: %+v, want nil (left to plugin.Open)", m)
	}
}

func TestString(t *testing.T) {
	b := info("go1.26.8", with("-race=true", "-tags=invariants,console", "vcs.revision=0123456789abcdef", "vcs.modified=true"),
		"example.com/p@(devel)", ModulePath+"@v0.9.0=>../pbx")
	want := "go1.26.8 linux/amd64, github.com/pbx-dev/pbx v0.9.0 => ../pbx, revision 0123456789ab+modified, -race, -tags=invariants,console"
	if got := b.String(); got != want {
		t.Errorf("String() =\n%q, want\n%q", got, want)
	}
	if got := (*Build)(nil).String(); !strings.Contains(got, "unknown") {
		t.Errorf("nil build: %q", got)
	}
	if got := info("go1.26.8", base, "example.com/p").String(); !strings.Contains(got, "without "+ModulePath) {
		t.Errorf("build without pbx: %q", got)
	}
	if got := info("go1.26.8", base, ModulePath+"@(devel)").Module(ModulePath); got != "(devel)" {
		t.Errorf("Module = %q", got)
	}
}

func TestDifferentPackage(t *testing.T) {
	for msg, want := range map[string]string{
		`plugin.Open("x"): plugin was built with a different version of package github.com/pbx-dev/pbx/core/frame`:  "github.com/pbx-dev/pbx/core/frame",
		`plugin.Open("x"): plugin was built with a different version of package internal/goarch (previous failure)`: "internal/goarch",
		`plugin.Open("y"): plugin already loaded`:         "",
		`plugin.Open("z"): different version of package `: "",
	} {
		got, ok := DifferentPackage(msg)
		if got != want || ok != (want != "") {
			t.Errorf("%s: %q %v, want %q", msg, got, ok, want)
		}
	}
}

func TestReadAndHost(t *testing.T) {
	if _, err := Read(t.TempDir() + "/missing.so"); err == nil {
		t.Error("Read of a missing file succeeded")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Read(exe)
	if err != nil {
		t.Fatal(err)
	}
	h := Host()
	if h == nil || b.String() != h.String() || Check(h, b) != nil {
		t.Errorf("this test binary read from disk (%v) differs from its own build info (%v)", b, h)
	}
	if got := b.Setting("-buildmode", ""); got != "exe" {
		t.Errorf("-buildmode = %q", got)
	}
}
