package dialplan

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	p := parseString(t, `[a]
include => b
include => ghost
exten => 100,1(start),Answer()
 same => n,Frobnicate()
 same => n,Goto(start)
 same => n,Goto(nolabel)
 same => n,Goto(100,99)
 same => n,Goto(b,300,inb)
 same => n,Goto(b,300,9)
 same => n,Goto(zz,100,1)
 same => n,Goto(abc,1)
 same => n,GotoIf($[${X} = 1]?start:missing)
 same => n,GotoIf(${X}?${DEST})
 same => n,GotoIf(1)
 same => n,Goto(${CTX},s,1)
 same => n,Goto(+1)
 same => n,Goto(+10)
 same => n,goto(a,b,c,d)
 same => n,Goto(300,inb)
exten => _X.,1,Goto(start)
 same => n,Goto(a,,1)
[b]
exten => 300,1,NoOp()
 same => n(inb),Hangup()
`)
	known := map[string]bool{"answer": true, "goto": true, "gotoif": true, "noop": true, "hangup": true}
	err := p.Check(func(name string) bool { return known[strings.ToLower(name)] })
	want := []string{
		`main.conf:3: context "a" includes unknown context "ghost"`,
		`main.conf:5: unknown application "Frobnicate"`,
		`main.conf:7: Goto(nolabel): dialplan: no such label "nolabel" in extension 100`,
		`main.conf:8: Goto(100,99): goto 100,99: dialplan: no such priority 99 for "100" in context "a"`,
		`main.conf:10: Goto(b,300,9): goto b,300,9: dialplan: no such priority 9 for "300" in context "b"`,
		`main.conf:11: Goto(zz,100,1): goto zz,100,1: dialplan: no such context "zz"`,
		`main.conf:12: Goto(abc,1): goto abc,1: dialplan: no such extension "abc" in context "a"`,
		`main.conf:13: GotoIf($[${X} = 1]?start:missing): dialplan: no such label "missing" in extension 100`,
		`main.conf:15: GotoIf(1): GotoIf needs cond?[iftrue][:iffalse]`,
		`main.conf:18: Goto(+10): dialplan: no such priority 25 in extension 100`,
		`main.conf:19: goto(a,b,c,d): dialplan: bad goto target "a,b,c,d": more than three fields`,
		`main.conf:21: Goto(start): dialplan: no such label "start" in extension _X.`,
	}
	if got := errorLines(err); !slices.Equal(got, want) {
		t.Errorf("Check:\n got %q\nwant %q", got, want)
	}
	var ce *CheckError
	if !errors.As(err, &ce) || ce.File != "main.conf" || ce.Line != 3 || !errors.Is(err, ErrNoContext) {
		t.Errorf("first error %#v", ce)
	}
	for _, s := range []error{ErrUnknownApp, ErrNoLabel, ErrNoPriority, ErrNoExtension, ErrBadTarget} {
		if !errors.Is(err, s) {
			t.Errorf("no error wraps %v", s)
		}
	}
	if err := parseString(t, "[a]\nexten => 1,1,Goto(1)\n").Check(nil); err != nil {
		t.Errorf("clean plan: %v", err)
	}
}
