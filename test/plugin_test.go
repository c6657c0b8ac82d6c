package test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/internal/testphone"
)

// TestTonePluginHeardAtSIPPhone builds the example plugin with the same
// toolchain and flags as the pbx binary, starts pbx with it, dials Tone/440
// from the dialplan and detects the tone at a SIP phone.
func TestTonePluginHeardAtSIPPhone(t *testing.T) {
	dir := t.TempDir()
	so := filepath.Join(dir, "plugins", "tonegen.so")
	build := exec.Command("go", "build", "-buildmode=plugin", "-o", so, "../examples/plugins/tonegen")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the plugin: %v\n%s", err, out)
	}
	s := startPBXWith(t, demoPlan+"[default]\nexten => 900,1,Answer()\n same => n,Dial(Tone/440)\n",
		"\n[plugins]\ndir = "+filepath.Dir(so)+"\nrequire = tonegen\n")
	out, err := s.CLI("plugins")
	if err != nil || !strings.Contains(out, "tonegen") || !strings.Contains(out, "Tone") {
		t.Fatalf("pbx plugins: %v\n%s", err, out)
	}
	p := registered(t, s, "1001", "secret1001")
	ctx := ctxT(t, 30*time.Second)
	call, err := p.Dial(ctx, "900", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := call.Streams()[0].WaitTone(ctx, 440, 400*time.Millisecond); err != nil {
		t.Fatalf("440 Hz from the plugin's Tone/440 not heard: %v", err)
	}
	call.Hangup(ctx)
}
