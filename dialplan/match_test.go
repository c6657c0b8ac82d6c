package dialplan

import (
	"slices"
	"testing"
)

const matchPlan = `
[order] ; Asterisk's documented example, in deliberately bad file order
exten => _X.,1,NoOp(X.)
exten => _55XX,1,NoOp(55XX)
exten => _555X,1,NoOp(555X)

[literal]
exten => _X.,1,NoOp(pattern)
exten => 5551,1,NoOp(literal)

[sets]
exten => _XXX,1,NoOp(XXX)
exten => _ZXX,1,NoOp(ZXX)
exten => _NXX,1,NoOp(NXX)
exten => _[2-3]XX,1,NoOp([2-3]XX)

[early]
exten => _1!,1,NoOp(1!)
exten => _12X,1,NoOp(12X)

[early-only]
exten => _9!,1,NoOp(9!)

[inc-main]
include => inc-a
include => inc-b
exten => 100,1,NoOp(main 100)

[inc-a]
include => inc-deep
exten => _1XX,1,NoOp(a 1XX)

[inc-deep]
exten => 300,1,NoOp(deep 300)

[inc-b]
exten => 101,1,NoOp(b 101)
exten => 200,1,NoOp(b 200)
exten => 300,1,NoOp(b 300)

[loop-a]
include => loop-b
[loop-b]
include => loop-a
include => missing-context
exten => 5,1,NoOp(loop 5)

[cid]
exten => 200/_555.,1,NoOp(200 from 555)
exten => 200,1,NoOp(200 from anyone)
exten => 201/1234,1,NoOp(201 only from 1234)

[hints]
exten => 100,hint,PJSIP/100
exten => _1XX,1,NoOp(1XX)

[fallthrough]
exten => _X.,1,NoOp(X. 1)
 same => n,NoOp(X. 2)
 same => n,NoOp(X. 3)
exten => _1X.,1,NoOp(1X. 1)

[special]
exten => s,1,NoOp(s)
exten => h,1,NoOp(h)
exten => i,1,NoOp(i)
exten => t,1,NoOp(t)
exten => T,1,NoOp(T)
exten => e,1,NoOp(e)
exten => _X,1,NoOp(X)
`

func TestMatch(t *testing.T) {
	p := parseString(t, matchPlan)
	tests := map[string]struct {
		context, exten, cid string
		want                string // Args of priority 1, "" for no match
		kind                MatchKind
	}{
		"555X beats 55XX and X.":             {"order", "5551", "", "555X", MatchPattern},
		"55XX beats X.":                      {"order", "5561", "", "55XX", MatchPattern},
		"X. catches the rest":                {"order", "5661", "", "X.", MatchPattern},
		"X. needs two characters":            {"order", "5", "", "", MatchNone},
		"dashes in the dialled number":       {"order", "555-1", "", "555X", MatchPattern},
		"literal beats pattern":              {"literal", "5551", "", "literal", MatchLiteral},
		"pattern when literal differs":       {"literal", "5552", "", "pattern", MatchPattern},
		"two-member set beats N":             {"sets", "200", "", "[2-3]XX", MatchPattern},
		"N beats Z":                          {"sets", "400", "", "NXX", MatchPattern},
		"Z beats X":                          {"sets", "100", "", "ZXX", MatchPattern},
		"X last":                             {"sets", "000", "", "XXX", MatchPattern},
		"no letters in X":                    {"sets", "1a0", "", "", MatchNone},
		"early match on prefix":              {"early", "12", "", "1!", MatchEarly},
		"longer pattern matches fully":       {"early", "123", "", "12X", MatchPattern},
		"early match with more digits":       {"early", "1999", "", "1!", MatchEarly},
		"early match of nothing more":        {"early", "1", "", "1!", MatchEarly},
		"own extension before includes":      {"inc-main", "100", "", "main 100", MatchLiteral},
		"first include first":                {"inc-main", "101", "", "a 1XX", MatchPattern},
		"second include":                     {"inc-main", "200", "", "b 200", MatchLiteral},
		"includes are depth-first":           {"inc-main", "300", "", "deep 300", MatchLiteral},
		"include loop found":                 {"loop-a", "5", "", "loop 5", MatchLiteral},
		"include loop not found":             {"loop-a", "6", "", "", MatchNone},
		"unknown context":                    {"nowhere", "5", "", "", MatchNone},
		"caller ID match first":              {"cid", "200", "5551234", "200 from 555", MatchLiteral},
		"caller ID mismatch falls back":      {"cid", "200", "4441234", "200 from anyone", MatchLiteral},
		"no caller ID falls back":            {"cid", "200", "", "200 from anyone", MatchLiteral},
		"caller ID only extension":           {"cid", "201", "1234", "201 only from 1234", MatchLiteral},
		"caller ID only extension, no match": {"cid", "201", "", "", MatchNone},
		"hint-only extension is passed over": {"hints", "100", "", "1XX", MatchPattern},
		"s is a literal":                     {"special", "s", "", "s", MatchLiteral},
		"t and T differ":                     {"special", "T", "", "T", MatchLiteral},
		"h is a literal":                     {"special", "h", "", "h", MatchLiteral},
		"X does not match letters":           {"special", "x", "", "", MatchNone},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e, kind := p.Match(tc.context, tc.exten, tc.cid)
			got := ""
			if e != nil {
				got = e.Priority(1).Args
			}
			if got != tc.want || kind != tc.kind {
				t.Errorf("Match(%q, %q, %q) = %q, %v; want %q, %v", tc.context, tc.exten, tc.cid, got, kind, tc.want, tc.kind)
			}
		})
	}
}

func TestMatchOrder(t *testing.T) {
	p := parseString(t, `[c]
exten => _X!,1,A()
exten => _X.,1,A()
exten => _XX,1,A()
exten => _[13]X,1,A()
exten => _[12]X,1,A()
exten => _NXX,1,A()
exten => _ZXX,1,A()
exten => _[a-z],1,A()
exten => _1,1,A()
exten => _0X,1,A()
exten => 1,1,A()
exten => 10/_X.,1,A()
exten => 10,1,A()
exten => 10/1,1,A()
`)
	var got []string
	for _, e := range p.Context("c").Extensions {
		got = append(got, e.displayName())
	}
	want := []string{"1", "10/1", "10/_X.", "10", "_0X", "_1", "_[12]X", "_[13]X", "_NXX", "_ZXX", "_XX", "_X.", "_X!", "_[a-z]"}
	if !slices.Equal(got, want) {
		t.Errorf("order\n got %q\nwant %q", got, want)
	}
}

func TestCanMatchMatchMore(t *testing.T) {
	p := parseString(t, matchPlan)
	tests := map[string]struct {
		context, exten      string
		canMatch, matchMore bool
	}{
		"prefix of a literal":                  {"literal", "555", true, true},
		"complete literal, pattern wants more": {"literal", "5551", true, true},
		"X. always wants more":                 {"order", "5", true, true},
		"nothing starts with a letter":         {"order", "a", false, false},
		"empty string can match":               {"order", "", true, true},
		"12X still wants a digit":              {"early", "12", true, true},
		"complete 12X, early match is final":   {"early", "123", true, false},
		"early match ends the wait":            {"early", "19", true, false},
		"lone ! pattern never waits":           {"early-only", "9", true, false},
		"lone ! pattern matches nothing":       {"early-only", "8", false, false},
		"complete 3-digit pattern":             {"sets", "200", true, false},
		"prefix of 3-digit pattern":            {"sets", "20", true, true},
		"through includes":                     {"inc-main", "30", true, true},
		"complete through includes":            {"inc-main", "300", true, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := p.CanMatch(tc.context, tc.exten, ""); got != tc.canMatch {
				t.Errorf("CanMatch(%q, %q) = %v, want %v", tc.context, tc.exten, got, tc.canMatch)
			}
			if got := p.MatchMore(tc.context, tc.exten, ""); got != tc.matchMore {
				t.Errorf("MatchMore(%q, %q) = %v, want %v", tc.context, tc.exten, got, tc.matchMore)
			}
		})
	}
}

func TestFind(t *testing.T) {
	p := parseString(t, matchPlan)
	t.Run("missing priority falls through to the next extension", func(t *testing.T) {
		e, pr := p.Find("fallthrough", "123", "", 2)
		if e == nil || pr.Args != "X. 2" {
			t.Fatalf("got %v %v", e, pr)
		}
		if _, pr := p.Find("fallthrough", "123", "", 1); pr.Args != "1X. 1" {
			t.Errorf("priority 1 = %q, want 1X. 1", pr.Args)
		}
		if e, pr := p.Find("fallthrough", "123", "", 4); e != nil || pr != nil {
			t.Errorf("priority 4 found %v", pr)
		}
	})
	t.Run("label through includes", func(t *testing.T) {
		q := parseString(t, "[a]\ninclude => b\n[b]\nexten => _X,1,A()\n same => n(here),B()\n")
		if _, pr := q.FindLabel("a", "5", "", "here"); pr == nil || pr.Number != 2 {
			t.Errorf("got %+v", pr)
		}
		if _, pr := q.FindLabel("a", "5", "", "nowhere"); pr != nil {
			t.Errorf("found %+v", pr)
		}
	})
	t.Run("hint", func(t *testing.T) {
		if h, ok := p.Hint("hints", "100"); !ok || h != "PJSIP/100" {
			t.Errorf("Hint = %q, %v", h, ok)
		}
		if _, ok := p.Hint("hints", "101"); ok {
			t.Error("hint for 101")
		}
	})
}

func TestMatchKindString(t *testing.T) {
	for k, want := range map[MatchKind]string{MatchNone: "none", MatchLiteral: "literal", MatchPattern: "pattern", MatchEarly: "early", 42: "MatchKind(?)"} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", k, got, want)
		}
	}
}
