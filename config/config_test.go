package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/internal/testcert"
)

func TestDefaultIsValidAndLoopbackOnly(t *testing.T) {
	c := Default()
	if c.SIP.UDP != "127.0.0.1:5060" || c.SIP.TCP != "127.0.0.1:5060" || !c.SIP.MediaIP.IsLoopback() {
		t.Fatalf("default not on loopback: %+v", c.SIP)
	}
	if !strings.HasPrefix(c.Control, "127.0.0.1:") {
		t.Fatalf("control %q", c.Control)
	}
	if len(c.Endpoints) != 3 || c.Endpoints[0].Name != "1001" || !c.Endpoints[0].Auth {
		t.Fatalf("endpoints %+v", c.Endpoints)
	}
	if !c.Endpoints[0].Codecs.Contains(format.ULaw) {
		t.Fatal("codecs")
	}
}

func TestErrorsHaveFileAndLine(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"unknown key":          {"[general]\nbogus = 1\n", "x.conf:2: unknown key \"bogus\" in [general]"},
		"wrong type":           {"[sip]\nrtp_start = lots\n", "x.conf:2: rtp_start must be a number"},
		"port out of range":    {"[sip]\nrtp_end = 70000\n", "x.conf:2: rtp_end 70000 out of range"},
		"duplicate endpoint":   {"[1001]\ntype=endpoint\npassword=a\n[1001]\ntype=endpoint\npassword=b\n", "x.conf:4: duplicate endpoint [1001] (first at x.conf:1)"},
		"no password":          {"[1001]\ntype=endpoint\n", "x.conf:1: endpoint [1001] has no password"},
		"bad codec":            {"[1001]\ntype=endpoint\npassword=a\ncodecs=ulaw,gsm\n", "x.conf:4: codecs: format: unknown format \"gsm\""},
		"outside section":      {"key = v\n", "x.conf:1: key outside any section"},
		"malformed header":     {"[sip\n", "x.conf:1: malformed section header"},
		"not key value":        {"[sip]\njunk\n", "x.conf:2: expected key = value"},
		"unknown section":      {"[foo]\nbar = 1\n", "x.conf:2: unknown key \"bar\" in endpoint [foo]"},
		"bad address":          {"[sip]\nudp = localhost\n", "x.conf:2: udp must be ip:port"},
		"pprof off loopback":   {"[general]\npprof = 0.0.0.0:6060\n", "x.conf:2: pprof must listen on a loopback address"},
		"bad digest algorithm": {"[sip]\ndigest_algorithms = md5, sha-1\n", "x.conf:2: digest_algorithms: \"SHA-1\" is not md5 or sha-256"},
		"bad log level":        {"[general]\nlog_level = loud\n", "x.conf:2: log_level must be"},
		"range inverted":       {"[sip]\nrtp_start = 20000\nrtp_end = 10000\n", "rtp_start 20000 must be below rtp_end 10000"},
		"tls without cert":     {"[sip]\ntls = 127.0.0.1:5061\ntls_key = k.pem\n", "x.conf:2: tls and wss need tls_cert and tls_key"},
		"wss without key":      {"[sip]\ntls_cert = c.pem\nwss = 127.0.0.1:8089\n", "x.conf:3: tls and wss need tls_cert and tls_key"},
		"bad ws address":       {"[sip]\nws = localhost:8088\n", "x.conf:2: ws must be ip:port"},
		"no transport":         {"[sip]\nudp =\ntcp =\n", "x.conf:1: [sip] listens on no transport"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("x.conf", strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestAllErrorsReportedAtOnce(t *testing.T) {
	_, err := Parse("x.conf", strings.NewReader("[general]\na=1\nb=2\n"))
	if err == nil || strings.Count(err.Error(), "unknown key") != 2 {
		t.Fatalf("got %v", err)
	}
}

func TestEscapedSemicolonAndComments(t *testing.T) {
	c, err := Parse("x.conf", strings.NewReader("[1001] ; phone\ntype = endpoint ; comment\npassword = a\\;b\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoints[0].Password != "a;b" {
		t.Fatalf("password %q", c.Endpoints[0].Password)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(string(defaultConf))
	f.Add("[sip]\nudp=1.2.3.4:5\n")
	f.Add("[x]\ntype=endpoint\npassword=;\n")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse("f.conf", strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not wrapping ErrInvalid: %v", err)
			}
			return
		}
		if c.SIP.RTPStart >= c.SIP.RTPEnd {
			t.Fatal("accepted an inverted port range")
		}
		names := map[string]bool{}
		for _, e := range c.Endpoints {
			if names[e.Name] {
				t.Fatalf("duplicate endpoint %s accepted", e.Name)
			}
			names[e.Name] = true
		}
	})
}

func TestConsoleAndPluginSections(t *testing.T) {
	c, err := Parse("x.conf", strings.NewReader("[console]\nbackend = null\nrate = 16000\nautoanswer = yes\n[plugins]\ndir = plugins\nrequire = tonegen\n[tonegen]\ntype = plugin\nfreq = 440\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Console.Enabled || c.Console.Backend != "null" || c.Console.Rate != 16000 || !c.Console.AutoAnswer {
		t.Fatalf("console %+v", c.Console)
	}
	if c.Plugins.Dir != "plugins" || len(c.Plugins.Require) != 1 || c.Plugins.Sections["tonegen"]["freq"] != "440" {
		t.Fatalf("plugins %+v", c.Plugins)
	}
	if _, err := Parse("x.conf", strings.NewReader("[console]\nrate = 11025\n")); err == nil || !strings.Contains(err.Error(), "x.conf:2: rate must be") {
		t.Fatalf("bad rate: %v", err)
	}
}

func TestTLSAndWebSocketSettings(t *testing.T) {
	c, err := Parse("x.conf", strings.NewReader("[sip]\nudp =\ntcp =\ntls = 127.0.0.1:5061\nws = 127.0.0.1:8088\nwss = 127.0.0.1:8089\ntls_cert = pbx.crt\ntls_key = pbx.key\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := c.SIP
	if s.UDP != "" || s.TCP != "" || s.TLS != "127.0.0.1:5061" || s.WS != "127.0.0.1:8088" || s.WSS != "127.0.0.1:8089" ||
		s.TLSCert != "pbx.crt" || s.TLSKey != "pbx.key" {
		t.Fatalf("sip %+v", s)
	}
	if d := Default().SIP; d.TLS != "" || d.WS != "" || d.WSS != "" {
		t.Fatalf("default listens on tls or websocket: %+v", d)
	}
}

// TestLoadChecksTLSCertificate: Load reads the key pair (relative to the
// configuration file) and reports a bad one at the tls_cert line.
func TestLoadChecksTLSCertificate(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "pbx.conf")
	write := func(name string, data []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("pbx.conf", []byte("[sip]\ntls = 127.0.0.1:5061\ntls_cert = pbx.crt\ntls_key = pbx.key\n"))
	_, err := Load(conf)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), conf+":3: tls_cert pbx.crt, tls_key pbx.key: open ") {
		t.Fatalf("missing files: %v", err)
	}

	certFile, keyFile, _ := testcert.Write(t, dir)
	if err := os.Rename(certFile, filepath.Join(dir, "pbx.crt")); err != nil {
		t.Fatal(err)
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, "pbx.crt"))
	if err != nil {
		t.Fatal(err)
	}
	write("pbx.key", certPEM) // a certificate where the key belongs
	if _, err := Load(conf); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), conf+":3: tls_cert") {
		t.Fatalf("certificate as key: %v", err)
	}
	if err := os.Rename(keyFile, filepath.Join(dir, "pbx.key")); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(conf); err != nil {
		t.Fatalf("valid key pair: %v", err)
	}
}

func TestDigestAlgorithms(t *testing.T) {
	c, err := Parse("x.conf", strings.NewReader("[sip]\ndigest_algorithms = sha-256, MD5, md5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.SIP.DigestAlgorithms, []string{"SHA-256", "MD5"}) {
		t.Fatalf("algorithms %q, want SHA-256 then MD5 once", c.SIP.DigestAlgorithms)
	}
	if d, _ := Parse("x.conf", strings.NewReader("")); len(d.SIP.DigestAlgorithms) != 0 {
		t.Fatalf("default %q, want none (the driver's MD5 alone)", d.SIP.DigestAlgorithms)
	}
}
