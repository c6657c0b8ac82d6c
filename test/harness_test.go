package test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/internal/testphone"
)

var pbxBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pbx-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pbxBin = filepath.Join(dir, "pbx")
	build := exec.Command("go", "build", "-o", pbxBin, "../cmd/pbx")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building pbx:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running pbx process.
type server struct {
	t       *testing.T
	dir     string
	conf    string
	SIP     string            // host:port of the UDP listener
	Listen  map[string]string // host:port of each SIP listener by transport ("udp", "tls", "ws" …)
	Control string
	cmd     *exec.Cmd
	mu      sync.Mutex
	log     []string
	exited  chan struct{}
}

const testEndpoints = `
[1001]
type = endpoint
password = secret1001
context = default
codecs = ulaw,alaw,h264,vp8
max_contacts = 3

[1002]
type = endpoint
password = secret1002
context = default
codecs = ulaw,alaw,h264,vp8

[1003]
type = endpoint
password = secret1003
context = default
`

// startPBX writes a configuration around dialplan and runs pbx on it.
func startPBX(t *testing.T, dialplan string) *server {
	t.Helper()
	return startPBXWith(t, dialplan, "")
}

// startPBXWith is startPBX with extra configuration sections.
func startPBXWith(t *testing.T, dialplan, extra string) *server {
	t.Helper()
	return startPBXSIP(t, dialplan, "", extra)
}

// startPBXSIP is startPBXWith with extra lines in the [sip] section.
func startPBXSIP(t *testing.T, dialplan, sipExtra, extra string) *server {
	t.Helper()
	dir := t.TempDir()
	ctl := freePort(t)
	sounds, err := filepath.Abs("../sounds")
	if err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`[general]
log_level = debug
dialplan = extensions.conf
sounds = %s
control = %s
control_token_file = control.token

[sip]
udp = 127.0.0.1:0
tcp = 127.0.0.1:0
media_ip = 127.0.0.1
rtp_start = 30000
rtp_end = 40000
guest_context = guest
`, sounds, ctl) + sipExtra + testEndpoints + extra
	write(t, filepath.Join(dir, "pbx.conf"), conf)
	write(t, filepath.Join(dir, "extensions.conf"), dialplan)
	s := &server{t: t, dir: dir, conf: filepath.Join(dir, "pbx.conf"), Control: ctl, exited: make(chan struct{})}
	s.cmd = exec.Command(pbxBin, "run", "--config", s.conf)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	re := regexp.MustCompile(`msg="sip listening" (.*)`)
	go func() {
		defer close(s.exited)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log = append(s.log, line)
			s.mu.Unlock()
			if m := re.FindStringSubmatch(line); m != nil {
				select {
				case ready <- m[1]:
				default:
				}
			}
		}
		s.cmd.Wait()
	}()
	t.Cleanup(s.stop)
	select {
	case attrs := <-ready:
		s.Listen = map[string]string{}
		for _, m := range regexp.MustCompile(`(\w+)=(\S+)`).FindAllStringSubmatch(attrs, -1) {
			s.Listen[m[1]] = m[2]
		}
		s.SIP = s.Listen["udp"]
	case <-s.exited:
		t.Fatalf("pbx exited before listening:\n%s", s.Log())
	case <-time.After(30 * time.Second):
		t.Fatalf("pbx not listening after 30 s:\n%s", s.Log())
	}
	return s
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop() {
	if s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		s.t.Errorf("pbx did not exit within 20 s of SIGINT")
	}
	if s.t.Failed() {
		s.t.Logf("pbx log:\n%s", s.Log())
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 && !s.t.Failed() {
		s.t.Errorf("pbx exited with %d:\n%s", code, s.Log())
	}
}

// Log returns what the pbx logged so far.
func (s *server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.log, "\n")
}

// CLI runs a pbx command against the running server.
func (s *server) CLI(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, pbxBin, append(args, "--config", s.conf)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// phone creates a test phone for user registered at the server.
func (s *server) phone(t *testing.T, user, password string) *testphone.Phone {
	t.Helper()
	p, err := testphone.New(testphone.Config{User: user, Password: password, Server: s.SIP})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func registered(t *testing.T, s *server, user, password string) *testphone.Phone {
	t.Helper()
	p := s.phone(t, user, password)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Register(ctx, time.Hour); err != nil {
		t.Fatalf("register %s: %v", user, err)
	}
	return p
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
