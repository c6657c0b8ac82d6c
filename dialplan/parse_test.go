package dialplan

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden parses every testdata/*.conf and compares the positioned dump
// with the .golden file next to it. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.conf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := ParseFile(f)
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			var b bytes.Buffer
			if err := p.Format(&b, true); err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(f, ".conf") + ".golden"
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("dump differs from %s (run with -update to accept):\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
			assertRoundTrip(t, p)
		})
	}
}

// assertRoundTrip checks that formatting p and parsing the text back gives
// the same plan.
func assertRoundTrip(t *testing.T, p *Plan) {
	t.Helper()
	text := p.String()
	p2, err := Parse("roundtrip.conf", strings.NewReader(text))
	if err != nil {
		t.Fatalf("reparse of the dump failed: %v\n%s", err, text)
	}
	if got := p2.String(); got != text {
		t.Fatalf("round trip changed the plan:\n--- first\n%s\n--- second\n%s", text, got)
	}
}

func parseString(t *testing.T, text string) *Plan {
	t.Helper()
	p, err := ParseFS(fstest.MapFS{"main.conf": {Data: []byte(text)}}, "main.conf")
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, text)
	}
	return p
}

// errorLines returns the messages of a joined error, one per line.
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		var out []string
		for _, e := range joined.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}

func TestSyntaxErrors(t *testing.T) {
	tests := map[string]struct {
		files map[string]string // "main.conf" is parsed
		want  []string
	}{
		"same without exten": {
			files: map[string]string{"main.conf": "[c]\nsame => n,NoOp()\n"},
			want:  []string{"main.conf:2: same => without a preceding exten => in this context"},
		},
		"same after context change": {
			files: map[string]string{"main.conf": "[a]\nexten => 1,1,NoOp()\n[b]\nsame => n,NoOp()\n"},
			want:  []string{"main.conf:4: same => without a preceding exten => in this context"},
		},
		"first priority not 1": {
			files: map[string]string{"main.conf": "[c]\nexten => 100,2,NoOp()\n"},
			want:  []string{"main.conf:2: extension 100: first priority is 2; it must be 1"},
		},
		"n on first line": {
			files: map[string]string{"main.conf": "[c]\nexten => 100,n,NoOp()\n"},
			want:  []string{`main.conf:2: extension 100: priority "n" on its first line; the first priority must be 1`},
		},
		"n after only a hint": {
			files: map[string]string{"main.conf": "[c]\nexten => 100,hint,PJSIP/100\nsame => n,NoOp()\n"},
			want:  []string{`main.conf:3: extension 100: priority "n" on its first line; the first priority must be 1`},
		},
		"duplicate priority": {
			files: map[string]string{"main.conf": "[c]\nexten => 100,1,NoOp()\nexten => 100,1,NoOp(again)\n"},
			want:  []string{"main.conf:3: extension 100: duplicate priority 1 (first at main.conf:2)"},
		},
		"duplicate priority via spelling": {
			files: map[string]string{"main.conf": "[c]\nexten => 555-1234,1,NoOp()\nexten => 5551234,1,NoOp()\n"},
			want:  []string{"main.conf:3: extension 555-1234: duplicate priority 1 (first at main.conf:2)"},
		},
		"duplicate label": {
			files: map[string]string{"main.conf": "[c]\nexten => 1,1(a),NoOp()\nsame => n(a),NoOp()\n"},
			want:  []string{`main.conf:3: extension 1: duplicate label "a" (first at main.conf:2)`},
		},
		"garbage line": {
			files: map[string]string{"main.conf": "[c]\nthis is garbage\n"},
			want:  []string{`main.conf:2: expected 'name => value', got "this is garbage"`},
		},
		"line outside any context": {
			files: map[string]string{"main.conf": "exten => 1,1,NoOp()\n[c]\n"},
			want:  []string{`main.conf:1: "exten => 1,1,NoOp()" is outside any [context]`},
		},
		"unclosed bracket in pattern": {
			files: map[string]string{"main.conf": "[c]\nexten => _X[12,1,NoOp()\n"},
			want:  []string{`main.conf:2: exten => _X[12: malformed pattern "_X[12": missing ']'`},
		},
		"empty set in pattern": {
			files: map[string]string{"main.conf": "[c]\nexten => _X[],1,NoOp()\n"},
			want:  []string{`main.conf:2: exten => _X[]: malformed pattern "_X[]": empty character set`},
		},
		"reversed range in pattern": {
			files: map[string]string{"main.conf": "[c]\nexten => _[9-1],1,NoOp()\n"},
			want:  []string{`main.conf:2: exten => _[9-1]: malformed pattern "_[9-1]": empty range "9-1"`},
		},
		"text after dot": {
			files: map[string]string{"main.conf": "[c]\nexten => _X.1,1,NoOp()\n"},
			want:  []string{`main.conf:2: exten => _X.1: malformed pattern "_X.1": nothing may follow "."`},
		},
		"empty pattern": {
			files: map[string]string{"main.conf": "[c]\nexten => _,1,NoOp()\n"},
			want:  []string{`main.conf:2: exten => _: malformed pattern "_": empty pattern`},
		},
		"bad caller id pattern": {
			files: map[string]string{"main.conf": "[c]\nexten => 1/_[5,1,NoOp()\n"},
			want:  []string{`main.conf:2: exten => 1/_[5: caller ID: malformed pattern "_[5": missing ']'`},
		},
		"empty caller id": {
			files: map[string]string{"main.conf": "[c]\nexten => 1/,1,NoOp()\n"},
			want:  []string{`main.conf:2: exten => 1/: empty caller ID after '/'`},
		},
		"missing application": {
			files: map[string]string{"main.conf": "[c]\nexten => 100,1\nexten => 101,1,\nexten => 102,1, ()\n"},
			want: []string{
				"main.conf:2: extension 100 priority 1: missing application",
				"main.conf:3: extension 101 priority 1: missing application",
				"main.conf:4: extension 102 priority 1: missing application",
			},
		},
		"missing priority": {
			files: map[string]string{"main.conf": "[c]\nexten => 100\nexten => 101,,NoOp()\n"},
			want: []string{
				"main.conf:2: exten => 100: missing priority",
				"main.conf:3: extension 101: missing priority",
			},
		},
		"missing extension name": {
			files: map[string]string{"main.conf": "[c]\nexten => ,1,NoOp()\n"},
			want:  []string{"main.conf:2: exten => needs an extension name"},
		},
		"unclosed arguments": {
			files: map[string]string{"main.conf": "[c]\nexten => 1,1,NoOp(x\n"},
			want:  []string{"main.conf:2: extension 1 priority 1: missing ')' after the arguments of NoOp"},
		},
		"text after arguments": {
			files: map[string]string{"main.conf": "[c]\nexten => 1,1,NoOp(x) y\n"},
			want:  []string{`main.conf:2: extension 1 priority 1: unexpected "y" after the arguments of NoOp`},
		},
		"old comma syntax": {
			files: map[string]string{"main.conf": "[c]\nexten => 1,1,Dial,SIP/x\n"},
			want:  []string{`main.conf:2: extension 1 priority 1: invalid application name "Dial,SIP/x"`},
		},
		"label without closing paren": {
			files: map[string]string{"main.conf": "[c]\nexten => 1,1(foo,NoOp()\n"},
			want:  []string{`main.conf:2: extension 1: missing ')' after label in priority "1(foo"`},
		},
		"empty label": {
			files: map[string]string{"main.conf": "[c]\nexten => 1,1(),NoOp()\n"},
			want:  []string{`main.conf:2: extension 1: empty label in priority "1()"`},
		},
		"unknown priority label": {
			files: map[string]string{"main.conf": "[c]\nexten => 1,foo,NoOp()\n"},
			want:  []string{`main.conf:2: extension 1: unknown priority or label "foo"`},
		},
		"priority zero": {
			files: map[string]string{"main.conf": "[c]\nexten => 1,0,NoOp()\n"},
			want:  []string{"main.conf:2: extension 1: invalid priority 0"},
		},
		"duplicate hint": {
			files: map[string]string{"main.conf": "[c]\nexten => 1,hint,A\nexten => 1,hint,B\n"},
			want:  []string{"main.conf:3: extension 1: duplicate hint (first at main.conf:2)"},
		},
		"hint without device": {
			files: map[string]string{"main.conf": "[c]\nexten => 1,hint,\nexten => 2,hint\n"},
			want: []string{
				"main.conf:2: extension 1: hint needs a device",
				"main.conf:3: extension 2: hint needs a device",
			},
		},
		"unknown keyword": {
			files: map[string]string{"main.conf": "[c]\nexen => 1,1,NoOp()\n"},
			want:  []string{`main.conf:2: unknown keyword "exen" in context "c"`},
		},
		"unknown directive": {
			files: map[string]string{"main.conf": "#bogus x\n#exec /bin/true\n"},
			want: []string{
				"main.conf:1: unknown directive #bogus",
				"main.conf:2: #exec is not supported",
			},
		},
		"section header": {
			files: map[string]string{"main.conf": "[broken\nexten => 1,1,NoOp()\n[]\n[c] junk\n[d](!)\n"},
			want: []string{
				`main.conf:1: missing ']' in section header "[broken"`,
				"main.conf:3: empty section name",
				`main.conf:4: unexpected "junk" after section header`,
				"main.conf:5: section options (!) are not supported",
			},
		},
		"unclosed block comment": {
			files: map[string]string{"main.conf": "[c]\n\n;-- start\nexten => 1,1,NoOp()\n"},
			want:  []string{"main.conf:3: block comment ';--' is never closed with '--;'"},
		},
		"bad autofallthrough": {
			files: map[string]string{"main.conf": "[general]\nautofallthrough = maybe\n"},
			want:  []string{`main.conf:2: autofallthrough wants yes or no, got "maybe"`},
		},
		"duplicate include": {
			files: map[string]string{"main.conf": "[c]\ninclude => d\ninclude => d\n[d]\n"},
			want:  []string{`main.conf:3: context "c" already includes "d" (at main.conf:2)`},
		},
		"include missing file": {
			files: map[string]string{"main.conf": "[c]\n#include \"nope.conf\"\n#tryinclude \"nope.conf\"\n"},
			want:  []string{"main.conf:2: cannot include nope.conf: file does not exist"},
		},
		"include loop": {
			files: map[string]string{
				"main.conf":  "[c]\n#include sub/a.conf\n",
				"sub/a.conf": "#include \"../main.conf\"\n",
			},
			want: []string{"sub/a.conf:1: #include loop: main.conf includes itself"},
		},
		"errors inside an included file": {
			files: map[string]string{
				"main.conf":    "[c]\nexten => 1,1,NoOp()\n#include \"inc/sub.conf\"\nexten => 2,2,NoOp()\n",
				"inc/sub.conf": "; comment\nsame => n\n",
			},
			want: []string{
				"inc/sub.conf:2: extension 1 priority 2: missing application",
				"main.conf:4: extension 2: first priority is 2; it must be 1",
			},
		},
		"all errors are reported": {
			files: map[string]string{"main.conf": "garbage\n[c]\nexten => 1,2,A()\nexten => _[,1,A()\nsame => n,A()\nexten => 3,1,A(\n"},
			want: []string{
				`main.conf:1: expected 'name => value', got "garbage"`,
				"main.conf:3: extension 1: first priority is 2; it must be 1",
				`main.conf:4: exten => _[: malformed pattern "_[": missing ']'`,
				"main.conf:5: same => without a preceding exten => in this context",
				"main.conf:6: extension 3 priority 1: missing ')' after the arguments of A",
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for n, text := range tc.files {
				fsys[n] = &fstest.MapFile{Data: []byte(text)}
			}
			_, err := ParseFS(fsys, "main.conf")
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error does not wrap ErrSyntax: %v", err)
			}
			var se *SyntaxError
			if !errors.As(err, &se) || se.File == "" || se.Line == 0 {
				t.Errorf("error is not a positioned *SyntaxError: %#v", err)
			}
			if got := errorLines(err); !slices.Equal(got, tc.want) {
				t.Errorf("errors:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	t.Run("labels, n, offsets and same", func(t *testing.T) {
		p := parseString(t, `[c]
exten => 1,1(top),NoOp(a)
 same => n,NoOp(b)
 same => top+5,NoOp(c)
 same => n(end),NoOp(d)
`)
		e := p.Context("c").Extension("1", "")
		var got []string
		for _, pr := range e.Priorities {
			got = append(got, pr.Pos.String()+" "+pr.Label+" "+pr.App+"("+pr.Args+")")
		}
		want := []string{"main.conf:2 top NoOp(a)", "main.conf:3  NoOp(b)", "main.conf:4  NoOp(c)", "main.conf:5 end NoOp(d)"}
		if !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		if n := []int{e.Priorities[0].Number, e.Priorities[1].Number, e.Priorities[2].Number, e.Priorities[3].Number}; !slices.Equal(n, []int{1, 2, 6, 7}) {
			t.Errorf("numbers %v, want [1 2 6 7]", n)
		}
		if e.Label("end").Number != 7 || e.Priority(6).Args != "c" || e.Priority(3) != nil {
			t.Error("lookups by label and number disagree with the lines")
		}
	})
	t.Run("n counts per extension", func(t *testing.T) {
		p := parseString(t, "[c]\nexten => 1,1,A()\nexten => 2,1,A()\nexten => 1,n,B()\nexten => 2,n,B()\n")
		for _, x := range []string{"1", "2"} {
			if pr := p.Context("c").Extension(x, "").Priority(2); pr == nil || pr.App != "B" {
				t.Errorf("extension %s priority 2 = %+v, want B", x, pr)
			}
		}
	})
	t.Run("whitespace, = and keyword case", func(t *testing.T) {
		p := parseString(t, "[c]\n  EXTEN   =   42 , 1 ( lbl ) ,  Dial ( PJSIP/a , 20 )  \n")
		pr := p.Context("c").Extension("42", "").Priority(1)
		if pr == nil || pr.Label != "lbl" || pr.App != "Dial" || pr.Args != " PJSIP/a , 20 " {
			t.Errorf("got %+v", pr)
		}
	})
	t.Run("escaped semicolon and comments", func(t *testing.T) {
		p := parseString(t, "[c] ; comment\nexten => 1,1,NoOp(a\\;b) ; trailing\n;-- block ; still block\n--; exten => 2,1,NoOp(after block)\n")
		c := p.Context("c")
		if got := c.Extension("1", "").Priority(1).Args; got != "a;b" {
			t.Errorf("args %q, want %q", got, "a;b")
		}
		if c.Extension("2", "") == nil {
			t.Error("text after the end of a block comment was lost")
		}
	})
	t.Run("CRLF and BOM", func(t *testing.T) {
		p := parseString(t, "\xef\xbb\xbf[c]\r\nexten => 1,1,NoOp(x)\r\n")
		if pr := p.Context("c").Extension("1", "").Priority(1); pr == nil || pr.Args != "x" {
			t.Errorf("got %+v", pr)
		}
	})
	t.Run("repeated contexts merge", func(t *testing.T) {
		p := parseString(t, "[a]\nexten => 1,1,A()\n[b]\n[a](+)\nexten => 1,2,B()\n")
		if n := len(p.Contexts()); n != 2 {
			t.Errorf("%d contexts, want 2", n)
		}
		if e := p.Context("a").Extension("1", ""); len(e.Priorities) != 2 {
			t.Errorf("priorities %d, want 2", len(e.Priorities))
		}
	})
	t.Run("equivalent pattern spellings are one extension", func(t *testing.T) {
		p := parseString(t, "[c]\nexten => _NXX-XXXX,1,A()\nexten => _[2-9]xxxxxx,2,B()\n")
		c := p.Context("c")
		if len(c.Extensions) != 1 || c.Extension("_nxxxxxx", "") == nil {
			t.Errorf("got %d extensions", len(c.Extensions))
		}
	})
	t.Run("include glob and tryinclude", func(t *testing.T) {
		fsys := fstest.MapFS{
			"etc/main.conf":     {Data: []byte("[c]\n#include \"conf.d/*.conf\"\n#tryinclude missing.conf\n")},
			"etc/conf.d/a.conf": {Data: []byte("exten => a,1,A()\n")},
			"etc/conf.d/b.conf": {Data: []byte("exten => b,1,B()\n")},
		}
		p, err := ParseFS(fsys, "etc/main.conf")
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"etc/main.conf", "etc/conf.d/a.conf", "etc/conf.d/b.conf"}; !slices.Equal(p.Files, want) {
			t.Errorf("files %q, want %q", p.Files, want)
		}
		if pr := p.Context("c").Extension("b", "").Priority(1); pr.Pos.String() != "etc/conf.d/b.conf:1" {
			t.Errorf("position %s", pr.Pos)
		}
	})
	t.Run("general and globals", func(t *testing.T) {
		p := parseString(t, "[general]\nautofallthrough=no\nwhatever=1\n[globals]\nA=1\nB=${A}2\nA=3\n")
		if p.AutoFallthrough() {
			t.Error("autofallthrough=no not honoured")
		}
		if v, ok := p.Option("WHATEVER"); !ok || v != "1" {
			t.Errorf("option = %q, %v", v, ok)
		}
		g := p.GlobalValues()
		if g["A"] != "3" || g["B"] != "12" {
			t.Errorf("globals %v", g)
		}
		if !parseString(t, "[c]\n").AutoFallthrough() {
			t.Error("autofallthrough should default to yes")
		}
	})
	t.Run("partial plan on error", func(t *testing.T) {
		p, err := ParseFS(fstest.MapFS{"main.conf": {Data: []byte("[c]\nexten => 1,1,A()\nexten => 2,5,B()\n")}}, "main.conf")
		if err == nil || p == nil || p.Context("c").Extension("1", "") == nil {
			t.Errorf("want the good lines in a partial plan, got %v, %v", p, err)
		}
	})
	t.Run("Parse resolves includes next to the named file", func(t *testing.T) {
		root := []byte("[c]\n#include \"inc/sub.conf\"\n")
		p, err := Parse("testdata/virtual.conf", bytes.NewReader(root))
		if err != nil {
			t.Fatal(err)
		}
		if p.Context("c").Extension("300", "") == nil {
			t.Error("include not read")
		}
	})
}
