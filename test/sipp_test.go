package test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sipp returns the path of SIPp or fails with the install command: a
// skip would hide a missing install step.
func sipp(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatal("sipp not found: run ./scripts/setup.sh (installs Debian package sip-tester)")
	}
	return p
}

// runSIPp runs sipp against the server with args; it returns sipp's exit
// code (0: every call succeeded) and its output.
func runSIPp(t *testing.T, s *server, args ...string) (int, string) {
	t.Helper()
	dir := t.TempDir()
	all := append([]string{s.SIP, "-i", "127.0.0.1", "-p", "0", "-nostdin", "-timeout", "30s",
		"-trace_err", "-error_file", filepath.Join(dir, "err.log"), "-timeout_error"}, args...)
	cmd := exec.Command(sipp(t), all...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("sipp: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "err.log")); len(b) > 0 {
		out = append(out, b...)
	}
	return code, string(out)
}

func TestSIPpCallsIntoAnExtensionThatAnswers(t *testing.T) {
	s := startPBX(t, demoPlan+"exten => 801,1,Answer()\n same => n,Wait(30)\n")
	// SIPp's built-in UAC: INVITE, 100/180, 200, ACK, 1 s pause, BYE, 200.
	code, out := runSIPp(t, s, "-sn", "uac", "-s", "801", "-m", "20", "-r", "20", "-l", "20", "-d", "200")
	if code != 0 {
		t.Fatalf("sipp exit %d (some calls failed):\n%s", code, tail(out))
	}
	if out, _ := s.CLI("channels"); !strings.Contains(out, "0 active channel(s)") {
		t.Fatalf("channels left after the calls ended:\n%s", out)
	}
}

func TestSIPpMalformedSDPGets4xxAndLeaksNothing(t *testing.T) {
	s := startPBX(t, demoPlan)
	tmpl, err := os.ReadFile("testdata/sipp/bad_sdp.xml")
	if err != nil {
		t.Fatal(err)
	}
	many := strings.Repeat("m=audio 4000 RTP/AVP 0\n", 50)
	bodies := map[string]string{
		"no connection line": "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n",
		"bad port":           "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 99999 RTP/AVP 0\n",
		"50 m-lines":         "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n" + many,
		"unknown payload":    "v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 122\n",
		"garbage":            "this is not sdp\n",
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			scen := filepath.Join(t.TempDir(), "bad.xml")
			write(t, scen, strings.Replace(string(tmpl), "BODY", body, 1))
			code, out := runSIPp(t, s, "-sf", scen, "-m", "1")
			if code != 0 {
				t.Fatalf("sipp exit %d (no 4xx/606 answer to the malformed SDP?):\n%s", code, tail(out))
			}
		})
	}
	if out, _ := s.CLI("channels"); !strings.Contains(out, "0 active channel(s)") {
		t.Fatalf("channels leaked:\n%s", out)
	}
	// The PBX still works after the bad input.
	p := registered(t, s, "1001", "secret1001")
	_ = p
}

func tail(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return fmt.Sprint(strings.Join(lines, "\n"))
}
