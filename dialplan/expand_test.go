package dialplan

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestSubstring(t *testing.T) {
	tests := map[string]struct {
		offset, length int
		want           string
	}{
		"whole":                       {0, math.MaxInt32, "abcdef"},
		"first three":                 {0, 3, "abc"},
		"from offset":                 {2, math.MaxInt32, "cdef"},
		"last two":                    {-2, math.MaxInt32, "ef"},
		"two from the third last":     {-3, 2, "de"},
		"drop first and last":         {1, -1, "bcde"},
		"drop last two":               {0, -2, "abcd"},
		"offset past end":             {10, math.MaxInt32, ""},
		"offset at end":               {6, 1, ""},
		"negative offset clamps":      {-10, math.MaxInt32, "abcdef"},
		"negative offset clamps, len": {-10, 2, "ab"},
		"zero length":                 {2, 0, ""},
		"negative both":               {-4, -2, "cd"},
		"negative length eats all":    {1, -10, ""},
		"negative length exactly all": {2, -4, ""},
		"length past end":             {4, 10, "ef"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Substring("abcdef", tc.offset, tc.length); got != tc.want {
				t.Errorf("Substring(abcdef, %d, %d) = %q, want %q", tc.offset, tc.length, got, tc.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	env := testEnv{
		"X":     "abcdef",
		"NAME":  "X",
		"N":     "21",
		"EXTEN": "95551234",
		"PATH":  "a/b/c/d",
		"DASH":  "1-2-3",
		"EMPTY": "",
		"V":     "${X}",
		"SP":    "a b",
	}
	tests := map[string]struct {
		in, want string
		err      error
	}{
		"plain text":               {"plain", "plain", nil},
		"variable":                 {"${X}", "abcdef", nil},
		"unset variable":           {"<${NOPE}>", "<>", nil},
		"empty variable":           {"<${EMPTY}>", "<>", nil},
		"embedded":                 {"a${N}b", "a21b", nil},
		"adjacent":                 {"${N}${N}", "2121", nil},
		"lone dollar":              {"$5 and $", "$5 and $", nil},
		"double dollar":            {"$${N}", "$21", nil},
		"nested name":              {"${${NAME}}", "abcdef", nil},
		"nested with substring":    {"${${NAME}:1:2}", "bc", nil},
		"values are not rescanned": {"${V}", "${X}", nil},
		"offset":                   {"${EXTEN:1}", "5551234", nil},
		"offset and length":        {"${X:1:3}", "bcd", nil},
		"negative offset":          {"${X:-2}", "ef", nil},
		"negative length":          {"${X:0:-2}", "abcd", nil},
		"empty offset":             {"${X::3}", "abcdef", nil},
		"empty length":             {"${X:2:}", "cdef", nil},
		"substring of nested":      {"${X:${N}}", "", nil},
		"expression":               {"$[1 + 1]", "2", nil},
		"expression with vars":     {"$[${N} * 2]", "42", nil},
		"nested expression":        {"$[$[1 + 1] * 3]", "6", nil},
		"expression in brackets":   {`$[${X} : "a[b-c]+"]`, "3", nil},
		"unquoted regex brackets":  {"$[${X} : a[b-c]+]", "", ErrExprSyntax},
		"expression in variable":   {"${X:$[1+1]:2}", "cd", nil},
		"expression error":         {"<$[1 / 0]>", "<>", ErrDivByZero},
		"expression of spaces":     {"$[${SP} = a b]", "", ErrExprSyntax},
		"missing brace":            {"${X", "abcdef", ErrUnbalanced},
		"missing bracket":          {"$[1 + 1", "2", ErrUnbalanced},
		"LEN":                      {"${LEN(hello)}", "5", nil},
		"LEN empty":                {"${LEN()}", "0", nil},
		"LEN of variable":          {"${LEN(${X})}", "6", nil},
		"lower-case builtin":       {"${len(abc)}", "3", nil},
		"IF true":                  {"${IF($[1 = 1]?yes:no)}", "yes", nil},
		"IF false":                 {"${IF($[1 = 2]?yes:no)}", "no", nil},
		"IF string is true":        {"${IF(abc?yes:no)}", "yes", nil},
		"IF trims":                 {"${IF( 0 ? yes : no )}", "no", nil},
		"IF no false branch":       {"${IF(0?yes)}", "", nil},
		"IF no true branch":        {"${IF(1?:no)}", "", nil},
		"IF without condition":     {"${IF(?a:b)}", "", ErrFuncArgs},
		"IF without question mark": {"${IF(1)}", "", ErrFuncArgs},
		"IF without branches":      {"${IF(1?)}", "", ErrFuncArgs},
		"CUT one field":            {"${CUT(PATH,/,2)}", "b", nil},
		"CUT range":                {"${CUT(PATH,/,2-3)}", "b/c", nil},
		"CUT to":                   {"${CUT(PATH,/,-2)}", "a/b", nil},
		"CUT from":                 {"${CUT(PATH,/,3-)}", "c/d", nil},
		"CUT several":              {"${CUT(PATH,/,1&3-4)}", "a/c/d", nil},
		"CUT cannot go back":       {"${CUT(PATH,/,3&1)}", "c", nil},
		"CUT past the end":         {"${CUT(PATH,/,9)}", "", nil},
		"CUT default delimiter":    {"${CUT(DASH,,2)}", "2", nil},
		"CUT unset variable":       {"${CUT(NOPE,/,1)}", "", nil},
		"CUT substring of name":    {"${CUT(X:1,c,1)}", "b", nil},
		"CUT bad range":            {"${CUT(PATH,/,x)}", "", ErrFuncArgs},
		"CUT missing argument":     {"${CUT(PATH,/)}", "", ErrFuncArgs},
		"env function":             {"${CALLERID(num)}", "5551234", nil},
		"env function substring":   {"${CALLERID(num):0:3}", "555", nil},
		"env function args":        {"${DOUBLE(${N})}", "2121", nil},
		"function parens in args":  {"${ECHO(a(b)c)}", "a(b)c", nil},
		"unknown function":         {"<${NOPE(x)}>", "<>", ErrUnknownFunction},
		"function missing paren":   {"${ECHO(abc}", "abc", ErrUnbalanced},
		"channel name":             {"${CHANNEL(name)}", "PJSIP/alice-00000001", nil},
		"too deep": {
			strings.Repeat("${", 100) + "X" + strings.Repeat("}", 100), "", ErrTooDeep,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ExpandErr(tc.in, env)
			if got != tc.want {
				t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if tc.err == nil && err != nil {
				t.Errorf("unexpected error %v", err)
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
			if plain := Expand(tc.in, env); plain != got {
				t.Errorf("Expand and ExpandErr disagree: %q vs %q", plain, got)
			}
		})
	}
}

func TestExpandNilEnv(t *testing.T) {
	if got := Expand("${X}-${LEN(ab)}-$[2*2]", nil); got != "-2-4" {
		t.Errorf("got %q", got)
	}
}

func TestMapEnv(t *testing.T) {
	env := MapEnv{"A": "1"}
	if v, ok := env.Var("A"); !ok || v != "1" {
		t.Errorf("Var = %q, %v", v, ok)
	}
	if _, err := env.Func("X", ""); !errors.Is(err, ErrUnknownFunction) {
		t.Errorf("Func error = %v", err)
	}
	if !IsBuiltinFunction("cut") || IsBuiltinFunction("CALLERID") {
		t.Error("IsBuiltinFunction is wrong")
	}
}
