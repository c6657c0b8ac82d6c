package sip

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// dest is a parsed dial destination, the part of "SIP/..." after the
// slash:
//
//	alice                          every registered contact of endpoint alice
//	alice@host[:port]              sip:alice@host:port directly
//	sip:alice@host[:port][;transport=tcp]
//	sip:host[:port]                no user part
type dest struct {
	user      string // may be empty for a URI without user part
	host      string // empty: look up the registrations of user
	port      int    // 0: default
	transport string // "udp" or "tcp"; "" means udp
}

// isAOR reports whether d names an endpoint to look up.
func (d dest) isAOR() bool { return d.host == "" }

// String formats d so that parseDest(d.String()) == d.
func (d dest) String() string {
	if d.isAOR() {
		return d.user
	}
	var b strings.Builder
	b.WriteString("sip:")
	if d.user != "" {
		b.WriteString(d.user)
		b.WriteByte('@')
	}
	if strings.Contains(d.host, ":") {
		b.WriteString("[" + d.host + "]")
	} else {
		b.WriteString(d.host)
	}
	if d.port != 0 {
		b.WriteString(":" + strconv.Itoa(d.port))
	}
	if d.transport != "" {
		b.WriteString(";transport=" + d.transport)
	}
	return b.String()
}

// maxDestLen bounds a destination; longer ones are refused.
const maxDestLen = 512

// parseDest parses a dial destination.
func parseDest(s string) (dest, error) {
	s = strings.TrimSpace(s)
	bad := func(why string) (dest, error) {
		return dest{}, fmt.Errorf("%w: %q: %s", ErrBadDest, s, why)
	}
	if s == "" {
		return bad("empty")
	}
	if len(s) > maxDestLen {
		return bad("too long")
	}
	rest, isURI := cutPrefixFold(s, "sip:")
	if _, sips := cutPrefixFold(s, "sips:"); sips {
		return bad("sips is not supported")
	}
	var d dest
	if isURI {
		var params string
		rest, params, _ = strings.Cut(rest, ";")
		for p := range strings.SplitSeq(params, ";") {
			if p == "" {
				continue
			}
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(k, "transport") {
				switch strings.ToLower(v) {
				case "udp", "tcp":
					d.transport = strings.ToLower(v)
				default:
					return bad("unsupported transport " + v)
				}
			}
		}
	}
	user, hostport, hasAt := strings.Cut(rest, "@")
	if !hasAt {
		if isURI {
			user, hostport = "", rest
		} else {
			user, hostport = rest, ""
		}
	}
	if hasAt && user == "" {
		return bad("empty user")
	}
	if !validUser(user) {
		return bad("invalid user")
	}
	d.user = user
	if hostport == "" {
		if hasAt || isURI {
			return bad("empty host")
		}
		return d, nil
	}
	host, port, err := splitHostPort(hostport)
	if err != nil {
		return bad(err.Error())
	}
	d.host, d.port = host, port
	return d, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// validUser accepts the user-part characters of RFC 3261 §25.1 except the
// separators ';', '?', '/', ':' and '@' that would make the URI ambiguous,
// and percent escapes.
func validUser(u string) bool {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-_.!~*'()&=+$,#", c) >= 0:
		case c == '%' && i+2 < len(u) && isHex(u[i+1]) && isHex(u[i+2]):
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// splitHostPort splits "host", "host:port", "[v6]" or "[v6]:port".
func splitHostPort(s string) (string, int, error) {
	var host, port string
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, fmt.Errorf("unterminated IPv6 literal")
		}
		host = s[1:end]
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", 0, fmt.Errorf("bad IPv6 literal")
		}
		host = a.String()
		rest := s[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return "", 0, fmt.Errorf("junk after IPv6 literal")
			}
			port = rest[1:]
			if port == "" {
				return "", 0, fmt.Errorf("empty port")
			}
		}
	} else {
		var hasPort bool
		host, port, hasPort = strings.Cut(s, ":")
		if hasPort && port == "" {
			return "", 0, fmt.Errorf("empty port")
		}
		if !validHost(host) {
			return "", 0, fmt.Errorf("bad host")
		}
		if a, err := netip.ParseAddr(host); err == nil {
			host = a.String()
		} else {
			host = strings.ToLower(host)
		}
	}
	if port == "" {
		return host, 0, nil
	}
	if len(port) > 5 {
		return "", 0, fmt.Errorf("bad port")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n <= 0 || n > 65535 || port[0] == '+' || port[0] == '0' {
		return "", 0, fmt.Errorf("bad port")
	}
	return host, n, nil
}

// validHost accepts a hostname or an IPv4 address: labels of letters,
// digits and hyphens separated by dots.
func validHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
