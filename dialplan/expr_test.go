package dialplan

import (
	"errors"
	"strings"
	"testing"
)

// testEnv is an Env with a few variables and channel-style functions.
type testEnv map[string]string

func (e testEnv) Var(name string) (string, bool) {
	v, ok := e[name]
	return v, ok
}

func (e testEnv) Func(name, args string) (string, error) {
	switch name {
	case "CALLERID":
		switch args {
		case "num":
			return "5551234", nil
		case "name":
			return "Alice", nil
		}
		return "", errors.New("CALLERID: unknown field " + args)
	case "CHANNEL":
		if args == "name" {
			return "PJSIP/alice-00000001", nil
		}
	case "DOUBLE":
		return args + args, nil
	case "ECHO":
		return args, nil
	}
	return "", ErrUnknownFunction
}

func TestEval(t *testing.T) {
	tests := map[string]struct {
		expr, want string
		err        error
	}{
		// arithmetic and precedence
		"add":                   {"1 + 2", "3", nil},
		"mul before add":        {"1 + 2 * 3", "7", nil},
		"parentheses":           {"(1 + 2) * 3", "9", nil},
		"division is float":     {"7 / 2", "3.5", nil},
		"left associative":      {"10 - 2 - 3", "5", nil},
		"mul div left to right": {"2 * 3 / 4", "1.5", nil},
		"modulo":                {"7 % 3", "1", nil},
		"negative modulo":       {"-7 % 3", "-1", nil},
		"unary minus":           {"2 - -3", "5", nil},
		"negate group":          {"-(2 + 3)", "-5", nil},
		"decimal":               {"1.5 + 1.5", "3", nil},
		"no binary noise":       {"0.1 + 0.2", "0.3", nil},
		"leading zeros":         {"007 + 1", "8", nil},
		"untouched numeral":     {"007", "007", nil},
		"no spaces needed":      {"2*3+4", "10", nil},
		"big integer":           {"123456789 * 1000000000", "123456789000000000", nil},
		"huge number":           {"100000000000 * 100000000000", "1e+22", nil},
		// comparisons
		"greater":            {"3 > 2", "1", nil},
		"not greater":        {"2 > 3", "0", nil},
		"greater or equal":   {"2 >= 2", "1", nil},
		"less or equal":      {"2 <= 1", "0", nil},
		"not equal":          {"1 != 1", "0", nil},
		"numeric equality":   {"1 = 1.0", "1", nil},
		"double equals":      {"5 == 5", "1", nil},
		"numeric order":      {"10 < 9", "0", nil},
		"string order":       {"abc < abd", "1", nil},
		"mixed is string":    {"10 < 9a", "1", nil},
		"string equality":    {"abc = abc", "1", nil},
		"string inequality":  {"abc != abd", "1", nil},
		"quoted strings":     {`"a b" = "a b"`, "1", nil},
		"quotes are kept":    {`"a" = a`, "0", nil},
		"quoted result":      {`"x"`, `"x"`, nil},
		"empty quoted":       {`"" = ""`, "1", nil},
		"add before compare": {"1 + 1 = 2", "1", nil},
		"comparisons chain":  {"1 < 2 < 3", "1", nil},
		// logic
		"and false":          {"1 & 0", "0", nil},
		"and gives left":     {"2 & 3", "2", nil},
		"and with string":    {"abc & def", "abc", nil},
		"double and":         {"1 && 1", "1", nil},
		"or gives right":     {"0 | 5", "5", nil},
		"or gives left":      {"abc | def", "abc", nil},
		"double or":          {"0 || 0", "0", nil},
		"or of empty quotes": {`"" | x`, "x", nil},
		"and before or":      {"1 | 0 & 0", "1", nil},
		"compare before and": {"1 = 1 & 2 = 2", "1", nil},
		"not zero":           {"!0", "1", nil},
		"not one":            {"!1", "0", nil},
		"not string":         {"!abc", "0", nil},
		"not empty quotes":   {`!""`, "1", nil},
		"not not":            {"!!5", "1", nil},
		"or skips errors":    {"1 | 1 / 0", "1", nil},
		"and skips errors":   {"0 & 1 / 0", "0", nil},
		// conditional
		"cond true":          {"1 ? yes :: no", "yes", nil},
		"cond false":         {"0 ? yes :: no", "no", nil},
		"cond string":        {"abc ? yes :: no", "yes", nil},
		"cond nested middle": {"1 ? 0 ? a :: b :: c", "b", nil},
		"cond left assoc":    {"0 ? a :: 1 ? b :: c", "b", nil},
		"cond lowest":        {"1 = 2 ? a :: b", "b", nil},
		"cond skips errors":  {"1 ? 2 :: 1 / 0", "2", nil},
		// regular expressions and strings
		"match length":          {"abc : a.c", "3", nil},
		"match is anchored":     {"xabc : abc", "0", nil},
		"match group":           {`abcdef : "a(bc)"`, "bc", nil},
		"anchored group miss":   {`abcdef : "(cd)"`, "", nil},
		"unquoted parens group": {"abcdef : (cd)", "0", nil},
		"unanchored group":      {`abcdef =~ "(cd)"`, "cd", nil},
		"unanchored length":     {"abcdef =~ cd", "2", nil},
		"unanchored miss":       {"abcdef =~ x", "0", nil},
		"number prefix":         {"5551234 : 555", "3", nil},
		"longest match":         {`aaa : "a*"`, "3", nil},
		"quotes stripped":       {`"a b c" : "a b"`, "3", nil},
		"minus binds looser":    {"-2 : 2", "-1", nil},
		"colon before not":      {"!abc : x", "1", nil},
		"concatenation":         {`"a" ~~ "b"`, "ab", nil},
		"concat numbers":        {"1 ~~ 2 + 1", "13", nil},
		// functions
		"floor":             {"FLOOR(2.7)", "2", nil},
		"round":             {"ROUND(2.5)", "3", nil},
		"rint":              {"RINT(2.5)", "2", nil},
		"pow":               {"POW(2, 10)", "1024", nil},
		"abs of negative":   {"ABS(-3)", "3", nil},
		"sqrt":              {"SQRT(16) + 1", "5", nil},
		"nested functions":  {"FLOOR(SQRT(17))", "4", nil},
		"builtin in expr":   {"LEN(abcd) + 1", "5", nil},
		"trailing comma":    {"LEN(a,)", "2", nil},
		"env function":      {"DOUBLE(21) + 1", "2122", nil},
		"env string result": {"ECHO(abc) = abc", "1", nil},
		// empty
		"empty": {"", "", nil},
		"blank": {"  \t ", "", nil},
		// errors
		"divide by zero":      {"1 / 0", "", ErrDivByZero},
		"modulo by zero":      {"1 % 0", "", ErrDivByZero},
		"divide by zero expr": {"5 / (2 - 2)", "", ErrDivByZero},
		"string arithmetic":   {"abc + 1", "", ErrNonNumeric},
		"quoted number":       {`"1" + 1`, "", ErrNonNumeric},
		"negate string":       {"-abc", "", ErrNonNumeric},
		"math on string":      {"SQRT(x)", "", ErrNonNumeric},
		"dangling operator":   {"1 +", "", ErrExprSyntax},
		"leading operator":    {"* 1", "", ErrExprSyntax},
		"unclosed paren":      {"(1", "", ErrExprSyntax},
		"extra paren":         {"1)", "", ErrExprSyntax},
		"two values":          {"1 2", "", ErrExprSyntax},
		"unterminated string": {`"abc`, "", ErrExprSyntax},
		"bad regex":           {`a : "("`, "", ErrBadRegex},
		"unknown function":    {"NOPE(1)", "", ErrUnknownFunction},
		"lowercase function":  {"floor(1)", "", ErrExprSyntax},
		"wrong arity":         {"SQRT(1, 2)", "", ErrExprSyntax},
		"empty call":          {"SQRT()", "", ErrExprSyntax},
		"cond without else":   {"1 ? 2", "", ErrExprSyntax},
		"else without cond":   {"1 :: 2", "", ErrExprSyntax},
		"lone tilde":          {"a ~ b", "", ErrExprSyntax},
		"top-level comma":     {"1, 2", "", ErrExprSyntax},
		"unclosed variable":   {"${X", "", ErrExprSyntax},
		"too deep":            {strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), "", ErrExprSyntax},
		"too many nots":       {strings.Repeat("!", 1000) + "1", "", ErrExprSyntax},
	}
	env := testEnv{}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Eval(tc.expr, env)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Eval(%q) = %q, %v; want error %v", tc.expr, got, err, tc.err)
				}
				var ee *ExprError
				if !errors.As(err, &ee) || ee.Expr != tc.expr {
					t.Errorf("error %#v is not an *ExprError for %q", err, tc.expr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("Eval(%q) = %q, %v; want %q", tc.expr, got, err, tc.want)
			}
		})
	}
}

func TestEvalNilEnv(t *testing.T) {
	if got, err := Eval("LEN(abc) * 2", nil); err != nil || got != "6" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := Eval("CALLERID(num)", nil); !errors.Is(err, ErrUnknownFunction) {
		t.Errorf("err = %v, want ErrUnknownFunction", err)
	}
}

func TestTruth(t *testing.T) {
	tests := map[string]bool{
		"": false, "0": false, "1": true, "-1": true, "00": false, " 0": false, " 7": true,
		"abc": true, "0abc": false, "5abc": true, "+0": false, " ": true, "0.5": false, "1.5": true,
	}
	for cond, want := range tests {
		t.Run(strings.ReplaceAll(cond, " ", "_")+"_", func(t *testing.T) {
			if got := Truth(cond); got != want {
				t.Errorf("Truth(%q) = %v, want %v", cond, got, want)
			}
		})
	}
}
