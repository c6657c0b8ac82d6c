package test

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/internal/testphone"
)

// TestEmbeddedDefaultConfiguration runs the README's command (pbx run with
// no configuration file) from the repository root, registers the demo
// phone 1001 with the password it logs, and calls the echo test 600.
func TestEmbeddedDefaultConfiguration(t *testing.T) {
	cmd := exec.Command(pbxBin, "run")
	cmd.Dir = t.TempDir() // the default config writes cdr.db and reads sounds/ relative to here
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	password := make(chan string, 1)
	var logMu sync.Mutex
	var log []string
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			logMu.Lock()
			log = append(log, line)
			logMu.Unlock()
			if strings.Contains(line, `msg="demo phone" user=1001`) {
				f := strings.Fields(line[strings.Index(line, "password="):])
				password <- strings.TrimPrefix(f[0], "password=")
			}
		}
		cmd.Wait()
	}()
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Error("pbx did not stop on SIGINT")
		}
		if t.Failed() {
			logMu.Lock()
			t.Logf("pbx log:\n%s", strings.Join(log, "\n"))
			logMu.Unlock()
		}
	}()
	var pw string
	select {
	case pw = <-password:
	case <-exited:
		t.Fatal("pbx exited (is 127.0.0.1:5060 or :5039 in use?)")
	case <-time.After(30 * time.Second):
		t.Fatal("pbx did not print the demo credentials")
	}
	ctx := ctxT(t, 30*time.Second)
	p, err := testphone.New(testphone.Config{User: "1001", Password: pw, Server: "127.0.0.1:5060"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Register(ctx, time.Hour); err != nil {
		t.Fatalf("register with the printed demo password: %v", err)
	}
	call, err := p.Dial(ctx, "600", testphone.DialOptions{})
	if err != nil {
		t.Fatalf("dial 600: %v", err)
	}
	m := call.Streams()[0]
	stop, _ := m.StartTone(700)
	defer stop()
	if err := m.WaitTone(ctx, 700, 300*time.Millisecond); err != nil {
		t.Fatalf("echo test 600 on the default configuration: %v", err)
	}
	call.Hangup(ctx)
}
