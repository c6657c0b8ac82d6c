package dialplan

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Eval evaluates the text of a $[...] expression (variables already
// substituted) with Asterisk's expression language:
//
//	a | b          a if a is true, else b            (lowest precedence)
//	a & b          a if both are true, else 0
//	= != < > <= >= 1 or 0; numeric when both sides are numbers, else string
//	+ -            arithmetic
//	* / %          arithmetic; / and % by zero are errors
//	! -            unary not and minus
//	a : re         anchored POSIX regex match: \1 if re has a group, else
//	               the length of the match; a =~ re is unanchored
//	a ~~ b         concatenation
//	c ? a :: b     conditional (lowest of all, left-associative)
//	( )            grouping; NAME(args) calls a math function (FLOOR, ROUND,
//	               SQRT, POW, ...) or, through env, a dialplan function
//
// "==", "||" and "&&" are accepted for "=", "|" and "&". A value is false
// when it is "", "" (two quotes) or numerically zero. Numbers are floating
// point and print without trailing zeros ("3/2" is 1.5). Double-quoted
// strings keep their quotes, as in Asterisk ($["a" = "a"] compares "a" with
// "a"); ':', '=~' and '~~' strip them.
//
// On any error Eval returns "" and an [*ExprError]. It never panics. env is
// consulted only for function calls that are not math functions; it may
// be nil.
func Eval(expr string, env Env) (string, error) { return evalExpr(expr, env) }

func evalExpr(expr string, env Env) (string, error) {
	toks, err := lexExpr(expr)
	if err != nil {
		return "", &ExprError{Expr: expr, Msg: err.Error(), Err: ErrExprSyntax}
	}
	if len(toks) == 0 {
		return "", nil
	}
	p := exprParser{toks: toks}
	n, err := p.parse()
	if err != nil {
		return "", &ExprError{Expr: expr, Msg: err.Error(), Err: ErrExprSyntax}
	}
	v, err := eval(n, env)
	if err != nil {
		var ee *ExprError
		if errors.As(err, &ee) {
			ee.Expr = expr
			return "", ee
		}
		return "", &ExprError{Expr: expr, Msg: err.Error(), Err: err}
	}
	return v.String(), nil
}

type tokKind uint8

const (
	tEOF tokKind = iota
	tWord
	tOr     // | ||
	tAnd    // & &&
	tEq     // = ==
	tNe     // !=
	tLt     // <
	tGt     // >
	tLe     // <=
	tGe     // >=
	tPlus   // +
	tMinus  // -
	tMul    // *
	tDiv    // /
	tMod    // %
	tNot    // !
	tCond   // ?
	tElse   // ::
	tColon  // :
	tMatch  // =~
	tConcat // ~~
	tComma  // ,
	tLParen // (
	tRParen // )
)

var tokNames = [...]string{
	tEOF: "end of expression", tWord: "word", tOr: "'|'", tAnd: "'&'", tEq: "'='", tNe: "'!='",
	tLt: "'<'", tGt: "'>'", tLe: "'<='", tGe: "'>='", tPlus: "'+'", tMinus: "'-'", tMul: "'*'",
	tDiv: "'/'", tMod: "'%'", tNot: "'!'", tCond: "'?'", tElse: "'::'", tColon: "':'", tMatch: "'=~'",
	tConcat: "'~~'", tComma: "','", tLParen: "'('", tRParen: "')'",
}

type token struct {
	kind tokKind
	text string
}

func (t token) String() string {
	if t.kind == tWord {
		return strconv.Quote(t.text)
	}
	return tokNames[t.kind]
}

func isWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80 ||
		strings.IndexByte(".';\\_^#@", c) >= 0
}

// trailStop ends the text that follows a ${...} inside a word.
const trailStop = "-\t\r \n$():?%/+=*<>!|&"

func lexExpr(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		next := byte(0)
		if i+1 < len(s) {
			next = s[i+1]
		}
		op := func(k tokKind, n int) {
			toks = append(toks, token{kind: k, text: s[i : i+n]})
			i += n
		}
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, errors.New("unterminated string")
			}
			op(tWord, end+2)
		case c == '|' && next == '|':
			op(tOr, 2)
		case c == '|':
			op(tOr, 1)
		case c == '&' && next == '&':
			op(tAnd, 2)
		case c == '&':
			op(tAnd, 1)
		case c == '=' && next == '=':
			op(tEq, 2)
		case c == '=' && next == '~':
			op(tMatch, 2)
		case c == '=':
			op(tEq, 1)
		case c == '~' && next == '~':
			op(tConcat, 2)
		case c == '>' && next == '=':
			op(tGe, 2)
		case c == '>':
			op(tGt, 1)
		case c == '<' && next == '=':
			op(tLe, 2)
		case c == '<':
			op(tLt, 1)
		case c == '!' && next == '=':
			op(tNe, 2)
		case c == '!':
			op(tNot, 1)
		case c == ':' && next == ':':
			op(tElse, 2)
		case c == ':':
			op(tColon, 1)
		case c == '+':
			op(tPlus, 1)
		case c == '-':
			op(tMinus, 1)
		case c == '*':
			op(tMul, 1)
		case c == '/':
			op(tDiv, 1)
		case c == '%':
			op(tMod, 1)
		case c == '?':
			op(tCond, 1)
		case c == ',':
			op(tComma, 1)
		case c == '(':
			op(tLParen, 1)
		case c == ')':
			op(tRParen, 1)
		default:
			end, err := scanWord(s, i)
			if err != nil {
				return nil, err
			}
			if end == i {
				return nil, fmt.Errorf("unexpected character %q", c)
			}
			op(tWord, end-i)
		}
	}
	return toks, nil
}

// scanWord returns the end of the word starting at s[i]. A word may embed
// ${...} followed by trailing text, as Asterisk's lexer allows.
func scanWord(s string, i int) (int, error) {
	j := i
	for j < len(s) {
		c := s[j]
		switch {
		case isWordChar(c):
			j++
		case c == '$' && j+1 < len(s) && s[j+1] == '{':
			depth := 1
			k := j + 2
			for k < len(s) && depth > 0 {
				switch s[k] {
				case '{':
					depth++
				case '}':
					depth--
				}
				k++
			}
			if depth > 0 {
				return 0, errors.New("missing '}'")
			}
			for k < len(s) && strings.IndexByte(trailStop, s[k]) < 0 {
				k++
			}
			j = k
		case c == '$' && j+1 < len(s):
			j += 2
		default:
			return j, nil
		}
	}
	return j, nil
}

// node is an expression syntax tree node.
type node struct {
	op      tokKind // tWord for a leaf, tLParen for a function call
	text    string  // leaf text or function name
	a, b, c *node
	args    []*node
}

// maxExprDepth bounds parser recursion (parentheses, unary operators,
// nested conditionals).
const maxExprDepth = 256

type exprParser struct {
	toks  []token
	pos   int
	depth int
}

func (p *exprParser) peek() tokKind {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].kind
	}
	return tEOF
}

func (p *exprParser) tok() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{kind: tEOF}
}

func (p *exprParser) enter() error {
	p.depth++
	if p.depth > maxExprDepth {
		return errors.New("expression nested too deeply")
	}
	return nil
}

func (p *exprParser) parse() (*node, error) {
	n, err := p.cond()
	if err != nil {
		return nil, err
	}
	if p.peek() != tEOF {
		return nil, fmt.Errorf("unexpected %s", p.tok())
	}
	return n, nil
}

// cond parses "a ? b :: c", left-associative, below every other operator.
func (p *exprParser) cond() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	n, err := p.binary(0)
	if err != nil {
		return nil, err
	}
	for p.peek() == tCond {
		p.pos++
		then, err := p.cond()
		if err != nil {
			return nil, err
		}
		if p.peek() != tElse {
			return nil, fmt.Errorf("expected '::' after '?', got %s", p.tok())
		}
		p.pos++
		els, err := p.binary(0)
		if err != nil {
			return nil, err
		}
		n = &node{op: tCond, a: n, b: then, c: els}
	}
	return n, nil
}

// Binary precedence levels, lowest first.
var levels = [][]tokKind{
	{tOr},
	{tAnd},
	{tEq, tNe, tLt, tGt, tLe, tGe},
	{tPlus, tMinus},
	{tMul, tDiv, tMod},
}

func (p *exprParser) binary(level int) (*node, error) {
	if level == len(levels) {
		return p.unary()
	}
	n, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		k := p.peek()
		found := false
		for _, op := range levels[level] {
			if k == op {
				found = true
			}
		}
		if !found {
			return n, nil
		}
		p.pos++
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		n = &node{op: k, a: n, b: r}
	}
}

// unary parses '!' and unary '-', which bind looser than ':', '=~' and
// '~~' (so "-a : b" is "-(a : b)"), as in Asterisk's grammar.
func (p *exprParser) unary() (*node, error) {
	if k := p.peek(); k == tNot || k == tMinus {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &node{op: k, a: x}, nil
	}
	return p.colon()
}

func (p *exprParser) colon() (*node, error) {
	n, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		k := p.peek()
		if k != tColon && k != tMatch && k != tConcat {
			return n, nil
		}
		p.pos++
		var r *node
		if k2 := p.peek(); k2 == tNot || k2 == tMinus {
			r, err = p.unary()
		} else {
			r, err = p.primary()
		}
		if err != nil {
			return nil, err
		}
		n = &node{op: k, a: n, b: r}
	}
}

func (p *exprParser) primary() (*node, error) {
	t := p.tok()
	switch t.kind {
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		p.pos++
		n, err := p.cond()
		if err != nil {
			return nil, err
		}
		if p.peek() != tRParen {
			return nil, fmt.Errorf("expected ')', got %s", p.tok())
		}
		p.pos++
		return n, nil
	case tWord:
		p.pos++
		if p.peek() != tLParen {
			return &node{op: tWord, text: t.text}, nil
		}
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		p.pos++
		call := &node{op: tLParen, text: t.text}
		for {
			if p.peek() == tRParen && len(call.args) > 0 {
				// "F(a,)": a trailing comma passes an empty argument.
				call.args = append(call.args, &node{op: tWord})
				p.pos++
				return call, nil
			}
			arg, err := p.cond()
			if err != nil {
				return nil, err
			}
			call.args = append(call.args, arg)
			switch p.peek() {
			case tComma:
				p.pos++
			case tRParen:
				p.pos++
				return call, nil
			default:
				return nil, fmt.Errorf("expected ',' or ')' in call of %s, got %s", t.text, p.tok())
			}
		}
	}
	return nil, fmt.Errorf("unexpected %s", t)
}

// value is an expression value: a number, or a string that may look like
// one (Asterisk's numeric_string) or not.
type value struct {
	num   bool // a computed number in f
	f     float64
	s     string
	isNum bool // s is a numeric string
}

func numVal(f float64) value { return value{num: true, f: f} }

func strVal(s string) value { return value{s: s, isNum: isNumericString(s)} }

// isNumericString matches Asterisk's lexer rule for numbers: [0-9]+(\.[0-9]+)?
func isNumericString(s string) bool {
	intPart, frac, hasDot := strings.Cut(s, ".")
	return isDigits(intPart) && (!hasDot || isDigits(frac))
}

func (v value) number() (float64, bool) {
	if v.num {
		return v.f, true
	}
	if !v.isNum {
		return 0, false
	}
	f, err := strconv.ParseFloat(v.s, 64)
	return f, err == nil
}

func (v value) String() string {
	if !v.num {
		return v.s
	}
	return formatNumber(v.f)
}

func (v value) truth() bool {
	if f, ok := v.number(); ok {
		return f != 0
	}
	return v.s != "" && v.s != `""`
}

// formatNumber prints a result the way Asterisk's "%.18Lg" does for the
// values that matter: integers in full up to 18 digits, other values with
// trailing zeros removed. float64 carries about 15 significant digits
// (Asterisk's long double carries 18), so non-integers print with 15, which
// also hides binary noise: 0.1 + 0.2 prints 0.3.
func formatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == math.Trunc(f) && math.Abs(f) < 1e18:
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 15, 64)
}

func stripQuotes(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s, `"`, "")
	}
	return s
}

func exprErr(sentinel error, format string, args ...any) error {
	return &ExprError{Msg: fmt.Sprintf(format, args...), Err: sentinel}
}

func eval(n *node, env Env) (value, error) {
	switch n.op {
	case tWord:
		return strVal(n.text), nil
	case tLParen:
		return evalCall(n, env)
	case tCond:
		c, err := eval(n.a, env)
		if err != nil {
			return value{}, err
		}
		if c.truth() {
			return eval(n.b, env)
		}
		return eval(n.c, env)
	case tOr:
		a, err := eval(n.a, env)
		if err != nil || a.truth() {
			return a, err
		}
		return eval(n.b, env)
	case tAnd:
		a, err := eval(n.a, env)
		if err != nil {
			return a, err
		}
		if !a.truth() {
			return numVal(0), nil
		}
		b, err := eval(n.b, env)
		if err != nil {
			return b, err
		}
		if !b.truth() {
			return numVal(0), nil
		}
		return a, nil
	case tNot, tMinus:
		if n.b == nil {
			a, err := eval(n.a, env)
			if err != nil {
				return a, err
			}
			if n.op == tNot {
				return boolVal(!a.truth()), nil
			}
			f, ok := a.number()
			if !ok {
				return value{}, exprErr(ErrNonNumeric, "non-numeric argument %q to unary '-'", a.String())
			}
			return numVal(-f), nil
		}
	}
	a, err := eval(n.a, env)
	if err != nil {
		return a, err
	}
	b, err := eval(n.b, env)
	if err != nil {
		return b, err
	}
	switch n.op {
	case tEq, tNe, tLt, tGt, tLe, tGe:
		return compare(n.op, a, b), nil
	case tPlus, tMinus, tMul, tDiv, tMod:
		return arith(n.op, a, b)
	case tColon, tMatch:
		return regexMatch(a, b, n.op == tColon)
	case tConcat:
		return strVal(stripQuotes(a.String()) + stripQuotes(b.String())), nil
	}
	return value{}, exprErr(ErrExprSyntax, "unexpected operator %s", tokNames[n.op])
}

func boolVal(b bool) value {
	if b {
		return numVal(1)
	}
	return numVal(0)
}

func compare(op tokKind, a, b value) value {
	var c int
	fa, okA := a.number()
	fb, okB := b.number()
	if okA && okB {
		switch {
		case fa < fb:
			c = -1
		case fa > fb:
			c = 1
		case fa != fb: // NaN compares unequal to everything
			return boolVal(op == tNe)
		}
	} else {
		c = strings.Compare(a.String(), b.String())
	}
	switch op {
	case tEq:
		return boolVal(c == 0)
	case tNe:
		return boolVal(c != 0)
	case tLt:
		return boolVal(c < 0)
	case tGt:
		return boolVal(c > 0)
	case tLe:
		return boolVal(c <= 0)
	}
	return boolVal(c >= 0)
}

func arith(op tokKind, a, b value) (value, error) {
	fa, okA := a.number()
	fb, okB := b.number()
	if !okA || !okB {
		bad := a
		if okA {
			bad = b
		}
		return value{}, exprErr(ErrNonNumeric, "non-numeric argument %q to %s", bad.String(), tokNames[op])
	}
	switch op {
	case tPlus:
		return numVal(fa + fb), nil
	case tMinus:
		return numVal(fa - fb), nil
	case tMul:
		return numVal(fa * fb), nil
	}
	if fb == 0 {
		return value{}, exprErr(ErrDivByZero, "division by zero")
	}
	if op == tDiv {
		return numVal(fa / fb), nil
	}
	return numVal(math.Mod(fa, fb)), nil
}

// regexMatch implements ':' (anchored) and '=~' with POSIX extended
// regular expressions and leftmost-longest matching.
func regexMatch(a, b value, anchored bool) (value, error) {
	s, pat := stripQuotes(a.String()), stripQuotes(b.String())
	re, err := regexp.CompilePOSIX(pat)
	if err != nil {
		return value{}, exprErr(ErrBadRegex, "bad regular expression %q: %v", pat, err)
	}
	loc := re.FindStringSubmatchIndex(s)
	if loc == nil || anchored && loc[0] != 0 {
		if re.NumSubexp() == 0 {
			return numVal(0), nil
		}
		return strVal(""), nil
	}
	if re.NumSubexp() > 0 && loc[2] >= 0 {
		return strVal(s[loc[2]:loc[3]]), nil
	}
	return numVal(float64(loc[1] - loc[0])), nil
}

// mathFuncs are the functions Asterisk's expression parser implements itself.
var mathFuncs = map[string]struct {
	arity int
	f     func(x []float64) float64
}{
	"COS":       {1, func(x []float64) float64 { return math.Cos(x[0]) }},
	"SIN":       {1, func(x []float64) float64 { return math.Sin(x[0]) }},
	"TAN":       {1, func(x []float64) float64 { return math.Tan(x[0]) }},
	"ACOS":      {1, func(x []float64) float64 { return math.Acos(x[0]) }},
	"ASIN":      {1, func(x []float64) float64 { return math.Asin(x[0]) }},
	"ATAN":      {1, func(x []float64) float64 { return math.Atan(x[0]) }},
	"ATAN2":     {2, func(x []float64) float64 { return math.Atan2(x[0], x[1]) }},
	"POW":       {2, func(x []float64) float64 { return math.Pow(x[0], x[1]) }},
	"SQRT":      {1, func(x []float64) float64 { return math.Sqrt(x[0]) }},
	"FLOOR":     {1, func(x []float64) float64 { return math.Floor(x[0]) }},
	"CEIL":      {1, func(x []float64) float64 { return math.Ceil(x[0]) }},
	"ROUND":     {1, func(x []float64) float64 { return math.Round(x[0]) }},
	"RINT":      {1, func(x []float64) float64 { return math.RoundToEven(x[0]) }},
	"TRUNC":     {1, func(x []float64) float64 { return math.Trunc(x[0]) }},
	"EXP":       {1, func(x []float64) float64 { return math.Exp(x[0]) }},
	"EXP2":      {1, func(x []float64) float64 { return math.Exp2(x[0]) }},
	"EXP10":     {1, func(x []float64) float64 { return math.Pow(10, x[0]) }},
	"LOG":       {1, func(x []float64) float64 { return math.Log(x[0]) }},
	"LOG2":      {1, func(x []float64) float64 { return math.Log2(x[0]) }},
	"LOG10":     {1, func(x []float64) float64 { return math.Log10(x[0]) }},
	"REMAINDER": {2, func(x []float64) float64 { return math.Remainder(x[0], x[1]) }},
	"ABS":       {1, func(x []float64) float64 { return math.Abs(x[0]) }},
}

func evalCall(n *node, env Env) (value, error) {
	for i := 0; i < len(n.text); i++ {
		if c := n.text[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return value{}, exprErr(ErrExprSyntax, "%q is not a function name", n.text)
		}
	}
	args := make([]value, len(n.args))
	for i, a := range n.args {
		v, err := eval(a, env)
		if err != nil {
			return v, err
		}
		args[i] = v
	}
	if mf, ok := mathFuncs[n.text]; ok {
		if len(args) != mf.arity {
			return value{}, exprErr(ErrExprSyntax, "%s wants %d argument(s), got %d", n.text, mf.arity, len(args))
		}
		x := make([]float64, len(args))
		for i, a := range args {
			f, ok := a.number()
			if !ok {
				return value{}, exprErr(ErrNonNumeric, "non-numeric argument %q to %s", a.String(), n.text)
			}
			x[i] = f
		}
		return numVal(mf.f(x)), nil
	}
	if env == nil {
		env = MapEnv(nil)
	}
	strs := make([]string, len(args))
	for i, a := range args {
		strs[i] = a.String()
	}
	x := expander{env: env}
	out, err := x.call(n.text, strings.Join(strs, ","), 1)
	if err != nil {
		return value{}, &ExprError{Msg: fmt.Sprintf("%s: %v", n.text, err), Err: err}
	}
	if t := strings.Trim(out, " \t"); t != "" && strings.Trim(t, "-0123456789.") == "" {
		if f, err := strconv.ParseFloat(t, 64); err == nil {
			return numVal(f), nil
		}
	}
	return strVal(out), nil
}
