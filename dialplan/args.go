package dialplan

// SplitArgs splits an application's argument string at commas the way
// Asterisk's AST_STANDARD_APP_ARGS does: a comma inside parentheses,
// square brackets or double quotes does not split, double quotes are
// removed, and a backslash makes the next character literal (and is
// removed). "" gives no arguments; a trailing comma gives a trailing empty
// argument.
func SplitArgs(s string) []string { return SplitArgsN(s, ',', 0) }

// SplitArgsN is [SplitArgs] with another delimiter and an optional limit:
// when n > 0 at most n arguments are returned and the last one holds the
// unsplit, unprocessed remainder (Asterisk's AST_NONSTANDARD_APP_ARGS with
// n declared arguments).
func SplitArgsN(s string, delim byte, n int) []string {
	if s == "" {
		return nil
	}
	var args []string
	var cur []byte
	paren, bracket, quote := 0, 0, false
	i, lastDelim := 0, false
	for i < len(s) && (n <= 0 || len(args) < n-1) {
		cur = cur[:0]
		lastDelim = false
	arg:
		for ; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '(':
				paren++
			case c == ')':
				if paren > 0 {
					paren--
				}
			case c == '[':
				bracket++
			case c == ']':
				if bracket > 0 {
					bracket--
				}
			case c == '"' && delim != '"':
				quote = !quote
				continue
			case c == '\\':
				i++
				if i < len(s) {
					cur = append(cur, s[i])
				}
				continue
			case c == delim && paren == 0 && bracket == 0 && !quote:
				i++
				lastDelim = true
				break arg
			}
			cur = append(cur, c)
		}
		args = append(args, string(cur))
	}
	if i < len(s) {
		args = append(args, s[i:])
	} else if lastDelim {
		args = append(args, "")
	}
	return args
}

// SplitSet splits the argument of Set(name=value) at the first '=' outside
// parentheses, so Set(FUNC(a=b)=c) names FUNC(a=b). ok is false when there
// is no such '='. Neither part is trimmed.
func SplitSet(args string) (name, value string, ok bool) {
	depth := 0
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case '=':
			if depth == 0 {
				return args[:i], args[i+1:], true
			}
		}
	}
	return args, "", false
}

// Inheritance levels returned by [InheritPrefix].
const (
	InheritNone  = 0 // VAR: stays on this channel
	InheritChild = 1 // _VAR: copied to channels this one creates, once
	InheritAll   = 2 // __VAR: copied to all descendants
)

// InheritPrefix strips the inheritance prefix of a variable name being
// set: "__VAR" gives ("VAR", InheritAll), "_VAR" gives ("VAR",
// InheritChild), anything else (name, InheritNone).
func InheritPrefix(name string) (bare string, level int) {
	switch {
	case len(name) >= 2 && name[:2] == "__":
		return name[2:], InheritAll
	case len(name) >= 1 && name[0] == '_':
		return name[1:], InheritChild
	}
	return name, InheritNone
}
