package dialplan

import (
	"slices"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	tests := map[string]struct {
		in   string
		want []string
	}{
		"empty":                      {"", nil},
		"one":                        {"a", []string{"a"}},
		"two":                        {"a,b", []string{"a", "b"}},
		"empty middle":               {"a,,b", []string{"a", "", "b"}},
		"trailing comma":             {"a,", []string{"a", ""}},
		"only a comma":               {",", []string{"", ""}},
		"spaces are kept":            {" a , b ", []string{" a ", " b "}},
		"escaped comma":              {`a\,b,c`, []string{"a,b", "c"}},
		"escaped backslash":          {`a\\b`, []string{`a\b`}},
		"trailing backslash":         {`a\`, []string{"a"}},
		"quotes group and vanish":    {`"a,b",c`, []string{"a,b", "c"}},
		"quotes inside a word":       {`x"a,b"y,c`, []string{"xa,by", "c"}},
		"escaped quote":              {`\"a,b`, []string{`"a`, "b"}},
		"parentheses nest":           {"FUNC(a,b),c", []string{"FUNC(a,b)", "c"}},
		"deep parentheses":           {"F(G(a,b),c),d", []string{"F(G(a,b),c)", "d"}},
		"brackets nest":              {"$[a,b],c", []string{"$[a,b]", "c"}},
		"unbalanced open":            {"(a,b", []string{"(a,b"}},
		"stray close":                {")a,b", []string{")a", "b"}},
		"dial string":                {"PJSIP/100&PJSIP/101,20,tT", []string{"PJSIP/100&PJSIP/101", "20", "tT"}},
		"expression keeps its comma": {"${IF($[${X}>1]?a,b:c)},d", []string{"${IF($[${X}>1]?a,b:c)}", "d"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := SplitArgs(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("SplitArgs(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSplitArgsN(t *testing.T) {
	tests := map[string]struct {
		in    string
		delim byte
		n     int
		want  []string
	}{
		"limit keeps the rest raw":  {`a?"b"?c`, '?', 2, []string{"a", `"b"?c`}},
		"limit one":                 {"a,b,c", ',', 1, []string{"a,b,c"}},
		"limit not reached":         {"a,b", ',', 3, []string{"a", "b"}},
		"limit with trailing delim": {"a,", ',', 2, []string{"a", ""}},
		"colon":                     {"yes:no", ':', 2, []string{"yes", "no"}},
		"quote as delimiter":        {`a"b`, '"', 0, []string{"a", "b"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := SplitArgsN(tc.in, tc.delim, tc.n); !slices.Equal(got, tc.want) {
				t.Errorf("SplitArgsN(%q, %q, %d) = %q, want %q", tc.in, tc.delim, tc.n, got, tc.want)
			}
		})
	}
}

func TestSplitSet(t *testing.T) {
	tests := map[string]struct {
		in, name, value string
		ok              bool
	}{
		"simple":             {"A=1", "A", "1", true},
		"empty value":        {"A=", "A", "", true},
		"no equals":          {"A", "A", "", false},
		"equals in value":    {"A=b=c", "A", "b=c", true},
		"function name":      {"CALLERID(num)=5551234", "CALLERID(num)", "5551234", true},
		"equals in function": {"FUNC(a=b)=c", "FUNC(a=b)", "c", true},
		"inherit prefix":     {"__X=1", "__X", "1", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n, v, ok := SplitSet(tc.in)
			if n != tc.name || v != tc.value || ok != tc.ok {
				t.Errorf("SplitSet(%q) = %q, %q, %v; want %q, %q, %v", tc.in, n, v, ok, tc.name, tc.value, tc.ok)
			}
		})
	}
}

func TestInheritPrefix(t *testing.T) {
	tests := map[string]struct {
		bare  string
		level int
	}{
		"X":    {"X", InheritNone},
		"_X":   {"X", InheritChild},
		"__X":  {"X", InheritAll},
		"___X": {"_X", InheritAll},
		"_":    {"", InheritChild},
		"":     {"", InheritNone},
	}
	for in, tc := range tests {
		t.Run("name="+in, func(t *testing.T) {
			if bare, level := InheritPrefix(in); bare != tc.bare || level != tc.level {
				t.Errorf("InheritPrefix(%q) = %q, %d; want %q, %d", in, bare, level, tc.bare, tc.level)
			}
		})
	}
}
