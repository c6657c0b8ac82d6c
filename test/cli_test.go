package test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/internal/testphone"
)

// TestCheckReportsFileAndLine: pbx check prints every error with file:line
// and exits non-zero; a good configuration passes.
func TestCheckReportsFileAndLine(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "pbx.conf"), "[general]\ndialplan = extensions.conf\nbogus = 1\n[sip]\nrtp_start = lots\n")
	write(t, filepath.Join(dir, "extensions.conf"), "[default]\nexten => 1,1,Answer()\n")
	out, err := exec.Command(pbxBin, "check", "--config", filepath.Join(dir, "pbx.conf")).CombinedOutput()
	if err == nil {
		t.Fatalf("pbx check accepted a broken configuration:\n%s", out)
	}
	for _, want := range []string{"pbx.conf:3: unknown key \"bogus\"", "pbx.conf:5: rtp_start must be a number"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	write(t, filepath.Join(dir, "pbx.conf"), "[general]\ndialplan = extensions.conf\n")
	write(t, filepath.Join(dir, "extensions.conf"), "[default]\nexten => 1,1,Answer()\n same => n,NoSuchApp()\n same => n,Goto(nowhere,1,1)\n")
	out, err = exec.Command(pbxBin, "check", "--config", filepath.Join(dir, "pbx.conf")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "extensions.conf:3:") || !strings.Contains(string(out), "extensions.conf:4:") {
		t.Fatalf("dialplan errors not reported with file:line (err %v):\n%s", err, out)
	}
}

// TestReloadKeepsLiveCalls: pbx reload during an echo call keeps the call
// and its media, and a new extension works afterwards.
func TestReloadKeepsLiveCalls(t *testing.T) {
	s := startPBX(t, demoPlan)
	p := registered(t, s, "1001", "secret1001")
	ctx := ctxT(t, 40*time.Second)
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(s.dir, "extensions.conf"), demoPlan+"[default]\nexten => 650,1,Answer()\n same => n,Echo()\n")
	if out, err := s.CLI("reload"); err != nil {
		t.Fatalf("pbx reload: %v\n%s", err, out)
	}
	m := call.Streams()[0]
	stop, _ := m.StartTone(800)
	if err := m.WaitTone(ctx, 800, 300*time.Millisecond); err != nil {
		t.Fatalf("live call lost its echo after reload: %v", err)
	}
	stop()
	call.Hangup(ctx)
	c2, err := p.Dial(ctx, "650", testphone.DialOptions{})
	if err != nil {
		t.Fatalf("new extension after reload: %v", err)
	}
	c2.Hangup(ctx)
	// A broken dialplan is refused and the old one stays.
	write(t, filepath.Join(s.dir, "extensions.conf"), "[default]\nexten => 600,1,NoSuchApp(\n")
	if out, err := s.CLI("reload"); err == nil {
		t.Fatalf("reload accepted a broken dialplan:\n%s", out)
	}
	c3, err := p.Dial(ctx, "650", testphone.DialOptions{})
	if err != nil {
		t.Fatalf("old dialplan lost after a failed reload: %v", err)
	}
	c3.Hangup(ctx)
}

// TestOriginateRingsThePhoneAndRunsTheDialplan: pbx originate SIP/1001 600
// rings the phone; when it answers it is in the echo test.
func TestOriginateRingsThePhoneAndRunsTheDialplan(t *testing.T) {
	s := startPBX(t, demoPlan)
	p := registered(t, s, "1001", "secret1001")
	ctx := ctxT(t, 30*time.Second)
	if out, err := s.CLI("originate", "SIP/1001", "600"); err != nil {
		t.Fatalf("originate: %v\n%s", err, out)
	}
	in, err := p.WaitIncoming(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	m := in.Streams()[0]
	stop, _ := m.StartTone(1200)
	defer stop()
	if err := m.WaitTone(ctx, 1200, 300*time.Millisecond); err != nil {
		t.Fatalf("originated call not in the echo test: %v", err)
	}
	in.Hangup(ctx)
}
