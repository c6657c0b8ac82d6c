package test

import (
	"context"
	"crypto/tls"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/internal/testcert"
	"github.com/pbx-dev/pbx/internal/testphone"
)

// TestTLSAndWebSocketPhones: with tls, ws and wss configured, a phone on
// each registers, hears its tone come back from the echo, and is rung by
// a UDP phone through Dial(SIP/…): the PBX reaches it over the
// connection it registered on (the phone accepts none), and media flows
// from the caller to it.
func TestTLSAndWebSocketPhones(t *testing.T) {
	cert, key, roots := testcert.Write(t, t.TempDir())
	s := startPBXSIP(t, demoPlan, "tls = 127.0.0.1:0\nws = 127.0.0.1:0\nwss = 127.0.0.1:0\ntls_cert = "+cert+"\ntls_key = "+key+"\n", "")
	caller := registered(t, s, "1002", "secret1002")
	for _, tr := range []string{"tls", "ws", "wss"} {
		t.Run(tr, func(t *testing.T) {
			ctx := ctxT(t, 30*time.Second)
			addr := s.Listen[tr]
			if addr == "" || strings.HasSuffix(addr, ":0") {
				t.Fatalf("no %s listener in the log: %v", tr, s.Listen)
			}
			p, err := testphone.New(testphone.Config{User: "1001", Password: "secret1001", Server: addr,
				Transport: tr, TLSConfig: &tls.Config{RootCAs: roots}})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if err := p.Register(ctx, time.Hour); err != nil {
				t.Fatalf("register over %s: %v", tr, err)
			}

			call, err := p.Dial(ctx, "600", testphone.DialOptions{})
			if err != nil {
				t.Fatalf("dial 600 over %s: %v", tr, err)
			}
			m := call.Streams()[0]
			stop, err := m.StartTone(700)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.WaitTone(ctx, 700, 300*time.Millisecond); err != nil {
				t.Errorf("echo over %s: %v", tr, err)
			}
			stop()
			if err := call.Hangup(ctx); err != nil {
				t.Fatal(err)
			}

			out, err := caller.Invite(ctx, "1001", testphone.DialOptions{})
			if err != nil {
				t.Fatal(err)
			}
			in, err := p.WaitIncoming(ctx)
			if err != nil {
				t.Fatalf("no call to the %s phone: %v", tr, err)
			}
			if err := in.Answer(ctx); err != nil {
				t.Fatal(err)
			}
			if err := out.WaitAnswer(ctx); err != nil {
				t.Fatal(err)
			}
			stop, err = out.Streams()[0].StartTone(1000)
			if err != nil {
				t.Fatal(err)
			}
			if err := in.Streams()[0].WaitTone(ctx, 1000, 300*time.Millisecond); err != nil {
				t.Errorf("media to the %s phone: %v", tr, err)
			}
			stop()
			if err := out.Hangup(ctx); err != nil {
				t.Fatal(err)
			}
			select {
			case <-in.Done():
			case <-ctx.Done():
				t.Fatalf("the %s phone got no BYE", tr)
			}
		})
	}
}

// TestCheckReportsBadCertificate: pbx check (and so pbx run) reports a
// missing TLS certificate at its line.
func TestCheckReportsBadCertificate(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "pbx.conf"), "[sip]\nwss = 127.0.0.1:8089\ntls_cert = nowhere.pem\ntls_key = nowhere.key\n")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, pbxBin, "check", "--config", filepath.Join(dir, "pbx.conf")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "pbx.conf:3: tls_cert nowhere.pem, tls_key nowhere.key: open ") {
		t.Fatalf("bad certificate not reported with file:line (err %v):\n%s", err, out)
	}
}
