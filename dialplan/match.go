package dialplan

// MatchKind says how [Plan.Match] matched a dialled string.
type MatchKind int

const (
	// MatchNone means no extension matched.
	MatchNone MatchKind = iota
	// MatchLiteral means a literal (non-pattern) extension matched exactly.
	MatchLiteral
	// MatchPattern means a pattern matched the whole string.
	MatchPattern
	// MatchEarly means a pattern matched through its '!': the decision is
	// final and no more digits should be collected.
	MatchEarly
)

// String returns "none", "literal", "pattern" or "early".
func (k MatchKind) String() string {
	switch k {
	case MatchNone:
		return "none"
	case MatchLiteral:
		return "literal"
	case MatchPattern:
		return "pattern"
	case MatchEarly:
		return "early"
	}
	return "MatchKind(?)"
}

// query is one search through a context and its includes, the equivalent
// of Asterisk's pbx_find_extension.
type query struct {
	exten, cid string // '-' already removed
	mode       matchMode
	priority   int    // wanted priority (when label == "" and !hint)
	label      string // wanted label
	hint       bool   // want an extension with a hint
	any        bool   // want any extension with priorities
}

type found struct {
	ext   *Extension
	pri   *Priority
	match int // 1 or 2 (early)
}

// search looks for q in context name, then depth-first in its includes in
// listed order. Each context is searched at most once, which also breaks
// include loops.
func (p *Plan) search(name string, q *query) found {
	var res found
	p.searchIn(name, q, make(map[string]bool), &res)
	return res
}

// searchIn reports whether the search is over (found, or finally not found).
func (p *Plan) searchIn(name string, q *query, seen map[string]bool, res *found) bool {
	if seen[name] {
		return false
	}
	seen[name] = true
	c := p.contexts[name]
	if c == nil {
		return false
	}
	for _, e := range c.Extensions {
		m := e.pat.match(q.exten, q.mode)
		if m == 0 {
			continue
		}
		if e.cidPat != nil && (q.cid == "" || e.cidPat.match(q.cid, modeMatch) == 0) {
			continue
		}
		if m == 2 && q.mode == modeMatchMore {
			// An early match is final: nobody waits for more digits.
			return true
		}
		var pr *Priority
		switch {
		case q.hint:
			if e.Hint == "" {
				continue
			}
		case q.any:
			if len(e.Priorities) == 0 {
				continue
			}
		case q.label != "":
			if pr = e.Label(q.label); pr == nil {
				continue
			}
		default:
			if pr = e.Priority(q.priority); pr == nil {
				continue
			}
		}
		*res = found{ext: e, pri: pr, match: m}
		return true
	}
	for _, inc := range c.Includes {
		if p.searchIn(inc.Context, q, seen, res) {
			return true
		}
	}
	return false
}

// Match returns the extension a call to exten in context runs: the first
// extension, in match order, that matches exten completely, accepts
// callerID and has a priority 1; then the same in each included context,
// depth-first in listed order. '-' in exten is ignored. It returns nil and
// MatchNone when nothing matches.
func (p *Plan) Match(context, exten, callerID string) (*Extension, MatchKind) {
	f := p.search(context, &query{exten: stripDashes(exten), cid: stripDashes(callerID), mode: modeMatch, priority: 1})
	switch {
	case f.ext == nil:
		return nil, MatchNone
	case !f.ext.IsPattern():
		return f.ext, MatchLiteral
	case f.match == 2:
		return f.ext, MatchEarly
	}
	return f.ext, MatchPattern
}

// CanMatch reports whether exten matches an extension now or could match
// one after more digits (Asterisk's ast_canmatch_extension).
func (p *Plan) CanMatch(context, exten, callerID string) bool {
	f := p.search(context, &query{exten: stripDashes(exten), cid: stripDashes(callerID), mode: modeCanMatch, priority: 1})
	return f.ext != nil
}

// MatchMore reports whether more digits could still select a (different
// or longer) extension: a caller collecting digits for WaitExten or
// Background keeps waiting while MatchMore is true. A pattern that matches
// through '!' ends the wait at once (Asterisk's ast_matchmore_extension).
func (p *Plan) MatchMore(context, exten, callerID string) bool {
	f := p.search(context, &query{exten: stripDashes(exten), cid: stripDashes(callerID), mode: modeMatchMore, priority: 1})
	return f.ext != nil
}

// Find returns the extension and priority that run at (context, exten,
// priority), searching as [Plan.Match] does but for the given priority:
// an extension that matches but lacks the priority is passed over for the
// next one that has it, exactly as Asterisk looks up every step of a call.
// It returns nils when nothing runs there.
func (p *Plan) Find(context, exten, callerID string, priority int) (*Extension, *Priority) {
	f := p.search(context, &query{exten: stripDashes(exten), cid: stripDashes(callerID), mode: modeMatch, priority: priority})
	return f.ext, f.pri
}

// FindLabel is [Plan.Find] for a labelled priority.
func (p *Plan) FindLabel(context, exten, callerID, label string) (*Extension, *Priority) {
	if label == "" {
		return nil, nil
	}
	f := p.search(context, &query{exten: stripDashes(exten), cid: stripDashes(callerID), mode: modeMatch, label: label})
	return f.ext, f.pri
}

// Hint returns the hint (device state source) of the first extension
// matching exten in context or its includes that has one.
func (p *Plan) Hint(context, exten string) (string, bool) {
	f := p.search(context, &query{exten: stripDashes(exten), mode: modeMatch, hint: true})
	if f.ext == nil {
		return "", false
	}
	return f.ext.Hint, true
}

// exists reports whether any extension with priorities matches exten.
func (p *Plan) exists(context, exten, callerID string) bool {
	f := p.search(context, &query{exten: stripDashes(exten), cid: stripDashes(callerID), mode: modeMatch, any: true})
	return f.ext != nil
}
