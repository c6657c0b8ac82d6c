package dialplan

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Pos is a place in a source file.
type Pos struct {
	File string
	Line int // 1-based
}

// String returns "file:line".
func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Var is a name = value line of [general] or [globals].
type Var struct {
	Name  string
	Value string // raw: ${...} is not expanded
	Pos   Pos
}

// Include is an include => line: the context searches Context after its own
// extensions. Timing holds Asterisk's optional time condition
// ("9:00-17:00,mon-fri,*,*") unparsed; matching ignores it (see the package
// documentation).
type Include struct {
	Context string
	Timing  string
	Pos     Pos
}

// Switch is a switch =>, eswitch => or lswitch => line, kept for tools;
// matching does not consult switches.
type Switch struct {
	Kind string // "switch", "eswitch" or "lswitch"
	Data string // e.g. "Realtime/ctx@table"
	Pos  Pos
}

// IgnorePat is an ignorepat => line: dialled digits matching Pattern keep
// dial tone playing (used by channel drivers that collect digits).
type IgnorePat struct {
	Pattern string
	Pos     Pos
}

// Priority is one step of an extension: the application to run and its
// raw, unexpanded argument string.
type Priority struct {
	Number int    // 1, 2, 3, ...
	Label  string // "" when the priority has no label
	App    string // application name as written, e.g. "Dial"
	Args   string // text between the parentheses, unexpanded
	Pos    Pos
}

// Extension is one extension name (literal or pattern) with an optional
// caller-ID match, and its priorities.
type Extension struct {
	Name     string // as first written: "100", "_NXX-XXXX", "s"
	CallerID string // caller-ID match as written; "" matches any caller
	Hint     string // device of an "exten => name,hint,device" line, or ""
	HintPos  Pos
	Pos      Pos // where the extension first appeared
	// Priorities in ascending order of Number.
	Priorities []*Priority

	pat     *pattern
	cidPat  *pattern
	key     string
	lastPri int  // priority of the last numbered line, for 'n'
	placed  bool // added to its context
}

// IsPattern reports whether the extension name is a pattern (starts with '_').
func (e *Extension) IsPattern() bool { return e.pat.isPattern }

// Priority returns the priority numbered n, or nil.
func (e *Extension) Priority(n int) *Priority {
	i, ok := slices.BinarySearchFunc(e.Priorities, n, func(p *Priority, n int) int { return p.Number - n })
	if !ok {
		return nil
	}
	return e.Priorities[i]
}

// Label returns the priority labelled label (labels are case-sensitive), or nil.
func (e *Extension) Label(label string) *Priority {
	for _, p := range e.Priorities {
		if p.Label == label {
			return p
		}
	}
	return nil
}

func (e *Extension) insert(p *Priority) {
	i, _ := slices.BinarySearchFunc(e.Priorities, p.Number, func(p *Priority, n int) int { return p.Number - n })
	e.Priorities = slices.Insert(e.Priorities, i, p)
}

func (e *Extension) displayName() string {
	if e.CallerID == "" {
		return e.Name
	}
	return e.Name + "/" + e.CallerID
}

// Context is a [name] section holding extensions.
type Context struct {
	Name string
	Pos  Pos // first [name] line
	// Extensions in match order: literals, then patterns most specific
	// first (Asterisk's order, independent of the order in the file).
	Extensions []*Extension
	Includes   []Include
	Switches   []Switch
	IgnorePats []IgnorePat

	byKey map[string]*Extension
}

// Extension returns the extension written exactly as name (and callerID, ""
// for none), or nil. Names that differ only in '-' or in the case of N, X
// and Z are the same extension. It does not match patterns; see [Plan.Match].
func (c *Context) Extension(name, callerID string) *Extension {
	k, err := extKey(name, callerID)
	if err != nil {
		return nil
	}
	return c.byKey[k]
}

func extKey(name, cid string) (string, error) {
	p, err := compilePattern(name)
	if err != nil {
		return "", err
	}
	k := p.key()
	if cid != "" {
		cp, err := compilePattern(cid)
		if err != nil {
			return "", err
		}
		k += "/" + cp.key()
	}
	return k, nil
}

func compareExtensions(a, b *Extension) int {
	if c := comparePatterns(a.pat, b.pat); c != 0 {
		return c
	}
	switch {
	case a.cidPat == nil && b.cidPat == nil:
		return 0
	case b.cidPat == nil:
		return -1 // a caller-ID match is tried before the plain extension
	case a.cidPat == nil:
		return 1
	}
	return comparePatterns(a.cidPat, b.cidPat)
}

// Plan is a parsed dialplan. It is read-only after [Parse] returns and safe
// for concurrent use by any number of goroutines; exported fields and the
// slices they hold must not be modified. A reload parses a new Plan and
// swaps it in.
type Plan struct {
	// Files lists every file read, the root first, in the order read.
	Files []string
	// General holds the [general] options in file order.
	General []Var
	// Globals holds the [globals] variables in file order, unexpanded.
	Globals []Var

	contexts map[string]*Context
	order    []*Context
}

func newPlan() *Plan { return &Plan{contexts: make(map[string]*Context)} }

// Context returns the context named name (names are case-sensitive), or nil.
func (p *Plan) Context(name string) *Context { return p.contexts[name] }

// Contexts returns the contexts in the order they first appear.
func (p *Plan) Contexts() []*Context { return slices.Clone(p.order) }

// Option returns the value of the last [general] option named name (names
// are case-insensitive), and whether it is set.
func (p *Plan) Option(name string) (string, bool) {
	for i := len(p.General) - 1; i >= 0; i-- {
		if strings.EqualFold(p.General[i].Name, name) {
			return p.General[i].Value, true
		}
	}
	return "", false
}

// AutoFallthrough reports the [general] autofallthrough option: whether a
// channel that runs off the end of an extension is hung up (true, the
// default since Asterisk 1.4) rather than left waiting.
func (p *Plan) AutoFallthrough() bool {
	v, ok := p.Option("autofallthrough")
	if !ok {
		return true
	}
	b, _ := parseBool(v)
	return b
}

// GlobalValues returns the [globals] variables with each value expanded
// against the globals defined before it, as Asterisk does when it loads
// the file. A later definition of a name replaces an earlier one.
func (p *Plan) GlobalValues() map[string]string {
	m := make(map[string]string, len(p.Globals))
	env := MapEnv(m)
	for _, v := range p.Globals {
		m[v.Name] = Expand(v.Value, env)
	}
	return m
}

func (p *Plan) ensureContext(name string, pos Pos) *Context {
	if c := p.contexts[name]; c != nil {
		return c
	}
	c := &Context{Name: name, Pos: pos, byKey: make(map[string]*Extension)}
	p.contexts[name] = c
	p.order = append(p.order, c)
	return c
}

// finish sorts every context's extensions into match order.
func (p *Plan) finish() {
	for _, c := range p.order {
		sort.SliceStable(c.Extensions, func(i, j int) bool {
			return compareExtensions(c.Extensions[i], c.Extensions[j]) < 0
		})
	}
}

// parseBool follows Asterisk's ast_true / ast_false.
func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "true", "y", "t", "1", "on":
		return true, true
	case "no", "false", "n", "f", "0", "off":
		return false, true
	}
	return false, false
}
