package sip

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
)

// Endpoint is one SIP account: a phone or softphone that registers and
// calls, identified by its user name.
type Endpoint struct {
	// User is the account name: the user part of the From URI of its
	// calls and of the To URI of its REGISTERs, and the digest username.
	User string
	// Password is the digest password. An endpoint without a password can
	// neither register nor make authenticated calls.
	Password string
	// Context is the dialplan context its calls enter (the CONTEXT channel
	// variable of inbound channels).
	Context string
	// Codecs are the formats it may use, in preference order; empty means
	// the driver's [Config].Codecs.
	Codecs format.Caps
	// MaxContacts bounds its simultaneous registrations; 0 means 1. A new
	// contact beyond the limit replaces the binding that expires first.
	MaxContacts int
	// Auth requires digest authentication of its INVITEs (REGISTER is
	// always authenticated).
	Auth bool
}

// Endpoints looks endpoints up by user name. The config package supplies
// it; [EndpointMap] is a static implementation. It is called on sipgo's
// request goroutines, concurrently, and must not block on the network.
type Endpoints interface {
	Endpoint(user string) (Endpoint, bool)
}

// EndpointMap is a static [Endpoints] keyed by user name.
type EndpointMap map[string]Endpoint

// Endpoint implements [Endpoints].
func (m EndpointMap) Endpoint(user string) (Endpoint, bool) {
	e, ok := m[user]
	return e, ok
}

// Algorithm names of digest challenges (RFC 7616, RFC 8760).
const (
	MD5    = "MD5"
	SHA256 = "SHA-256"
)

// Defaults of [Config] fields left zero.
const (
	DefaultRTPPortMin     = 10000
	DefaultRTPPortMax     = 20000
	DefaultRealm          = "pbx"
	DefaultRTPTimeout     = 30 * time.Second
	DefaultExpires        = 3600
	DefaultMinExpires     = 60
	DefaultMaxExpires     = 7200
	DefaultNonceTTL       = 5 * time.Minute
	DefaultAuthFailLimit  = 5
	DefaultAuthFailWindow = time.Minute
	DefaultAuthBlock      = 5 * time.Minute
)

// DefaultCodecs are the formats offered and accepted when neither the
// endpoint nor [Config].Codecs says otherwise.
var DefaultCodecs = format.NewCaps(format.ULaw, format.ALaw, format.TelephoneEvent)

// Config configures a [Driver]. Zero values take the documented defaults.
type Config struct {
	// Registry receives the driver's inbound channels. Required.
	Registry *channel.Registry
	// Logger is the base logger; nil means slog.Default().
	Logger *slog.Logger

	// UDP and TCP are the listen addresses ("127.0.0.1:5060"); port 0
	// picks a free port, reported by [Driver.Addr] once [Driver.Ready] is
	// closed. An empty address disables the transport; at least one
	// listen address (of any transport) is required.
	UDP, TCP string
	// TLS is the listen address of SIP over TLS (RFC 3261 §26, sip: URIs
	// with transport=tls; sips: is not supported), WS and WSS those of
	// SIP over WebSocket and secure WebSocket (RFC 7118, subprotocol
	// "sip"). They work like TCP; empty disables them. TLS and WSS need a
	// certificate: TLSConfig, or TLSCertFile and TLSKeyFile.
	TLS, WS, WSS string
	// TLSCertFile and TLSKeyFile are the PEM certificate (chain) and
	// private key of the TLS and WSS listeners, loaded by [New] (an
	// unreadable or mismatched pair is an [ErrConfig]).
	TLSCertFile, TLSKeyFile string
	// TLSConfig, when set, is the server configuration of the TLS and WSS
	// listeners instead of the files; it must carry a certificate
	// (Certificates or GetCertificate). The driver does not modify it.
	TLSConfig *tls.Config
	// Host is the host written in Contact and Via headers; empty means the
	// IP of the listen address (or MediaIP when that is unspecified).
	Host string

	// MediaIP is the address RTP sockets bind to and SDP announces. The
	// zero value means the IP of the first listen address, which must
	// then be a specific address.
	MediaIP netip.Addr
	// RTPPortMin and RTPPortMax bound the RTP ports (even ports for RTP,
	// the next odd port for RTCP). Defaults 10000–20000.
	RTPPortMin, RTPPortMax int
	// RTPTimeout hangs up an answered call that received no RTP for this
	// long (not while on hold). 0 means 30 s; negative disables it.
	RTPTimeout time.Duration

	// Endpoints are the accounts. Nil means none: only a guest context
	// admits calls.
	Endpoints Endpoints
	// GuestContext, when set, admits INVITEs from unknown users (no
	// authentication) into this dialplan context; empty rejects them
	// with 403.
	GuestContext string
	// Codecs are the formats of endpoints without their own and of calls
	// to URIs that are no endpoint. Empty means [DefaultCodecs].
	Codecs format.Caps

	// Realm is the digest realm; "" means "pbx".
	Realm string
	// Algorithms lists the digest algorithms challenged, one
	// WWW-Authenticate header each, in order ([MD5], [SHA256]). Empty
	// means MD5 alone: every phone speaks it, while some refuse a 401
	// that carries any challenge they cannot compute, even next to an
	// MD5 one they could (libre 1.1, under baresip 1.0, fails the whole
	// REGISTER with ENOSYS on a SHA-256 challenge, although RFC 8760
	// §2.4 says to ignore it). Offer SHA-256 only where the phones are
	// known to cope.
	Algorithms []string
	// NonceTTL is how long a nonce is accepted; later it is stale. 0
	// means 5 minutes.
	NonceTTL time.Duration
	// AuthFailLimit failed authentications from one source IP within
	// AuthFailWindow block it for AuthBlock (403 without challenge).
	// Defaults: 5 per minute, blocked for 5 minutes. A negative limit
	// disables blocking.
	AuthFailLimit  int
	AuthFailWindow time.Duration
	AuthBlock      time.Duration

	// Location stores registrations; nil means a new [MemoryLocation].
	Location Location
	// DefaultExpires, MinExpires and MaxExpires govern REGISTER
	// expirations in seconds (RFC 3261 §10.3): defaults 3600, 60, 7200.
	DefaultExpires, MinExpires, MaxExpires int

	// UserAgent is the User-Agent and Server header value; "" means "pbx".
	UserAgent string

	// now replaces time.Now in tests (nonce expiry, bindings, limits).
	now func() time.Time
	// wsHandshake replaces wsHandshakeTimeout in tests.
	wsHandshake time.Duration
}

// withDefaults validates cfg and fills in defaults.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Registry == nil {
		return cfg, fmt.Errorf("%w: no registry", ErrConfig)
	}
	listens := []string{cfg.UDP, cfg.TCP, cfg.TLS, cfg.WS, cfg.WSS}
	if !slices.ContainsFunc(listens, func(a string) bool { return a != "" }) {
		return cfg, fmt.Errorf("%w: no listen address", ErrConfig)
	}
	if cfg.TLS != "" || cfg.WSS != "" {
		tc, err := serverTLSConfig(cfg.TLSConfig, cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return cfg, err
		}
		cfg.TLSConfig = tc
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	listenIP := func() netip.Addr {
		for _, a := range listens {
			if a == "" {
				continue
			}
			if ap, err := netip.ParseAddrPort(a); err == nil {
				return ap.Addr().Unmap()
			}
		}
		return netip.Addr{}
	}()
	if !cfg.MediaIP.IsValid() {
		cfg.MediaIP = listenIP
	}
	if !cfg.MediaIP.IsValid() || cfg.MediaIP.IsUnspecified() {
		return cfg, fmt.Errorf("%w: media IP %q must be a specific address", ErrConfig, cfg.MediaIP)
	}
	if cfg.Host == "" {
		if listenIP.IsValid() && !listenIP.IsUnspecified() {
			cfg.Host = listenIP.String()
		} else {
			cfg.Host = cfg.MediaIP.String()
		}
	}
	if cfg.RTPPortMin == 0 {
		cfg.RTPPortMin = DefaultRTPPortMin
	}
	if cfg.RTPPortMax == 0 {
		cfg.RTPPortMax = DefaultRTPPortMax
	}
	cfg.RTPPortMin += cfg.RTPPortMin % 2 // RTP on even ports
	if cfg.RTPPortMin < 1024 || cfg.RTPPortMax > 65535 || cfg.RTPPortMax < cfg.RTPPortMin+1 {
		return cfg, fmt.Errorf("%w: RTP port range %d-%d", ErrConfig, cfg.RTPPortMin, cfg.RTPPortMax)
	}
	if cfg.RTPTimeout == 0 {
		cfg.RTPTimeout = DefaultRTPTimeout
	}
	if cfg.Endpoints == nil {
		cfg.Endpoints = EndpointMap{}
	}
	if cfg.Codecs.IsEmpty() {
		cfg.Codecs = DefaultCodecs
	}
	if cfg.Realm == "" {
		cfg.Realm = DefaultRealm
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = []string{MD5}
	}
	for i, a := range cfg.Algorithms {
		switch strings.ToUpper(a) {
		case MD5:
			cfg.Algorithms[i] = MD5
		case SHA256:
			cfg.Algorithms[i] = SHA256
		default:
			return cfg, fmt.Errorf("%w: digest algorithm %q", ErrConfig, a)
		}
	}
	if cfg.NonceTTL <= 0 {
		cfg.NonceTTL = DefaultNonceTTL
	}
	if cfg.AuthFailLimit == 0 {
		cfg.AuthFailLimit = DefaultAuthFailLimit
	}
	if cfg.AuthFailWindow <= 0 {
		cfg.AuthFailWindow = DefaultAuthFailWindow
	}
	if cfg.AuthBlock <= 0 {
		cfg.AuthBlock = DefaultAuthBlock
	}
	if cfg.Location == nil {
		cfg.Location = NewMemoryLocation()
	}
	if cfg.DefaultExpires <= 0 {
		cfg.DefaultExpires = DefaultExpires
	}
	if cfg.MinExpires <= 0 {
		cfg.MinExpires = DefaultMinExpires
	}
	if cfg.MaxExpires <= 0 {
		cfg.MaxExpires = DefaultMaxExpires
	}
	if cfg.MaxExpires < cfg.MinExpires {
		return cfg, fmt.Errorf("%w: MaxExpires %d below MinExpires %d", ErrConfig, cfg.MaxExpires, cfg.MinExpires)
	}
	cfg.DefaultExpires = min(max(cfg.DefaultExpires, cfg.MinExpires), cfg.MaxExpires)
	if cfg.wsHandshake <= 0 {
		cfg.wsHandshake = wsHandshakeTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "pbx"
	}
	return cfg, nil
}

// serverTLSConfig returns the TLS server configuration of the TLS and WSS
// listeners: tc when given (it must have a certificate), else one holding
// the key pair loaded from certFile and keyFile.
func serverTLSConfig(tc *tls.Config, certFile, keyFile string) (*tls.Config, error) {
	if tc != nil {
		if len(tc.Certificates) == 0 && tc.GetCertificate == nil && tc.GetConfigForClient == nil {
			return nil, fmt.Errorf("%w: TLSConfig has no certificate", ErrConfig)
		}
		return tc, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, fmt.Errorf("%w: tls and wss need a certificate and key (TLSCertFile, TLSKeyFile)", ErrConfig)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: tls certificate %s, key %s: %w", ErrConfig, certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// codecsOf returns the formats of endpoint e (the driver's when e has none).
func (cfg *Config) codecsOf(e *Endpoint) format.Caps {
	if e != nil && !e.Codecs.IsEmpty() {
		return e.Codecs
	}
	return cfg.Codecs
}
