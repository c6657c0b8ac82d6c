package dialplan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzParse checks that parsing never panics and that a plan that parses
// cleanly formats to text that parses back to the same plan.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.conf")
	more, _ := filepath.Glob("testdata/inc/*.conf")
	for _, name := range append(files, more...) {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"[c]\nexten => 1,1,NoOp()\n same => n(l),Goto(l)\n",
		"[c]\nexten => _X.!,1,A()\n",
		"[c]\nexten => a=b/_[0-9-],1(x+y),A(\\;;)\n",
		"[general]\nautofallthrough=no\n[globals]\nA=>B\n",
		"[c]\n;-- x ;-- y --; z --; exten => 1,1,A()\n",
		"[c]\ninclude => d|9:00-17:00|*|*|*\nswitch => x\nignorepat => 9\n[d](+)\n",
		"[c]\nexten => 1,hint,a,b\nexten => 1,1,A( ) \n",
		"[c]\nexten => 1,1,A(\\\\;)\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseFS(fstest.MapFS{"f.conf": {Data: data}}, "f.conf")
		if p != nil {
			// Whatever parsed must be safe to search and check.
			for _, c := range p.Contexts() {
				for _, exten := range []string{"", "s", "5551234", "1-2", "#*a"} {
					p.Match(c.Name, exten, "5551234")
					p.CanMatch(c.Name, exten, "")
					p.MatchMore(c.Name, exten, "")
				}
			}
			_ = p.Check(func(string) bool { return true })
		}
		if err != nil {
			return
		}
		text := p.String()
		p2, err := ParseFS(fstest.MapFS{"g.conf": {Data: []byte(text)}}, "g.conf")
		if err != nil {
			t.Fatalf("dump does not parse: %v\ninput:\n%q\ndump:\n%q", err, data, text)
		}
		if text2 := p2.String(); text2 != text {
			t.Fatalf("round trip changed the plan\ninput:\n%q\nfirst:\n%q\nsecond:\n%q", data, text, text2)
		}
	})
}

var exprSeeds = []string{
	"1 + 2 * 3", "(1 + 2) * 3", "7 / 2", "1 / 0", "7 % 0", "abc = abc", `"a b" != "a"`,
	"1 ? a :: b", "abc : a.c", `abcdef =~ "(cd)"`, "-2 : 2", "!abc", "0 | x & y",
	"FLOOR(2.5) + POW(2, 3)", "LEN(a,)", "${X}1", `"unterminated`, "a ~~ b", "1 2",
	"((((1))))", "1e308 * 10", "99999999999999999999 - 1", "$x + 1", "SQRT(-1)",
}

// FuzzExpr checks that evaluation never panics and is deterministic.
func FuzzExpr(f *testing.F) {
	for _, s := range exprSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		env := testEnv{}
		v1, err1 := Eval(expr, env)
		v2, err2 := Eval(expr, env)
		if v1 != v2 || errString(err1) != errString(err2) {
			t.Fatalf("Eval(%q) not deterministic: %q, %v then %q, %v", expr, v1, err1, v2, err2)
		}
		if err1 != nil && v1 != "" {
			t.Fatalf("Eval(%q) returned %q with error %v", expr, v1, err1)
		}
	})
}

// FuzzExpand checks that substitution never panics, is deterministic and
// leaves text without '$' alone.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{
		"plain", "${X}", "${X:1:-1}", "${${NAME}}", "$[1+${N}]", "${CUT(PATH,/,2-3)}",
		"${IF($[${N} > 1]?yes:no)}", "${LEN(${X})}", "${CALLERID(num):0:3}", "${X", "$[1",
		"${ECHO(a(b)}", "$$[[[${{{}}}]]]", "${DOUBLE(${DOUBLE(${N})})}",
	} {
		f.Add(s)
	}
	for _, s := range exprSeeds {
		f.Add("$[" + s + "]")
	}
	env := testEnv{"X": "abcdef", "NAME": "X", "N": "21", "PATH": "a/b/c"}
	f.Fuzz(func(t *testing.T, s string) {
		out1, err1 := ExpandErr(s, env)
		out2, err2 := ExpandErr(s, env)
		if out1 != out2 || errString(err1) != errString(err2) {
			t.Fatalf("Expand(%q) not deterministic", s)
		}
		if !strings.Contains(s, "$") && (out1 != s || err1 != nil) {
			t.Fatalf("Expand(%q) = %q, %v; text without '$' must pass through", s, out1, err1)
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
