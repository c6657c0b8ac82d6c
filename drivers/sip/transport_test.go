package sip

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/internal/testcert"
	"github.com/pbx-dev/pbx/internal/testphone"
)

// TestSecureAndWebSocketTransports runs the same calls over tls, ws and
// wss: a phone registers (the binding records the transport and the
// connection it came from), calls an echo and hears its tone back, and
// is hung up by the PBX; then the PBX calls it, is cancelled, calls it
// again, gets media both ways and puts it on hold. The phone is
// client-only (its Contact host is unroutable and it listens for
// nothing, like a browser), so every request the PBX sends it (INVITE,
// ACK, CANCEL, BYE, re-INVITE) must go over the connection the phone
// opened.
func TestSecureAndWebSocketTransports(t *testing.T) {
	for _, tr := range []string{"tls", "ws", "wss"} {
		t.Run(tr, func(t *testing.T) {
			certFile, keyFile, roots := testcert.Write(t, t.TempDir())
			e := newEnv(t, func(c *Config) {
				c.TLS, c.WS, c.WSS = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
				c.TLSCertFile, c.TLSKeyFile = certFile, keyFile
			})
			ctx := ctxT(t)
			listen := e.d.Addr(tr)
			if listen == nil || strings.HasSuffix(listen.String(), ":0") {
				t.Fatalf("Addr(%q) = %v, want the bound port", tr, listen)
			}
			p := e.phone(t, "bob", "bob-secret", func(c *testphone.Config) {
				c.Transport = tr
				c.Server = listen.String()
				c.TLSConfig = &tls.Config{RootCAs: roots}
			})
			if err := p.Register(ctx, time.Hour); err != nil {
				t.Fatalf("register over %s: %v", tr, err)
			}
			bs := e.bindings(t, "bob")
			if len(bs) != 1 || bs[0].Transport != strings.ToUpper(tr) || !strings.Contains(bs[0].Contact, ".invalid") {
				t.Fatalf("bindings %+v", bs)
			}
			wantContact := ";transport=" + tr
			wantPort := ":" + strconv.Itoa(listen.(*net.TCPAddr).Port)

			// The phone calls an echo.
			e.handle(echo)
			call, err := p.Dial(ctx, "600", testphone.DialOptions{})
			if err != nil {
				t.Fatalf("dial over %s: %v", tr, err)
			}
			if ct := call.Header("Contact"); !strings.Contains(ct, wantContact) || !strings.Contains(ct, wantPort) {
				t.Errorf("2xx Contact %q, want the %s listener", ct, tr)
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
			e.waitNoChannels(t)

			// The PBX hangs an inbound call up: its BYE reaches the phone.
			e.handle(func(ctx context.Context, ch *channel.Channel) {
				if err := ch.Answer(ctx); err == nil {
					ch.Hangup(channel.CauseNormalClearing)
				}
				drain(ch)
			})
			call, err = p.Dial(ctx, "601", testphone.DialOptions{})
			if err != nil {
				t.Fatalf("dial over %s: %v", tr, err)
			}
			select {
			case <-call.Done():
				if !errors.Is(call.Err(), testphone.ErrRemoteHangup) {
					t.Errorf("call ended with %v, want the PBX's BYE", call.Err())
				}
			case <-ctx.Done():
				t.Fatal("no BYE from the PBX")
			}
			e.waitNoChannels(t)

			// The PBX calls the phone and cancels while it rings.
			ch, err := e.reg.Dial(ctx, "SIP/bob", nil)
			if err != nil {
				t.Fatal(err)
			}
			in, err := p.WaitIncoming(ctx)
			if err != nil {
				t.Fatalf("no call over %s: %v", tr, err)
			}
			if via := in.Header("Via"); !strings.HasPrefix(via, "SIP/2.0/"+strings.ToUpper(tr)+" ") {
				t.Errorf("INVITE Via %q, want transport %s", via, strings.ToUpper(tr))
			}
			if ct := in.Header("Contact"); !strings.Contains(ct, wantContact) || !strings.Contains(ct, wantPort) {
				t.Errorf("INVITE Contact %q, want the %s listener", ct, tr)
			}
			if err := in.Ringing(ctx); err != nil {
				t.Fatal(err)
			}
			readUntil(t, ch, isControl(frame.Ringing)).Release()
			ch.Hangup(channel.CauseNormalClearing)
			drain(ch)
			select {
			case <-in.Done():
				if !errors.Is(in.Err(), testphone.ErrCanceled) {
					t.Errorf("ringing call ended with %v, want the PBX's CANCEL", in.Err())
				}
			case <-ctx.Done():
				t.Fatal("no CANCEL from the PBX")
			}
			e.waitNoChannels(t)

			// The PBX calls again; the phone answers and media flows.
			ch, err = e.reg.Dial(ctx, "SIP/bob", nil)
			if err != nil {
				t.Fatal(err)
			}
			in, err = p.WaitIncoming(ctx)
			if err != nil {
				t.Fatalf("no call over %s: %v", tr, err)
			}
			if err := in.Answer(ctx); err != nil {
				t.Fatal(err)
			}
			readUntil(t, ch, isControl(frame.Answer)).Release()
			done := make(chan struct{})
			go echoChannel(ch, done)
			m = in.Streams()[0]
			stop, err = m.StartTone(1000)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.WaitTone(ctx, 1000, 300*time.Millisecond); err != nil {
				t.Errorf("media of the PBX's call over %s: %v", tr, err)
			}
			stop()
			// A re-INVITE (hold) from the PBX takes the same way.
			if err := ch.Indicate(frame.Hold); err != nil {
				t.Fatal(err)
			}
			if err := in.WaitNegotiations(ctx, 2); err != nil {
				t.Errorf("hold re-INVITE over %s: %v", tr, err)
			} else if d := in.Streams()[0].Direction(); d != testphone.RecvOnly {
				t.Errorf("phone direction %v after hold, want recvonly", d)
			}
			ch.Hangup(channel.CauseNormalClearing)
			<-done
			select {
			case <-in.Done():
				if !errors.Is(in.Err(), testphone.ErrRemoteHangup) {
					t.Errorf("call ended with %v, want the PBX's BYE", in.Err())
				}
			case <-ctx.Done():
				t.Fatal("no BYE from the PBX")
			}
			e.waitNoChannels(t)
		})
	}
}

// TestFlowGone: once the connection a WebSocket or TLS phone registered
// on is closed, the PBX cannot reach the phone (it does not connect
// back), and dialling it fails at once as for an unregistered user.
func TestFlowGone(t *testing.T) {
	for _, tr := range []string{"tls", "ws"} {
		t.Run(tr, func(t *testing.T) {
			certFile, keyFile, roots := testcert.Write(t, t.TempDir())
			e := newEnv(t, func(c *Config) {
				c.TLS, c.WS = "127.0.0.1:0", "127.0.0.1:0"
				c.TLSCertFile, c.TLSKeyFile = certFile, keyFile
			})
			ctx := ctxT(t)
			p := e.phone(t, "bob", "bob-secret", func(c *testphone.Config) {
				c.Transport = tr
				c.Server = e.d.Addr(tr).String()
				c.TLSConfig = &tls.Config{RootCAs: roots}
			})
			if err := p.Register(ctx, time.Hour); err != nil {
				t.Fatal(err)
			}
			bs := e.bindings(t, "bob")
			if len(bs) != 1 || !e.d.flowOpen(bs[0].Transport, bs[0].Source) {
				t.Fatalf("no open flow for %+v", bs)
			}
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			// sipgo notices the close on its reader goroutine.
			for e.d.flowOpen(bs[0].Transport, bs[0].Source) {
				if ctx.Err() != nil {
					t.Fatal("the PBX did not notice the closed connection")
				}
				runtime.Gosched()
			}
			_, err := e.reg.Dial(ctx, "SIP/bob", nil)
			if !errors.Is(err, ErrNotRegistered) || channel.CauseOf(err) != channel.CauseSubscriberAbsent {
				t.Fatalf("dial over a closed flow: %v", err)
			}
		})
	}
}

// TestWebSocketHandshakeTimeout: a client that connects to the ws port
// and sends nothing is dropped after the handshake timeout, and does not
// keep other phones from connecting meanwhile (sipgo upgrades on its
// accept loop).
func TestWebSocketHandshakeTimeout(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.WS = "127.0.0.1:0"
		c.wsHandshake = 100 * time.Millisecond
	})
	ctx := ctxT(t)
	var d net.Dialer
	idle, err := d.DialContext(ctx, "tcp", e.d.Addr("ws").String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if err := idle.SetReadDeadline(time.Now().Add(testTimeout)); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	_, err = idle.Read(b[:])
	if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("idle connection still open after the handshake timeout")
	}
	p := e.phone(t, "bob", "bob-secret", func(c *testphone.Config) {
		c.Transport = "ws"
		c.Server = e.d.Addr("ws").String()
	})
	if err := p.Register(ctx, time.Hour); err != nil {
		t.Fatalf("register after a stalled handshake: %v", err)
	}
}

func TestTLSConfigErrors(t *testing.T) {
	certFile, keyFile, _ := testcert.Write(t, t.TempDir())
	reg := channel.NewRegistry(channel.RegistryConfig{Logger: testLogger(t)})
	cases := map[string]struct {
		cfg  Config
		want string
	}{
		"tls without certificate": {Config{TLS: "127.0.0.1:0"}, "need a certificate"},
		"wss without key":         {Config{WSS: "127.0.0.1:0", TLSCertFile: certFile}, "need a certificate"},
		"missing certificate":     {Config{TLS: "127.0.0.1:0", TLSCertFile: certFile + ".gone", TLSKeyFile: keyFile}, "cert.pem.gone"},
		"key is no key":           {Config{TLS: "127.0.0.1:0", TLSCertFile: certFile, TLSKeyFile: certFile}, "tls certificate"},
		"empty TLSConfig":         {Config{WSS: "127.0.0.1:0", TLSConfig: &tls.Config{}}, "TLSConfig has no certificate"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tc.cfg.Registry = reg
			d, err := New(tc.cfg)
			if err == nil {
				d.Close()
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want ErrConfig containing %q", err, tc.want)
			}
		})
	}
	// ws alone needs no certificate.
	d, err := New(Config{Registry: reg, WS: "127.0.0.1:0"})
	if err != nil {
		t.Fatalf("ws only: %v", err)
	}
	d.Close()
}
