package config

import (
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pbx-dev/pbx/core/format"
)

//go:embed default.conf
var defaultConf []byte

//go:embed default-extensions.conf
var defaultDialplan []byte

// DefaultText returns the embedded default configuration file.
func DefaultText() []byte { return slices.Clone(defaultConf) }

// DefaultDialplanText returns the embedded demo dialplan.
func DefaultDialplanText() []byte { return slices.Clone(defaultDialplan) }

// EmbeddedDialplan is the dialplan path meaning "the embedded demo".
const EmbeddedDialplan = "embedded"

// Config is the system configuration.
type Config struct {
	// File is the path the configuration was read from ("(default)" for the
	// embedded one); relative paths in it are relative to its directory.
	File string

	LogLevel  string // debug, info, warn, error
	LogFormat string // text, json

	Dialplan   string // extensions.conf path, or EmbeddedDialplan
	Sounds     string // sounds directory
	Recordings string // where Record/MixMonitor write relative files

	Control          string // control endpoint address (loopback)
	ControlTokenFile string // file holding the control token
	// Pprof is the loopback address of the Go profiler (net/http/pprof);
	// empty (the default) turns it off.
	Pprof string

	SIP     SIP
	Jitter  Jitter
	CDR     CDR
	Console Console
	Plugins Plugins

	Endpoints []Endpoint
}

// SIP holds the SIP driver settings.
type SIP struct {
	UDP, TCP string // listen addresses, "" disables
	// TLS (SIP over TLS), WS and WSS (SIP over WebSocket, plain and
	// secure) are listen addresses too; "" (the default) disables them.
	TLS, WS, WSS string
	// TLSCert and TLSKey are the PEM certificate and key files of the tls
	// and wss listeners, as written (relative to the file: see
	// [Config.Resolve]); required when either listens.
	TLSCert, TLSKey string
	MediaIP         netip.Addr
	RTPStart        int
	RTPEnd          int
	Realm           string
	// DigestAlgorithms are the digest algorithms challenged, in order
	// ("MD5", "SHA-256"); empty means MD5 alone (some phones refuse a
	// 401 carrying a challenge they cannot compute).
	DigestAlgorithms []string
	RTPTimeout       time.Duration
	Guest            string // context for unauthenticated callers, "" refuses them

	tlsPos, certPos Pos // where tls (or wss) and tls_cert were set
}

// Jitter holds jitter buffer settings for streams that terminate in the PBX.
type Jitter struct {
	Min, Max time.Duration
}

// CDR says where call records go.
type CDR struct {
	SQLite   string // path of the SQLite database, "" disables
	Postgres string // DSN; when set, records go to PostgreSQL instead
}

// Console configures the sound-card driver ([console] section).
type Console struct {
	Enabled                       bool
	Backend                       string // "", "null", "alsa", "pulse", …
	CaptureDevice, PlaybackDevice string
	Rate                          int
	AutoAnswer                    bool
	Context                       string
	CallerNum, CallerName         string
}

// Plugins configures Go plugins: the [plugins] section and one
// "[name]" section with "type = plugin" per plugin.
type Plugins struct {
	Dir      string
	Require  []string
	Sections map[string]map[string]string
}

// Endpoint is a phone (a SIP user).
type Endpoint struct {
	Name        string
	Password    string
	Context     string
	Codecs      format.Caps
	MaxContacts int
	// Auth requires digest authentication for calls from the endpoint.
	Auth bool
	Pos  Pos
}

// Pos is a position in a configuration file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Error is one configuration problem at a file position.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrInvalid is wrapped by every configuration error.
var ErrInvalid = errors.New("config: invalid")

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *Error) Unwrap() error { return ErrInvalid }

// Default returns the embedded default configuration.
func Default() *Config {
	c, err := Parse("(default)", strings.NewReader(string(defaultConf)))
	if err != nil {
		panic("config: embedded default is invalid: " + err.Error())
	}
	return c
}

// Load reads a configuration file; "" means the embedded default. Unlike
// [Parse] it also reads the files the configuration names that must be
// valid before the PBX starts: the TLS certificate and key.
func Load(path string) (*Config, error) {
	if path == "" {
		return Default(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	c, err := Parse(path, f)
	if err != nil {
		return nil, err
	}
	if err := c.checkTLS(); err != nil {
		return nil, err
	}
	return c, nil
}

// Resolve returns p relative to the configuration file's directory.
func (c *Config) Resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || c.File == "(default)" || c.File == "" {
		return p
	}
	return filepath.Join(filepath.Dir(c.File), p)
}

// Endpoint returns the endpoint named name.
func (c *Config) Endpoint(name string) (Endpoint, bool) {
	for _, e := range c.Endpoints {
		if e.Name == name {
			return e, true
		}
	}
	return Endpoint{}, false
}

type line struct {
	key, value string
	pos        Pos
}

type section struct {
	name  string
	pos   Pos
	lines []line
}

// Parse reads a configuration from r; name is used in error positions.
func Parse(name string, r io.Reader) (*Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", name, err)
	}
	var errs []error
	fail := func(pos Pos, msg string, args ...any) {
		errs = append(errs, &Error{Pos: pos, Msg: fmt.Sprintf(msg, args...)})
	}
	var secs []*section
	var cur *section
	for i, raw := range strings.Split(string(data), "\n") {
		pos := Pos{name, i + 1}
		s := stripComment(raw)
		if s == "" {
			continue
		}
		if strings.HasPrefix(s, "[") {
			end := strings.IndexByte(s, ']')
			if end < 0 || strings.TrimSpace(s[end+1:]) != "" {
				fail(pos, "malformed section header %q", s)
				cur = nil
				continue
			}
			sn := strings.TrimSpace(s[1:end])
			if sn == "" {
				fail(pos, "empty section name")
				cur = nil
				continue
			}
			cur = &section{name: sn, pos: pos}
			secs = append(secs, cur)
			continue
		}
		k, v, ok := strings.Cut(s, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			fail(pos, "expected key = value, got %q", s)
			continue
		}
		if cur == nil {
			fail(pos, "%s outside any section", k)
			continue
		}
		cur.lines = append(cur.lines, line{strings.ToLower(k), strings.TrimSpace(strings.TrimPrefix(v, ">")), pos})
	}

	c := &Config{File: name}
	c.applyDefaults()
	seen := map[string]Pos{}
	for _, sec := range secs {
		key := strings.ToLower(sec.name)
		switch key {
		case "general", "sip", "jitterbuffer", "cdr", "console", "plugins":
			if p, dup := seen[key]; dup {
				fail(sec.pos, "duplicate section [%s] (first at %s)", sec.name, p)
				continue
			}
			seen[key] = sec.pos
		}
		switch key {
		case "general":
			c.parseGeneral(sec, fail)
		case "sip":
			c.parseSIP(sec, fail)
		case "jitterbuffer":
			c.parseJitter(sec, fail)
		case "cdr":
			c.parseCDR(sec, fail)
		case "console":
			c.parseConsole(sec, fail)
		case "plugins":
			c.parsePlugins(sec, fail)
		default:
			c.parseEndpoint(sec, fail, seen)
		}
	}
	if c.SIP.RTPStart >= c.SIP.RTPEnd {
		fail(Pos{name, 0}, "rtp_start %d must be below rtp_end %d", c.SIP.RTPStart, c.SIP.RTPEnd)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func stripComment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] == ';' {
			b.WriteByte(';')
			i++
			continue
		}
		if s[i] == ';' {
			break
		}
		b.WriteByte(s[i])
	}
	return strings.TrimSpace(b.String())
}

func (c *Config) applyDefaults() {
	c.LogLevel, c.LogFormat = "info", "text"
	c.Dialplan = EmbeddedDialplan
	c.Sounds = "sounds"
	c.Recordings = "recordings"
	c.Control = "127.0.0.1:5039"
	c.SIP = SIP{UDP: "127.0.0.1:5060", TCP: "127.0.0.1:5060", MediaIP: netip.MustParseAddr("127.0.0.1"),
		RTPStart: 10000, RTPEnd: 20000, Realm: "pbx", RTPTimeout: 30 * time.Second}
	c.Jitter = Jitter{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}
}

type failFunc func(pos Pos, msg string, args ...any)

func (c *Config) parseGeneral(sec *section, fail failFunc) {
	for _, l := range sec.lines {
		switch l.key {
		case "log_level":
			if !slices.Contains([]string{"debug", "info", "warn", "error"}, l.value) {
				fail(l.pos, "log_level must be debug, info, warn or error, not %q", l.value)
			}
			c.LogLevel = l.value
		case "log_format":
			if l.value != "text" && l.value != "json" {
				fail(l.pos, "log_format must be text or json, not %q", l.value)
			}
			c.LogFormat = l.value
		case "dialplan":
			c.Dialplan = l.value
		case "sounds":
			c.Sounds = l.value
		case "plugins":
			c.Plugins.Dir = l.value
		case "recordings":
			c.Recordings = l.value
		case "control":
			if l.value != "" {
				if _, err := netip.ParseAddrPort(l.value); err != nil {
					fail(l.pos, "control must be ip:port: %v", err)
				}
			}
			c.Control = l.value
		case "control_token_file":
			c.ControlTokenFile = l.value
		case "pprof":
			if l.value != "" {
				ap, err := netip.ParseAddrPort(l.value)
				switch {
				case err != nil:
					fail(l.pos, "pprof must be ip:port: %v", err)
				case !ap.Addr().IsLoopback():
					fail(l.pos, "pprof must listen on a loopback address, not %s", ap.Addr())
				}
			}
			c.Pprof = l.value
		default:
			fail(l.pos, "unknown key %q in [%s]", l.key, sec.name)
		}
	}
}

func (c *Config) parseSIP(sec *section, fail failFunc) {
	for _, l := range sec.lines {
		switch l.key {
		case "udp", "tcp", "tls", "ws", "wss":
			if l.value != "" {
				if _, err := netip.ParseAddrPort(l.value); err != nil {
					fail(l.pos, "%s must be ip:port: %v", l.key, err)
				}
			}
			switch l.key {
			case "udp":
				c.SIP.UDP = l.value
			case "tcp":
				c.SIP.TCP = l.value
			case "tls":
				c.SIP.TLS = l.value
			case "ws":
				c.SIP.WS = l.value
			case "wss":
				c.SIP.WSS = l.value
			}
			if (l.key == "tls" || l.key == "wss") && l.value != "" {
				c.SIP.tlsPos = l.pos
			}
		case "tls_cert":
			c.SIP.TLSCert, c.SIP.certPos = l.value, l.pos
		case "tls_key":
			c.SIP.TLSKey = l.value
		case "media_ip":
			a, err := netip.ParseAddr(l.value)
			if err != nil {
				fail(l.pos, "media_ip must be an IP address: %v", err)
			}
			c.SIP.MediaIP = a
		case "rtp_start":
			c.SIP.RTPStart = portValue(l, fail)
		case "rtp_end":
			c.SIP.RTPEnd = portValue(l, fail)
		case "realm":
			c.SIP.Realm = l.value
		case "digest_algorithms":
			c.SIP.DigestAlgorithms = nil
			for a := range strings.SplitSeq(l.value, ",") {
				a = strings.ToUpper(strings.TrimSpace(a))
				switch a {
				case "MD5", "SHA-256":
					if !slices.Contains(c.SIP.DigestAlgorithms, a) {
						c.SIP.DigestAlgorithms = append(c.SIP.DigestAlgorithms, a)
					}
				default:
					fail(l.pos, "digest_algorithms: %q is not md5 or sha-256", a)
				}
			}
		case "rtp_timeout":
			c.SIP.RTPTimeout = secondsValue(l, fail)
		case "guest_context":
			c.SIP.Guest = l.value
		default:
			fail(l.pos, "unknown key %q in [%s]", l.key, sec.name)
		}
	}
	if (c.SIP.TLS != "" || c.SIP.WSS != "") && (c.SIP.TLSCert == "" || c.SIP.TLSKey == "") {
		fail(c.SIP.tlsPos, "tls and wss need tls_cert and tls_key (PEM certificate and key files)")
	}
	if c.SIP.UDP == "" && c.SIP.TCP == "" && c.SIP.TLS == "" && c.SIP.WS == "" && c.SIP.WSS == "" {
		fail(sec.pos, "[%s] listens on no transport (set udp, tcp, tls, ws or wss)", sec.name)
	}
}

// checkTLS loads the tls and wss listeners' key pair, so that a missing
// or broken file is a configuration error at the tls_cert line.
func (c *Config) checkTLS() error {
	if c.SIP.TLS == "" && c.SIP.WSS == "" {
		return nil
	}
	if _, err := tls.LoadX509KeyPair(c.Resolve(c.SIP.TLSCert), c.Resolve(c.SIP.TLSKey)); err != nil {
		return &Error{Pos: c.SIP.certPos, Msg: fmt.Sprintf("tls_cert %s, tls_key %s: %v", c.SIP.TLSCert, c.SIP.TLSKey, err)}
	}
	return nil
}

func (c *Config) parseJitter(sec *section, fail failFunc) {
	for _, l := range sec.lines {
		switch l.key {
		case "min_ms":
			c.Jitter.Min = time.Duration(intValue(l, fail, 0, 1000)) * time.Millisecond
		case "max_ms":
			c.Jitter.Max = time.Duration(intValue(l, fail, 0, 5000)) * time.Millisecond
		default:
			fail(l.pos, "unknown key %q in [%s]", l.key, sec.name)
		}
	}
	if c.Jitter.Min > c.Jitter.Max {
		fail(sec.pos, "jitterbuffer min_ms above max_ms")
	}
}

func (c *Config) parseCDR(sec *section, fail failFunc) {
	for _, l := range sec.lines {
		switch l.key {
		case "sqlite":
			c.CDR.SQLite = l.value
		case "postgres_dsn":
			c.CDR.Postgres = l.value
		default:
			fail(l.pos, "unknown key %q in [%s]", l.key, sec.name)
		}
	}
}

func (c *Config) parseConsole(sec *section, fail failFunc) {
	c.Console.Enabled = true
	for _, l := range sec.lines {
		switch l.key {
		case "enabled":
			c.Console.Enabled = boolValue(l, fail)
		case "backend":
			c.Console.Backend = l.value
		case "capture_device":
			c.Console.CaptureDevice = l.value
		case "playback_device":
			c.Console.PlaybackDevice = l.value
		case "rate":
			c.Console.Rate = intValue(l, fail, 8000, 48000)
			if !slices.Contains([]int{8000, 16000, 48000}, c.Console.Rate) {
				fail(l.pos, "rate must be 8000, 16000 or 48000")
			}
		case "autoanswer":
			c.Console.AutoAnswer = boolValue(l, fail)
		case "context":
			c.Console.Context = l.value
		case "callerid_num":
			c.Console.CallerNum = l.value
		case "callerid_name":
			c.Console.CallerName = l.value
		default:
			fail(l.pos, "unknown key %q in [%s]", l.key, sec.name)
		}
	}
}

func (c *Config) parsePlugins(sec *section, fail failFunc) {
	for _, l := range sec.lines {
		switch l.key {
		case "dir":
			c.Plugins.Dir = l.value
		case "require":
			for _, n := range strings.Split(l.value, ",") {
				if n = strings.TrimSpace(n); n != "" {
					c.Plugins.Require = append(c.Plugins.Require, n)
				}
			}
		default:
			fail(l.pos, "unknown key %q in [%s]", l.key, sec.name)
		}
	}
}

func boolValue(l line, fail failFunc) bool {
	switch strings.ToLower(l.value) {
	case "yes", "true", "on", "1":
		return true
	case "no", "false", "off", "0":
		return false
	}
	fail(l.pos, "%s must be yes or no, not %q", l.key, l.value)
	return false
}

func (c *Config) parseEndpoint(sec *section, fail failFunc, seen map[string]Pos) {
	for _, l := range sec.lines {
		if l.key == "type" && l.value == "plugin" {
			c.parsePluginSection(sec, fail, seen)
			return
		}
	}
	e := Endpoint{Name: sec.name, Context: "default", MaxContacts: 1, Auth: true, Pos: sec.pos,
		Codecs: format.NewCaps(format.ULaw, format.ALaw, format.G722)}
	typ := ""
	for _, l := range sec.lines {
		switch l.key {
		case "type":
			typ = l.value
		case "password", "secret":
			e.Password = l.value
		case "context":
			e.Context = l.value
		case "codecs", "allow":
			caps, err := format.ParseCaps(l.value)
			if err != nil {
				fail(l.pos, "codecs: %v", err)
			} else if !caps.HasType(format.Audio) {
				fail(l.pos, "codecs must include an audio codec")
			}
			e.Codecs = caps
		case "max_contacts":
			e.MaxContacts = intValue(l, fail, 1, 100)
		case "auth":
			b, err := strconv.ParseBool(l.value)
			if err != nil {
				fail(l.pos, "auth must be yes/no: %q", l.value)
			}
			e.Auth = b
		default:
			fail(l.pos, "unknown key %q in endpoint [%s]", l.key, sec.name)
		}
	}
	if typ != "endpoint" {
		fail(sec.pos, "unknown section [%s] (an endpoint needs type = endpoint)", sec.name)
		return
	}
	if e.Password == "" && e.Auth {
		fail(sec.pos, "endpoint [%s] has no password (set one, or auth = no)", sec.name)
	}
	key := "endpoint:" + sec.name
	if p, dup := seen[key]; dup {
		fail(sec.pos, "duplicate endpoint [%s] (first at %s)", sec.name, p)
		return
	}
	seen[key] = sec.pos
	c.Endpoints = append(c.Endpoints, e)
}

// parsePluginSection keeps a plugin's own settings for it, uninterpreted.
func (c *Config) parsePluginSection(sec *section, fail failFunc, seen map[string]Pos) {
	key := "plugin:" + sec.name
	if p, dup := seen[key]; dup {
		fail(sec.pos, "duplicate plugin section [%s] (first at %s)", sec.name, p)
		return
	}
	seen[key] = sec.pos
	m := map[string]string{}
	for _, l := range sec.lines {
		if l.key != "type" {
			m[l.key] = l.value
		}
	}
	if c.Plugins.Sections == nil {
		c.Plugins.Sections = map[string]map[string]string{}
	}
	c.Plugins.Sections[sec.name] = m
}

func intValue(l line, fail failFunc, lo, hi int) int {
	n, err := strconv.Atoi(l.value)
	if err != nil {
		fail(l.pos, "%s must be a number, not %q", l.key, l.value)
		return lo
	}
	if n < lo || n > hi {
		fail(l.pos, "%s %d out of range %d-%d", l.key, n, lo, hi)
	}
	return n
}

func portValue(l line, fail failFunc) int { return intValue(l, fail, 1024, 65534) }

func secondsValue(l line, fail failFunc) time.Duration {
	return time.Duration(intValue(l, fail, 0, 86400)) * time.Second
}
