package dialplan

import (
	"fmt"
	"strconv"
	"strings"
)

// Target is a parsed Goto destination, "[[context,]exten,]priority" where
// priority is a number, a label, or +n / -n relative to the current one.
type Target struct {
	Context  string // "" = the current context
	Exten    string // "" = the current extension
	Priority int    // the priority, or the offset when Relative; 0 with a Label
	Label    string // jump to this label instead of a number
	Relative bool   // Priority is an offset from the current priority
}

// String returns the target in Goto syntax.
func (t Target) String() string {
	var p string
	switch {
	case t.Label != "":
		p = t.Label
	case t.Relative && t.Priority >= 0:
		p = "+" + strconv.Itoa(t.Priority)
	default:
		p = strconv.Itoa(t.Priority)
	}
	switch {
	case t.Context != "":
		return t.Context + "," + t.Exten + "," + p
	case t.Exten != "":
		return t.Exten + "," + p
	}
	return p
}

// ParseTarget parses the argument of Goto, "[[context,]exten,]priority",
// as Asterisk's ast_parseable_goto does: fields are split at commas and
// trimmed; a priority that starts with an integer is a number, "+n" and
// "-n" are relative, anything else is a label; the extension name
// BYEXTENSION means the current one. Errors wrap [ErrBadTarget].
func ParseTarget(s string) (Target, error) {
	fields := strings.Split(s, ",")
	for i := range fields {
		fields[i] = trimSpace(fields[i])
	}
	var t Target
	var pri string
	switch len(fields) {
	case 1:
		pri = fields[0]
	case 2:
		t.Exten, pri = fields[0], fields[1]
	case 3:
		t.Context, t.Exten, pri = fields[0], fields[1], fields[2]
	default:
		return Target{}, fmt.Errorf("%w %q: more than three fields", ErrBadTarget, s)
	}
	if strings.EqualFold(t.Exten, "BYEXTENSION") {
		t.Exten = ""
	}
	switch {
	case pri == "":
		return Target{}, fmt.Errorf("%w %q: missing priority", ErrBadTarget, s)
	case pri[0] == '+' || pri[0] == '-':
		if !isDigits(pri[1:]) {
			return Target{}, fmt.Errorf("%w %q: bad relative priority %q", ErrBadTarget, s, pri)
		}
		n, _, _ := scanInt(pri[1:])
		if pri[0] == '-' {
			n = -n
		}
		t.Priority, t.Relative = n, true
	default:
		if n, _, ok := scanInt(pri); ok {
			if n < 1 {
				return Target{}, fmt.Errorf("%w %q: priority %d is less than 1", ErrBadTarget, s, n)
			}
			t.Priority = n
		} else {
			t.Label = pri
		}
	}
	return t, nil
}

// SplitGotoIf splits the argument of GotoIf, "cond?[iftrue][:iffalse]", at
// the first '?' and the first ':' after it. ${...} and $[...] are skipped
// over, so the raw text of a plan splits the same way as its expansion.
// ok is false when there is no '?' (Asterisk then takes no branch).
func SplitGotoIf(args string) (cond, ifTrue, ifFalse string, ok bool) {
	q := indexOutsideSubst(args, '?')
	if q < 0 {
		return args, "", "", false
	}
	cond, rest := args[:q], args[q+1:]
	if c := indexOutsideSubst(rest, ':'); c >= 0 {
		return cond, rest[:c], rest[c+1:], true
	}
	return cond, rest, "", true
}

// indexOutsideSubst is strings.IndexByte ignoring ${...} and $[...].
func indexOutsideSubst(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '[') {
			_, next, _, _ := scanSubst(s, i)
			i = next - 1
			continue
		}
		if s[i] == c {
			return i
		}
	}
	return -1
}

// Location is a point in the dialplan where a channel executes.
type Location struct {
	Context  string
	Exten    string // the dialled extension, not the pattern that matched it
	Priority int
}

// String returns "context,exten,priority".
func (l Location) String() string { return fmt.Sprintf("%s,%s,%d", l.Context, l.Exten, l.Priority) }

// Resolve turns a Goto target into the location it jumps to from cur, for a
// caller with callerID: omitted fields come from cur, a relative priority
// is added to cur.Priority, and a label is looked up as [Plan.FindLabel]
// does. It fails, wrapping ErrNoContext, ErrNoExtension, ErrNoLabel or
// ErrNoPriority, when nothing would run there; Asterisk then sends the
// channel to the 'i' extension, or 'h', or hangs up.
func (p *Plan) Resolve(cur Location, callerID string, t Target) (Location, error) {
	loc := Location{Context: t.Context, Exten: t.Exten}
	if loc.Context == "" {
		loc.Context = cur.Context
	}
	if loc.Exten == "" {
		loc.Exten = cur.Exten
	}
	if p.Context(loc.Context) == nil {
		return loc, fmt.Errorf("goto %s: %w %q", t, ErrNoContext, loc.Context)
	}
	if t.Label != "" {
		if _, pr := p.FindLabel(loc.Context, loc.Exten, callerID, t.Label); pr != nil {
			loc.Priority = pr.Number
			return loc, nil
		}
		if !p.exists(loc.Context, loc.Exten, callerID) {
			return loc, fmt.Errorf("goto %s: %w %q in context %q", t, ErrNoExtension, loc.Exten, loc.Context)
		}
		return loc, fmt.Errorf("goto %s: %w %q for %q in context %q", t, ErrNoLabel, t.Label, loc.Exten, loc.Context)
	}
	loc.Priority = t.Priority
	if t.Relative {
		loc.Priority = cur.Priority + t.Priority
	}
	if _, pr := p.Find(loc.Context, loc.Exten, callerID, loc.Priority); pr != nil {
		return loc, nil
	}
	if !p.exists(loc.Context, loc.Exten, callerID) {
		return loc, fmt.Errorf("goto %s: %w %q in context %q", t, ErrNoExtension, loc.Exten, loc.Context)
	}
	return loc, fmt.Errorf("goto %s: %w %d for %q in context %q", t, ErrNoPriority, loc.Priority, loc.Exten, loc.Context)
}
