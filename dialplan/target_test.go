package dialplan

import (
	"errors"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tests := map[string]struct {
		in   string
		want Target
		err  bool
	}{
		"priority":           {in: "5", want: Target{Priority: 5}},
		"label":              {in: "start", want: Target{Label: "start"}},
		"exten and priority": {in: "100,1", want: Target{Exten: "100", Priority: 1}},
		"full":               {in: "ctx,100,start", want: Target{Context: "ctx", Exten: "100", Label: "start"}},
		"relative forward":   {in: "+2", want: Target{Priority: 2, Relative: true}},
		"relative backward":  {in: "-1", want: Target{Priority: -1, Relative: true}},
		"spaces trimmed":     {in: " ctx , 100 , 2 ", want: Target{Context: "ctx", Exten: "100", Priority: 2}},
		"BYEXTENSION":        {in: "ctx,byextension,1", want: Target{Context: "ctx", Priority: 1}},
		"empty exten":        {in: "ctx,,3", want: Target{Context: "ctx", Priority: 3}},
		"number prefix wins": {in: "5abc", want: Target{Priority: 5}},
		"empty":              {in: "", err: true},
		"missing priority":   {in: "ctx,100,", err: true},
		"too many fields":    {in: "a,b,c,d", err: true},
		"priority zero":      {in: "0", err: true},
		"bad relative":       {in: "+x", err: true},
		"relative without n": {in: "-", err: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseTarget(tc.in)
			if tc.err {
				if !errors.Is(err, ErrBadTarget) {
					t.Errorf("ParseTarget(%q) = %+v, %v; want ErrBadTarget", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseTarget(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			again, err := ParseTarget(got.String())
			if err != nil || again != got {
				t.Errorf("String() %q does not parse back: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestSplitGotoIf(t *testing.T) {
	tests := map[string]struct {
		in, cond, ifTrue, ifFalse string
		ok                        bool
	}{
		"both":                 {"1?a:b", "1", "a", "b", true},
		"true only":            {"1?a", "1", "a", "", true},
		"false only":           {"1?:b", "1", "", "b", true},
		"no question mark":     {"1", "1", "", "", false},
		"full targets":         {"1?ctx,100,1:ctx,200,1", "1", "ctx,100,1", "ctx,200,1", true},
		"expression skipped":   {`$["${X}" : "a?b"]?yes:no`, `$["${X}" : "a?b"]`, "yes", "no", true},
		"variable skipped":     {"${IF(1?x:y)}?t:f", "${IF(1?x:y)}", "t", "f", true},
		"only first separator": {"1?a:b:c", "1", "a", "b:c", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, a, b, ok := SplitGotoIf(tc.in)
			if c != tc.cond || a != tc.ifTrue || b != tc.ifFalse || ok != tc.ok {
				t.Errorf("SplitGotoIf(%q) = %q, %q, %q, %v", tc.in, c, a, b, ok)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	p := parseString(t, `
[a]
include => b
exten => 100,1(start),NoOp()
 same => n,NoOp()
 same => n(end),NoOp()
exten => _2XX,1,NoOp()
 same => n(pat),NoOp()
[b]
exten => 300,1,NoOp()
 same => n(inb),NoOp()
`)
	cur := Location{Context: "a", Exten: "100", Priority: 2}
	tests := map[string]struct {
		target string
		want   Location
		err    error
	}{
		"label here":               {"end", Location{"a", "100", 3}, nil},
		"priority here":            {"1", Location{"a", "100", 1}, nil},
		"relative":                 {"+1", Location{"a", "100", 3}, nil},
		"relative back":            {"-1", Location{"a", "100", 1}, nil},
		"other exten":              {"250,pat", Location{"a", "250", 2}, nil},
		"through include":          {"300,inb", Location{"a", "300", 2}, nil},
		"other context":            {"b,300,1", Location{"b", "300", 1}, nil},
		"missing label":            {"nope", Location{"a", "100", 0}, ErrNoLabel},
		"missing priority":         {"9", Location{"a", "100", 9}, ErrNoPriority},
		"relative out of range":    {"+5", Location{"a", "100", 7}, ErrNoPriority},
		"missing extension":        {"999,1", Location{"a", "999", 1}, ErrNoExtension},
		"missing extension, label": {"999,x", Location{"a", "999", 0}, ErrNoExtension},
		"missing context":          {"zz,100,1", Location{"zz", "100", 0}, ErrNoContext},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			target, err := ParseTarget(tc.target)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Resolve(cur, "", target)
			if got != tc.want {
				t.Errorf("Resolve(%q) = %v, want %v", tc.target, got, tc.want)
			}
			if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("Resolve(%q) error %v, want %v", tc.target, err, tc.err)
			}
		})
	}
}
