//go:build cgo && (linux || freebsd || darwin)

package plugin_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"
)

// The plugins the tests load are built once per test run, with the same
// toolchain and the same flags as this test binary (read from its build
// information: -race, -trimpath, -tags …), because Go refuses a plugin
// whose shared packages were compiled differently.

const (
	tonegenPkg = "github.com/pbx-dev/pbx/examples/plugins/tonegen"
	testPkgs   = "github.com/pbx-dev/pbx/plugin/testdata/plugins/"
)

// builder runs `go build -buildmode=plugin` like this test binary was built.
type builder struct {
	goCmd string
	flags []string // after "build -buildmode=plugin"
	env   []string
}

var newBuilder = sync.OnceValues(func() (*builder, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("plugin tests build plugins and need the go command on PATH: %w", err)
	}
	out, err := exec.Command(goCmd, "env", "GOVERSION").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOVERSION: %w", err)
	}
	if v := strings.TrimSpace(string(out)); v != runtime.Version() {
		return nil, fmt.Errorf("the go command on PATH is %s but this test binary was built by %s; plugins must come from the same toolchain", v, runtime.Version())
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, fmt.Errorf("test binary has no build information")
	}
	b := &builder{goCmd: goCmd, env: append(os.Environ(), "CGO_ENABLED=1")}
	for _, s := range bi.Settings {
		switch s.Key {
		case "-race", "-msan", "-asan", "-trimpath":
			if s.Value == "true" {
				b.flags = append(b.flags, s.Key)
			}
		case "-tags", "-gcflags", "-asmflags":
			b.flags = append(b.flags, s.Key+"="+s.Value)
		case "-cover":
			if s.Value == "true" {
				// The package under test (this one) is instrumented; the
				// plugin's copy of it must be instrumented the same way.
				b.flags = append(b.flags, "-cover", "-covermode="+testing.CoverMode(), "-coverpkg=github.com/pbx-dev/pbx/plugin")
				fmt.Fprintln(os.Stderr, "plugin test: building plugins with -cover -coverpkg=github.com/pbx-dev/pbx/plugin to match this test binary;"+
					" a wider go test -coverpkg instruments other shared packages too, and loading then fails with \"different version of package\"")
			}
		case "GOEXPERIMENT":
			b.env = append(b.env, "GOEXPERIMENT="+s.Value)
		}
	}
	return b, nil
})

// build builds package pkg as a plugin at out, running in dir ("" for the
// test's directory), with extra environment variables.
func (b *builder) build(dir, out, pkg string, env ...string) error {
	args := append([]string{"build", "-buildmode=plugin"}, b.flags...)
	args = append(args, "-o", out, pkg)
	cmd := exec.Command(b.goCmd, args...)
	cmd.Dir = dir
	cmd.Env = append(b.env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := stderr.String()
		if strings.Contains(msg, "cgo") || strings.Contains(msg, "gcc") || strings.Contains(msg, "C compiler") {
			msg += "\n(building Go plugins needs cgo and a C compiler: apt-get install -y gcc)"
		}
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, msg)
	}
	return nil
}

// buildAll builds pkgs (name → package) into dir in parallel, two at a
// time (the machines running this have two cores).
func buildAll(dir string, pkgs map[string]string) error {
	b, err := newBuilder()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	sem := make(chan struct{}, 2)
	errs := make(chan error, len(pkgs))
	var wg sync.WaitGroup
	for name, pkg := range pkgs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs <- b.build("", filepath.Join(dir, name+".so"), pkg)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// timed runs f and logs how long it took on first use.
func timed(what string, f func() (string, error)) func(t *testing.T) string {
	once := sync.OnceValues(func() (string, error) {
		start := time.Now()
		dir, err := f()
		fmt.Fprintf(os.Stderr, "plugin test: built %s in %v\n", what, time.Since(start).Round(100*time.Millisecond))
		return dir, err
	})
	return func(t *testing.T) string {
		t.Helper()
		dir, err := once()
		if err != nil {
			t.Fatalf("building %s: %v", what, err)
		}
		return dir
	}
}

// goodDir is a directory holding tonegen.so, the example plugin.
var goodDir = timed("the tonegen example plugin", func() (string, error) {
	dir := filepath.Join(tmpRoot, "good")
	return dir, buildAll(dir, map[string]string{"tonegen": tonegenPkg})
})

// badDir is a directory of plugins that must all be refused, plus a file
// that is not a Go binary at all.
var badDir = timed("the refused test plugins", func() (string, error) {
	dir := filepath.Join(tmpRoot, "bad")
	err := buildAll(dir, map[string]string{
		"nosymbol":  testPkgs + "nosymbol",
		"oldapi":    testPkgs + "oldapi",
		"panics":    testPkgs + "panics",
		"wrongtype": testPkgs + "wrongtype",
	})
	if err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(dir, "notgo.so"), []byte("\x7fELF but not really\n"), 0o644)
})

// mismatchDir holds tonegen.so built as an out-of-tree plugin module
// against "github.com/pbx-dev/pbx v0.9.0": a copy of this checkout in
// which package core/format has an extra variable. Its shared packages
// therefore differ from the test binary's, as they would for a plugin
// built against another pbx release.
var mismatchDir = timed("tonegen against a modified pbx v0.9.0", func() (string, error) {
	b, err := newBuilder()
	if err != nil {
		return "", err
	}
	root := filepath.Join(tmpRoot, "mismatch")
	modDir, err := goOutput(b, "", "list", "-m", "-f", "{{.Dir}}")
	if err != nil {
		return "", err
	}
	list := append(append([]string{"list", "-deps"}, b.flags...), "-f",
		`{{if .Module}}{{if eq .Module.Path "github.com/pbx-dev/pbx"}}{{.Dir}}{{end}}{{end}}`, tonegenPkg)
	deps, err := goOutput(b, "", list...)
	if err != nil {
		return "", err
	}
	pbxCopy, ext := filepath.Join(root, "pbx"), filepath.Join(root, "ext")
	for _, dir := range strings.Fields(deps) {
		rel, err := filepath.Rel(modDir, dir)
		if err != nil {
			return "", err
		}
		dst := filepath.Join(pbxCopy, rel)
		if rel == filepath.FromSlash("examples/plugins/tonegen") {
			dst = ext
		}
		if err := copyGoFiles(dir, dst); err != nil {
			return "", err
		}
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		if err := copyFile(filepath.Join(modDir, f), filepath.Join(pbxCopy, f)); err != nil {
			return "", err
		}
	}
	if err := copyFile(filepath.Join(modDir, "go.sum"), filepath.Join(ext, "go.sum")); err != nil {
		return "", err
	}
	files := map[string]string{
		filepath.Join(pbxCopy, "core", "format", "zz_mismatch.go"): "package format\n\n// Release marks this copy as another pbx version.\nvar Release = \"v0.9.0\"\n",
		filepath.Join(ext, "go.mod"):                               "module example.com/tonegen\n\ngo 1.26\n\nrequire github.com/pbx-dev/pbx v0.9.0\n\nreplace github.com/pbx-dev/pbx v0.9.0 => ../pbx\n",
	}
	for name, text := range files {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			return "", err
		}
	}
	out := filepath.Join(root, "plugins")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	// -mod=mod lets the go command add the requirements the new module
	// needs (zaf/g711); everything is in the module cache already.
	return out, b.build(ext, filepath.Join(out, "tonegen.so"), ".", "GOFLAGS="+os.Getenv("GOFLAGS")+" -mod=mod")
})

func goOutput(b *builder, dir string, args ...string) (string, error) {
	cmd := exec.Command(b.goCmd, args...)
	cmd.Dir = dir
	cmd.Env = b.env
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			return "", fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, ee.Stderr)
		}
		return "", fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// copyGoFiles copies the non-test .go files of src into dst.
func copyGoFiles(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			if err := copyFile(filepath.Join(src, n), filepath.Join(dst, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, fs.FileMode(0o644))
}
