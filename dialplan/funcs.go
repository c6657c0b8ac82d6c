package dialplan

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// builtin is a pure dialplan function implemented by this package.
type builtin func(x *expander, args string, depth int) (string, error)

var builtins map[string]builtin

func init() {
	// Assigned in init because cut refers back to the expander.
	builtins = map[string]builtin{
		"LEN": funcLen,
		"IF":  funcIf,
		"CUT": funcCut,
	}
}

// IsBuiltinFunction reports whether the substitution engine implements the
// dialplan function name itself (names are case-insensitive), so that it
// never reaches [Env.Func].
func IsBuiltinFunction(name string) bool {
	_, ok := builtins[strings.ToUpper(name)]
	return ok
}

func (x *expander) call(name, args string, depth int) (string, error) {
	if f, ok := builtins[strings.ToUpper(name)]; ok {
		return f(x, args, depth)
	}
	return x.env.Func(name, args)
}

// funcLen is ${LEN(string)}: the length of its argument in bytes.
func funcLen(_ *expander, args string, _ int) (string, error) {
	return strconv.Itoa(len(args)), nil
}

// funcIf is ${IF(expr?[true][:false])}: true or false depending on
// [Truth](expr), both branches trimmed.
func funcIf(_ *expander, args string, _ int) (string, error) {
	parts := SplitArgsN(args, '?', 2)
	if len(parts) < 2 {
		return "", fmt.Errorf("%w: IF(%s): want IF(expr?[true][:false])", ErrFuncArgs, args)
	}
	cond := trimSpace(parts[0])
	branches := SplitArgsN(parts[1], ':', 2)
	if cond == "" || len(branches) == 0 {
		return "", fmt.Errorf("%w: IF(%s): want IF(expr?[true][:false])", ErrFuncArgs, args)
	}
	if Truth(cond) {
		return trimSpace(branches[0]), nil
	}
	if len(branches) < 2 {
		return "", nil
	}
	return trimSpace(branches[1]), nil
}

// funcCut is ${CUT(varname,delimiter,fields)}: the fields of variable
// varname split at delimiter (default '-'), fields given as "2", "2-4",
// "-3", "3-" or several joined with '&' ("1&3-4"), output joined with the
// delimiter. Fields are taken left to right; a range cannot go back to an
// earlier field.
func funcCut(x *expander, args string, depth int) (string, error) {
	parts := SplitArgsN(args, ',', 3)
	if len(parts) < 3 {
		return "", fmt.Errorf("%w: CUT(%s): want CUT(varname,delimiter,fields)", ErrFuncArgs, args)
	}
	value := x.expand("${"+parts[0]+"}", depth+1)
	delim := decodeChar(parts[1])
	if value == "" {
		return "", nil
	}
	var out []string
	rest, alive := value, true // alive: fields remain (C's curfieldptr != NULL)
	take := func() string {
		if i := strings.IndexByte(rest, delim); i >= 0 {
			f := rest[:i]
			rest = rest[i+1:]
			return f
		}
		alive = false
		return rest
	}
	cur := 1
	spec, more := parts[2], true
	for alive && more {
		r := spec
		if i := strings.IndexByte(spec, '&'); i >= 0 {
			r, spec = spec[:i], spec[i+1:]
		} else {
			more = false
		}
		start, stop, ok := parseFieldRange(r)
		if !ok {
			return "", fmt.Errorf("%w: CUT: bad field range %q", ErrFuncArgs, r)
		}
		for alive && cur < start {
			take()
			cur++
		}
		for alive && cur <= stop {
			out = append(out, take())
			cur++
		}
	}
	return strings.Join(out, string(delim)), nil
}

// parseFieldRange reads "a-b", "-b", "a-" or "a" as func_cut does.
func parseFieldRange(r string) (start, stop int, ok bool) {
	if a, rest, ok := scanInt(r); ok && strings.HasPrefix(rest, "-") {
		if b, _, ok := scanInt(rest[1:]); ok {
			return a, b, true
		}
	}
	if strings.HasPrefix(r, "-") {
		if b, _, ok := scanInt(r[1:]); ok {
			return 1, b, true
		}
	}
	if a, rest, ok := scanInt(r); ok {
		if strings.HasPrefix(rest, "-") {
			return a, math.MaxInt32, true
		}
		return a, a, true
	}
	return 0, 0, false
}

// decodeChar returns the first character of s, decoding a backslash escape
// such as \t; "" gives '-'.
func decodeChar(s string) byte {
	switch {
	case s == "":
		return '-'
	case s[0] != '\\' || len(s) == 1:
		return s[0]
	}
	switch s[1] {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'a':
		return '\a'
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'v':
		return '\v'
	}
	return s[1]
}

// Truth is Asterisk's pbx_checkcondition, the truth test of GotoIf, IF and
// ExecIf: "" is false, a string that starts with an integer (after white
// space) is that integer != 0, and any other string is true.
func Truth(cond string) bool {
	if cond == "" {
		return false
	}
	if n, _, ok := scanInt(cond); ok {
		return n != 0
	}
	return true
}
