package dialplan

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Env resolves what the substitution engine cannot know by itself: the
// variables of a channel (including EXTEN, CONTEXT, PRIORITY, CHANNEL,
// UNIQUEID and globals) and the dialplan functions that need a channel
// (CALLERID, CHANNEL, GLOBAL, ...). A Runner implements it over a channel;
// [MapEnv] is a plain map for tools and tests.
//
// Expand and Eval call the methods on the caller's goroutine, synchronously,
// any number of times per call. The methods may block only briefly (a
// database lookup in a function is acceptable, a wait on a person is not).
// The engine retains nothing it is given. Implementations must tolerate any
// name, including empty and malformed ones.
type Env interface {
	// Var returns the value of the variable name and whether it is set.
	// An unset variable expands to "".
	Var(name string) (value string, ok bool)
	// Func calls the dialplan function name with its raw argument text
	// (the part between the parentheses, already substituted). It returns
	// an error wrapping ErrUnknownFunction for a function it does not
	// implement. The built-in pure functions LEN, IF and CUT never reach Func.
	Func(name, args string) (string, error)
}

// MapEnv is an [Env] holding variables in a map (names are case-sensitive)
// and providing no functions beyond the built-in ones.
type MapEnv map[string]string

var _ Env = MapEnv(nil)

// Var returns m[name].
func (m MapEnv) Var(name string) (string, bool) {
	v, ok := m[name]
	return v, ok
}

// Func returns an error wrapping [ErrUnknownFunction].
func (m MapEnv) Func(name, _ string) (string, error) {
	return "", fmt.Errorf("%w %s", ErrUnknownFunction, name)
}

// maxExpandDepth bounds the nesting of ${ and $[ (and functions that expand
// their arguments) so hostile input cannot recurse without limit.
const maxExpandDepth = 64

// Expand substitutes ${VAR}, ${VAR:offset:length}, ${FUNC(args)} and
// $[expression] in s, the way Asterisk prepares application arguments.
// Unset variables, failing functions and bad expressions expand to "";
// use [ExpandErr] to learn about them. env may be nil.
func Expand(s string, env Env) string {
	out, _ := ExpandErr(s, env)
	return out
}

// ExpandErr is [Expand] that also returns every problem met, joined with
// [errors.Join]. The expansion is complete either way.
func ExpandErr(s string, env Env) (string, error) {
	if env == nil {
		env = MapEnv(nil)
	}
	x := expander{env: env}
	out := x.expand(s, 0)
	return out, errors.Join(x.errs...)
}

type expander struct {
	env  Env
	errs []error
}

func (x *expander) fail(err error) {
	if len(x.errs) < 32 { // one bad template should not produce a flood
		x.errs = append(x.errs, err)
	}
}

func (x *expander) expand(s string, depth int) string {
	if strings.IndexByte(s, '$') < 0 {
		return s
	}
	if depth >= maxExpandDepth {
		x.fail(ErrTooDeep)
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '$')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		j += i
		if j+1 >= len(s) || s[j+1] != '{' && s[j+1] != '[' {
			b.WriteString(s[i : j+1])
			i = j + 1
			continue
		}
		b.WriteString(s[i:j])
		isVar := s[j+1] == '{'
		inner, next, needSub, ok := scanSubst(s, j)
		i = next
		if !ok {
			if isVar {
				x.fail(fmt.Errorf("%w: missing '}' in %q", ErrUnbalanced, s[j:]))
			} else {
				x.fail(fmt.Errorf("%w: missing ']' in %q", ErrUnbalanced, s[j:]))
			}
		}
		if needSub {
			inner = x.expand(inner, depth+1)
		}
		if isVar {
			b.WriteString(x.variable(inner, depth))
			continue
		}
		v, err := evalExpr(inner, x.env)
		if err != nil {
			x.fail(err)
		}
		b.WriteString(v)
	}
	return b.String()
}

// scanSubst finds the end of the ${...} or $[...] starting at s[j]. It
// returns the text inside, the index after the closing bracket, whether
// the inside holds further substitutions, and whether the bracket was
// closed. An unclosed one runs to the end of s, as in Asterisk.
func scanSubst(s string, j int) (inner string, next int, needSub, ok bool) {
	open, close, other := byte('{'), byte('}'), byte('[')
	if s[j+1] == '[' {
		open, close, other = '[', ']', '{'
	}
	depth := 1
	k := j + 2
	for k < len(s) && depth > 0 {
		switch {
		case s[k] == '$' && k+1 < len(s) && s[k+1] == open:
			needSub = true
			depth++
			k += 2
			continue
		case s[k] == '$' && k+1 < len(s) && s[k+1] == other:
			needSub = true
			k += 2
			continue
		case s[k] == open:
			depth++
		case s[k] == close:
			depth--
		}
		k++
	}
	if depth > 0 {
		return s[j+2:], len(s), needSub, false
	}
	return s[j+2 : k-1], k, needSub, true
}

// variable expands the inside of ${...}: a variable or a function call,
// optionally followed by :offset[:length].
func (x *expander) variable(spec string, depth int) string {
	name, offset, length, isFunc := parseVarSpec(spec)
	var val string
	if isFunc {
		fn, args := name, ""
		if open := strings.IndexByte(name, '('); open >= 0 {
			fn, args = name[:open], name[open+1:]
			if end := strings.LastIndexByte(args, ')'); end >= 0 {
				args = args[:end]
			} else {
				x.fail(fmt.Errorf("%w: missing ')' in ${%s}", ErrUnbalanced, spec))
			}
		}
		v, err := x.call(fn, args, depth)
		if err != nil {
			x.fail(fmt.Errorf("dialplan: ${%s}: %w", spec, err))
			return ""
		}
		val = v
	} else {
		v, ok := x.env.Var(name)
		if !ok {
			return ""
		}
		val = v
	}
	return Substring(val, offset, length)
}

// parseVarSpec splits "NAME:offset:length" at the first ':' outside
// parentheses, reading the numbers as C's sscanf("%d:%d") would. length
// defaults to the maximum. isFunc reports a '(' before the split.
func parseVarSpec(spec string) (name string, offset, length int, isFunc bool) {
	length = math.MaxInt32
	parens := 0
	for i := 0; i < len(spec); i++ {
		switch spec[i] {
		case '(':
			isFunc = true
			parens++
		case ')':
			parens--
		case ':':
			if parens != 0 {
				continue
			}
			if n, rest, ok := scanInt(spec[i+1:]); ok {
				offset = n
				if strings.HasPrefix(rest, ":") {
					if m, _, ok := scanInt(rest[1:]); ok {
						length = m
					}
				}
			}
			return spec[:i], offset, length, isFunc
		}
	}
	return spec, 0, length, isFunc
}

// Substring applies Asterisk's ${VAR:offset:length} rules to s: a negative
// offset counts from the end (clamped to the start), an offset past the
// end gives "", a negative length drops that many characters from the end.
// Positions count bytes, as Asterisk does.
func Substring(s string, offset, length int) string {
	lr := len(s)
	if offset == 0 && length >= lr {
		return s
	}
	if offset < 0 {
		offset = max(lr+offset, 0)
	}
	if offset >= lr {
		return ""
	}
	s = s[offset:]
	lr -= offset
	switch {
	case length >= 0 && length < lr:
		return s[:length]
	case length < 0:
		if lr > -length {
			return s[:lr+length]
		}
		return ""
	}
	return s
}

// scanInt reads an integer the way C's sscanf("%30d") does: optional
// leading white space, an optional sign, then at most 30 characters of
// sign and digits. Values beyond the int32 range are clamped. ok is false
// when no digit is found.
func scanInt(s string) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && strings.IndexByte(spaceChars, s[i]) >= 0 {
		i++
	}
	start := i
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	digitsAt := i
	var v int64
	for i < len(s) && i-start < 30 && s[i] >= '0' && s[i] <= '9' {
		if v <= math.MaxInt32 {
			v = v*10 + int64(s[i]-'0')
		}
		i++
	}
	if i == digitsAt {
		return 0, s, false
	}
	if neg {
		v = -v
	}
	v = min(max(v, math.MinInt32), math.MaxInt32)
	return int(v), s[i:], true
}
