package sip

import (
	"strings"
	"testing"
	"unicode"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/pbx-dev/pbx/core/channel"
)

// TestFromHeader: the From of an outbound INVITE presents the calling
// party, escaped so that no caller ID can break the header, with "pbx"
// for what is unknown and the PBX's own host.
func TestFromHeader(t *testing.T) {
	tests := map[string]struct {
		id   channel.CallerID
		want string
	}{
		"unknown":          {channel.CallerID{}, `"pbx" <sip:pbx@pbx.example>`},
		"blank":            {channel.CallerID{Num: " ", Name: "\t"}, `"pbx" <sip:pbx@pbx.example>`},
		"number and name":  {channel.CallerID{Num: "1001", Name: "Alice"}, `"Alice" <sip:1001@pbx.example>`},
		"number only":      {channel.CallerID{Num: "+15551234567"}, `"+15551234567" <sip:+15551234567@pbx.example>`},
		"name only":        {channel.CallerID{Name: "Alice"}, `"Alice" <sip:pbx@pbx.example>`},
		"quotes in name":   {channel.CallerID{Num: "1001", Name: `Al "Bo" \o/`}, `"Al \"Bo\" \\o/" <sip:1001@pbx.example>`},
		"unicode name":     {channel.CallerID{Num: "1001", Name: "Zoë 北京"}, `"Zoë 北京" <sip:1001@pbx.example>`},
		"escaped user":     {channel.CallerID{Num: "%2B1555"}, `"%2B1555" <sip:%2B1555@pbx.example>`},
		"reserved in user": {channel.CallerID{Num: "a b@c:d;e?f/g#h%zz"}, `"a b@c:d;e?f/g#h%zz" <sip:a%20b%40c%3Ad%3Be%3Ff%2Fg%23h%25zz@pbx.example>`},
		"header injection": {channel.CallerID{Num: "1001\r\nVia: x", Name: "Eve\r\nContact: <sip:evil>\x00"}, `"EveContact: <sip:evil>" <sip:1001%0D%0AVia%3A%20x@pbx.example>`},
		"invalid UTF-8":    {channel.CallerID{Num: "1001", Name: "A\xffB"}, `"AB" <sip:1001@pbx.example>`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := fromHeader(tc.id, "pbx.example").Value(); got != tc.want {
				t.Errorf("From: %s\nwant  %s", got, tc.want)
			}
		})
	}
}

func TestUnquoteDisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"Alice":          "Alice",
		`Al \"Bo\"`:      `Al "Bo"`,
		`back\\slash`:    `back\slash`,
		`\a\b`:           "ab",
		`trailing\`:      "trailing",
		"Zoë":            "Zoë",
		`\\\"\\`:         `\"\`,
		`quote"inside\"`: `quote"inside"`,
	} {
		if got := unquoteDisplayName(in); got != want {
			t.Errorf("unquoteDisplayName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzFromHeader: whatever the caller ID, the From header parses back
// (with sipgo's parser, as a far end would) to the PBX's host, a user part
// of URI characters only, and the display name the caller ID carried,
// without control characters.
func FuzzFromHeader(f *testing.F) {
	for _, s := range [][2]string{
		{"", ""}, {"1001", "Alice"}, {"+1555", `Al "Bo" \`}, {"a@b:c", "x\r\ny"}, {"%41%4", "\\\""}, {"\xff", "\xfe\""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, num, name string) {
		v := fromHeader(channel.CallerID{Num: num, Name: name}, "pbx.example").Value()
		if strings.ContainsAny(v, "\r\n\x00") {
			t.Fatalf("From %q holds a line break or NUL", v)
		}
		var uri sipmsg.Uri
		var params sipmsg.HeaderParams
		display, err := sipmsg.ParseAddressValue(v, &uri, &params)
		if err != nil {
			t.Fatalf("From %q does not parse: %v", v, err)
		}
		if uri.Host != "pbx.example" || uri.Port != 0 || uri.Password != "" || len(params) != 0 || uri.UriParams.Length() != 0 {
			t.Fatalf("From %q parsed to %+v, params %v", v, uri, params)
		}
		if !validUser(uri.User) || strings.ContainsAny(uri.User, "#") {
			t.Fatalf("From %q: user %q has characters a URI user may not", v, uri.User)
		}
		if strings.TrimSpace(num) == "" && uri.User != "pbx" {
			t.Fatalf("From %q: user %q for no number, want pbx", v, uri.User)
		}
		want := clean(name)
		if want == "" {
			want = clean(num)
		}
		if want == "" {
			want = "pbx"
		}
		if got := unquoteDisplayName(display); got != want {
			t.Fatalf("From %q: display name %q, want %q", v, got, want)
		}
	})
}

// clean is what survives of a name in a display name: valid UTF-8
// without control characters or surrounding space.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	return strings.TrimFunc(s, unicode.IsSpace)
}
