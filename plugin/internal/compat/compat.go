// Package compat compares the Go build information of pbx and of a plugin
// file, to refuse a plugin that cannot work before any of its code runs.
//
// It is separate from package plugin so that its tests are in a test
// binary of their own: package plugin must have no internal test files,
// because its end-to-end tests load plugins that link package plugin, and
// the Go runtime refuses a plugin whose copy of a shared package differs
// from the host's — internal test files would make the test binary's copy
// differ.
package compat

import (
	"debug/buildinfo"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
)

// ModulePath is the module path of pbx itself.
const ModulePath = "github.com/pbx-dev/pbx"

// mustMatch lists the build settings that make two builds incompatible
// when they differ, with the value an absent setting means. Each changes
// the compiled code of every package (the runtime's included), so the Go
// runtime would refuse the plugin anyway; checking first gives a clearer
// message and runs none of the plugin's code.
var mustMatch = []struct{ key, def string }{
	{"-compiler", "gc"},
	{"GOOS", ""}, {"GOARCH", ""},
	{"GO386", ""}, {"GOAMD64", ""}, {"GOARM", ""}, {"GOARM64", ""},
	{"GOMIPS", ""}, {"GOMIPS64", ""}, {"GOPPC64", ""}, {"GORISCV64", ""},
	{"GOEXPERIMENT", ""},
	{"-race", "false"}, {"-msan", "false"}, {"-asan", "false"},
	{"-trimpath", "false"},
}

// shown lists the settings a build summary mentions when they are set.
var shown = []string{"-race", "-msan", "-asan", "-trimpath", "-tags", "-gcflags", "-cover", "GOEXPERIMENT"}

// Build is what is compared between pbx and a plugin: the toolchain, the
// build settings and the module versions of one binary.
type Build struct {
	goVersion string
	settings  map[string]string
	mods      map[string]*debug.Module // main module and dependencies, by path
}

// New summarises bi; nil gives nil.
func New(bi *debug.BuildInfo) *Build {
	if bi == nil {
		return nil
	}
	b := &Build{goVersion: bi.GoVersion, settings: map[string]string{}, mods: map[string]*debug.Module{}}
	for _, s := range bi.Settings {
		b.settings[s.Key] = s.Value
	}
	if bi.Main.Path != "" {
		m := bi.Main
		b.mods[m.Path] = &m
	}
	for _, d := range bi.Deps {
		b.mods[d.Path] = d
	}
	return b
}

// Host returns the running binary's build, or nil when it has no build
// information. It is read once.
var Host = sync.OnceValue(func() *Build {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return New(bi)
})

// Read reads the build information of the Go binary at path without
// loading it.
func Read(path string) (*Build, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return New(bi), nil
}

// Setting returns the build setting key, or def when it is absent or
// empty.
func (b *Build) Setting(key, def string) string {
	if v, ok := b.settings[key]; ok && v != "" {
		return v
	}
	return def
}

// Module describes the version of module path in b: "v1.2.3", "(devel)",
// "v0.9.0 => ../pbx", or "" when b does not contain it.
func (b *Build) Module(path string) string {
	m := b.mods[path]
	if m == nil {
		return ""
	}
	v := m.Version
	if v == "" {
		v = "(devel)"
	}
	if r := m.Replace; r != nil {
		v += " => " + r.Path
		if r.Version != "" && r.Version != "(devel)" {
			v += " " + r.Version
		}
	}
	return v
}

// released reports whether path is at a tagged or pseudo version in b,
// not a (devel) main module and not replaced: only then do two version
// strings say whether the code is the same.
func (b *Build) released(path string) bool {
	m := b.mods[path]
	return m != nil && m.Replace == nil && m.Version != "" && m.Version != "(devel)"
}

// String summarises b for error messages: toolchain, platform, pbx module
// version, VCS revision and the flags that matter.
func (b *Build) String() string {
	if b == nil {
		return "unknown build (no build information)"
	}
	parts := []string{b.goVersion + " " + b.Setting("GOOS", "?") + "/" + b.Setting("GOARCH", "?")}
	if v := b.Module(ModulePath); v != "" {
		parts = append(parts, ModulePath+" "+v)
	} else {
		parts = append(parts, "without "+ModulePath)
	}
	if rev := b.Setting("vcs.revision", ""); rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if b.Setting("vcs.modified", "") == "true" {
			rev += "+modified"
		}
		parts = append(parts, "revision "+rev)
	}
	for _, k := range shown {
		switch v := b.Setting(k, ""); v {
		case "", "false":
		case "true":
			parts = append(parts, k)
		default:
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ", ")
}

// Mismatch says what differs between two builds, and its value on each
// side.
type Mismatch struct {
	What         string // "Go toolchain", "build setting -race", "version of module M"
	Plugin, Host string
}

// Check returns what makes a plugin built as p unable to work in a host
// built as h: another toolchain, platform or instrumentation, or another
// released version of a module both contain. It returns nil when it finds
// nothing or cannot tell (either build unknown, or a (devel) or replaced
// module): opening the plugin then compares every shared package.
func Check(h, p *Build) *Mismatch {
	if h == nil || p == nil {
		return nil
	}
	if h.goVersion != p.goVersion {
		return &Mismatch{What: "Go toolchain", Plugin: p.goVersion, Host: h.goVersion}
	}
	for _, s := range mustMatch {
		if hv, pv := h.Setting(s.key, s.def), p.Setting(s.key, s.def); hv != pv {
			return &Mismatch{What: "build setting " + s.key, Plugin: s.key + "=" + pv, Host: s.key + "=" + hv}
		}
	}
	paths := make([]string, 0, len(p.mods))
	for m := range p.mods {
		if m != ModulePath && h.mods[m] != nil {
			paths = append(paths, m)
		}
	}
	slices.Sort(paths)
	paths = append([]string{ModulePath}, paths...) // pbx first
	for _, m := range paths {
		if !h.released(m) || !p.released(m) {
			continue
		}
		if hv, pv := h.Module(m), p.Module(m); hv != pv {
			return &Mismatch{What: "version of module " + m, Plugin: m + " " + pv, Host: m + " " + hv}
		}
	}
	return nil
}

// DifferentPackage extracts X from the Go runtime's plugin.Open error
// "plugin was built with a different version of package X".
func DifferentPackage(openErr string) (pkg string, ok bool) {
	const diff = "different version of package "
	i := strings.Index(openErr, diff)
	if i < 0 {
		return "", false
	}
	f := strings.Fields(openErr[i+len(diff):])
	if len(f) == 0 {
		return "", false
	}
	return f[0], true
}
