package sip

import (
	"strings"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/pbx-dev/pbx/core/channel"
)

// defaultFromUser is the user part and display name of an outbound
// INVITE's From when the calling party is unknown.
const defaultFromUser = "pbx"

// fromHeader returns the From header (without tag) of an outbound INVITE
// presenting the calling party id, as Asterisk's SIP drivers do with
// CALLERID(num) and CALLERID(name) (RFC 3261 §8.1.1.3): the user part is
// id.Num; the display name is id.Name, or id.Num when there is no name;
// "pbx" stands in for what is unknown. The host is always the PBX's own
// (host), so the far end addresses the PBX, not the caller's domain.
func fromHeader(id channel.CallerID, host string) *sipmsg.FromHeader {
	user := escapeUser(strings.TrimSpace(id.Num))
	display := quoteDisplayName(id.Name)
	if display == "" {
		display = quoteDisplayName(id.Num)
	}
	if user == "" {
		user = defaultFromUser
	}
	if display == "" {
		display = defaultFromUser
	}
	return &sipmsg.FromHeader{
		DisplayName: display,
		Address:     sipmsg.Uri{Scheme: "sip", User: user, Host: host},
	}
}

// escapeUser returns s as the user part of a SIP URI (RFC 3261 §25.1,
// user): characters other than alphanum, mark and the user-unreserved
// ones that cannot make the URI ambiguous (as [validUser]; ';', '?' and
// '/' are escaped too) are percent-encoded. Valid %HH escapes are kept as
// they are, so a user part received in a From header (the SIP driver's
// caller number) goes out unchanged.
func escapeUser(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			b.WriteByte(c)
		case strings.IndexByte("-_.!~*'()&=+$,", c) >= 0:
			b.WriteByte(c)
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteString(s[i : i+3])
			i += 2
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
	}
	return b.String()
}

// quoteDisplayName returns s, trimmed, as the inside of a quoted-string
// display name (RFC 3261 §25.1): '"' and '\' get a backslash, and control
// characters (CR and LF cannot be quoted at all) and invalid UTF-8 are
// dropped, so a caller's name can never break the header.
func quoteDisplayName(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, ""))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// unquoteDisplayName undoes the quoted-pairs of a display name as sipgo
// parses it (the text between the quotes, backslashes included), so the
// core holds the name itself: `Al \"Bo\"` becomes `Al "Bo"`.
func unquoteDisplayName(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	escaped := false
	for i := 0; i < len(s); i++ { // '\\' never occurs inside a UTF-8 sequence
		if s[i] == '\\' && !escaped {
			escaped = true
			continue
		}
		escaped = false
		b.WriteByte(s[i])
	}
	return b.String()
}
