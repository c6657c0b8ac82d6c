package dialplan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// maxIncludeDepth bounds #include nesting; deeper nesting is reported as an
// error rather than followed.
const maxIncludeDepth = 32

// maxPriority bounds priority numbers so arithmetic on them cannot overflow.
const maxPriority = 1 << 30

// Parse reads an extensions.conf from r. name is used in error positions and
// to resolve relative #include paths (relative to the directory of name, on
// the local file system).
//
// Parse reports every problem it finds, each as a [*SyntaxError], joined
// with [errors.Join]. Like go/parser it also returns the partial Plan built
// from the lines that did parse; a caller must not run a Plan that came
// with an error.
func Parse(name string, r io.Reader) (*Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("dialplan: read %s: %w", name, err)
	}
	ps := newParser(osSource())
	return ps.run(name, data)
}

// ParseFile reads the extensions.conf at path, following #include lines
// relative to the including file.
func ParseFile(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dialplan: %w", err)
	}
	ps := newParser(osSource())
	return ps.run(path, data)
}

// ParseFS is [ParseFile] on a file system: name and every #include are
// resolved inside fsys (relative includes against the including file's
// directory, using slash-separated paths).
func ParseFS(fsys fs.FS, name string) (*Plan, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("dialplan: %w", err)
	}
	ps := newParser(fsSource(fsys))
	return ps.run(name, data)
}

// source abstracts where included files come from.
type source struct {
	read    func(name string) ([]byte, error)
	resolve func(from, name string) string
	glob    func(pattern string) ([]string, error)
}

func osSource() source {
	return source{
		read: os.ReadFile,
		resolve: func(from, name string) string {
			if filepath.IsAbs(name) {
				return name
			}
			return filepath.Join(filepath.Dir(from), name)
		},
		glob: filepath.Glob,
	}
}

func fsSource(fsys fs.FS) source {
	return source{
		read: func(name string) ([]byte, error) { return fs.ReadFile(fsys, name) },
		resolve: func(from, name string) string {
			if strings.HasPrefix(name, "/") {
				return name // fs.FS rejects it with a clear error
			}
			return path.Join(path.Dir(from), name)
		},
		glob: func(pattern string) ([]string, error) { return fs.Glob(fsys, pattern) },
	}
}

type sectionKind uint8

const (
	sectionNone    sectionKind = iota // before the first [section]
	sectionBroken                     // after a malformed [section] line: lines are skipped
	sectionGeneral                    // [general]
	sectionGlobals                    // [globals]
	sectionContext                    // any other [name]
)

type parser struct {
	src   source
	plan  *Plan
	errs  []error
	stack []string // files being read, for include loops

	section sectionKind
	ctx     *Context
	lastExt *Extension // target of "same =>"
}

func newParser(src source) *parser { return &parser{src: src, plan: newPlan()} }

func (ps *parser) run(name string, data []byte) (*Plan, error) {
	ps.file(name, data)
	ps.plan.finish()
	return ps.plan, errors.Join(ps.errs...)
}

func (ps *parser) errorf(pos Pos, format string, args ...any) {
	ps.errs = append(ps.errs, &SyntaxError{File: pos.File, Line: pos.Line, Msg: fmt.Sprintf(format, args...)})
}

// file parses one file's text. Sections carry across #include boundaries
// in both directions, as if the included text were pasted in.
func (ps *parser) file(name string, data []byte) {
	ps.plan.Files = append(ps.plan.Files, name)
	ps.stack = append(ps.stack, name)
	defer func() { ps.stack = ps.stack[:len(ps.stack)-1] }()

	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var block, blockStart int
	for i, raw := range strings.Split(string(data), "\n") {
		pos := Pos{File: name, Line: i + 1}
		wasBlock := block
		line := stripComment(strings.TrimSuffix(raw, "\r"), &block)
		if wasBlock == 0 && block > 0 {
			blockStart = pos.Line
		}
		line = trimSpace(line)
		if line == "" {
			continue
		}
		ps.line(pos, line)
	}
	if block > 0 {
		ps.errorf(Pos{File: name, Line: blockStart}, "block comment ';--' is never closed with '--;'")
	}
}

// stripComment removes ';' comments and ';-- --;' block comments (which nest
// and may span lines; *block counts the open ones). "\;" stands for a
// literal ';'.
func stripComment(line string, block *int) string {
	if *block == 0 && strings.IndexByte(line, ';') < 0 {
		return line
	}
	b := make([]byte, 0, len(line))
	for i := 0; i < len(line); i++ {
		if *block > 0 {
			switch {
			case strings.HasPrefix(line[i:], ";--"):
				*block++
				i += 2
			case strings.HasPrefix(line[i:], "--;"):
				*block--
				i += 2
			}
			continue
		}
		c := line[i]
		if c != ';' {
			b = append(b, c)
			continue
		}
		if i > 0 && line[i-1] == '\\' && len(b) > 0 {
			b[len(b)-1] = ';'
			continue
		}
		if strings.HasPrefix(line[i:], ";--") {
			*block++
			i += 2
			continue
		}
		break
	}
	return string(b)
}

const spaceChars = " \t\r\n\v\f"

func trimSpace(s string) string { return strings.Trim(s, spaceChars) }

func (ps *parser) line(pos Pos, line string) {
	switch line[0] {
	case '[':
		ps.sectionLine(pos, line)
	case '#':
		ps.directive(pos, line)
	default:
		ps.assignment(pos, line)
	}
}

func (ps *parser) sectionLine(pos Pos, line string) {
	ps.section = sectionBroken
	ps.ctx = nil
	ps.lastExt = nil
	end := strings.IndexByte(line, ']')
	if end < 0 {
		ps.errorf(pos, "missing ']' in section header %q", line)
		return
	}
	name := trimSpace(line[1:end])
	if rest := trimSpace(line[end+1:]); rest != "" {
		switch {
		case rest == "(+)":
			// "add to an existing section": repeated sections merge anyway.
		case strings.HasPrefix(rest, "("):
			ps.errorf(pos, "section options %s are not supported", rest)
			return
		default:
			ps.errorf(pos, "unexpected %q after section header", rest)
			return
		}
	}
	if name == "" {
		ps.errorf(pos, "empty section name")
		return
	}
	switch strings.ToLower(name) {
	case "general":
		ps.section = sectionGeneral
	case "globals":
		ps.section = sectionGlobals
	default:
		ps.section = sectionContext
		ps.ctx = ps.plan.ensureContext(name, pos)
	}
}

func (ps *parser) directive(pos Pos, line string) {
	word := line[1:]
	arg := ""
	if i := strings.IndexAny(word, spaceChars+"\"<"); i >= 0 {
		word, arg = word[:i], trimSpace(word[i:])
	}
	switch strings.ToLower(word) {
	case "include", "tryinclude":
	case "exec", "tryexec":
		ps.errorf(pos, "#%s is not supported", word)
		return
	default:
		ps.errorf(pos, "unknown directive #%s", word)
		return
	}
	try := strings.EqualFold(word, "tryinclude")
	if len(arg) >= 2 && (arg[0] == '"' && arg[len(arg)-1] == '"' || arg[0] == '<' && arg[len(arg)-1] == '>') {
		arg = arg[1 : len(arg)-1]
	}
	if arg == "" {
		ps.errorf(pos, "#%s needs a file name", word)
		return
	}
	target := ps.src.resolve(pos.File, arg)
	names := []string{target}
	if strings.ContainsAny(arg, "*?[") {
		var err error
		if names, err = ps.src.glob(target); err != nil {
			ps.errorf(pos, "bad #%s pattern %q: %v", word, arg, err)
			return
		}
	}
	for _, n := range names {
		ps.include(pos, n, try)
	}
}

func (ps *parser) include(pos Pos, name string, try bool) {
	for _, f := range ps.stack {
		if f == name {
			ps.errorf(pos, "#include loop: %s includes itself", name)
			return
		}
	}
	if len(ps.stack) >= maxIncludeDepth {
		ps.errorf(pos, "#include nested more than %d deep", maxIncludeDepth)
		return
	}
	data, err := ps.src.read(name)
	if err != nil {
		if !try {
			ps.errorf(pos, "cannot include %s: %v", name, unwrapPathError(err))
		}
		return
	}
	ps.file(name, data)
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// assignment handles "name => value" and "name = value" lines.
func (ps *parser) assignment(pos Pos, line string) {
	eq := strings.IndexByte(line, '=')
	if eq < 0 {
		ps.errorf(pos, "expected 'name => value', got %q", line)
		return
	}
	key := trimSpace(line[:eq])
	val := line[eq+1:]
	if strings.HasPrefix(val, ">") {
		val = val[1:]
	}
	val = trimSpace(val)
	if key == "" {
		ps.errorf(pos, "missing name before '='")
		return
	}
	switch ps.section {
	case sectionNone:
		ps.errorf(pos, "%q is outside any [context]", line)
	case sectionBroken:
		// The section header was already reported; skip its body quietly.
	case sectionGeneral:
		if strings.EqualFold(key, "autofallthrough") {
			if _, ok := parseBool(val); !ok {
				ps.errorf(pos, "autofallthrough wants yes or no, got %q", val)
				return
			}
		}
		ps.plan.General = append(ps.plan.General, Var{Name: key, Value: val, Pos: pos})
	case sectionGlobals:
		ps.plan.Globals = append(ps.plan.Globals, Var{Name: key, Value: val, Pos: pos})
	case sectionContext:
		ps.contextLine(pos, key, val)
	}
}

func (ps *parser) contextLine(pos Pos, key, val string) {
	switch k := strings.ToLower(key); k {
	case "exten":
		ps.exten(pos, val, false)
	case "same":
		ps.exten(pos, val, true)
	case "include":
		name, timing := val, ""
		if i := strings.IndexAny(val, ",|"); i >= 0 {
			name, timing = trimSpace(val[:i]), trimSpace(val[i+1:])
		}
		if name == "" {
			ps.errorf(pos, "include => needs a context name")
			return
		}
		for _, inc := range ps.ctx.Includes {
			if inc.Context == name {
				ps.errorf(pos, "context %q already includes %q (at %s)", ps.ctx.Name, name, inc.Pos)
				return
			}
		}
		ps.ctx.Includes = append(ps.ctx.Includes, Include{Context: name, Timing: timing, Pos: pos})
	case "switch", "eswitch", "lswitch":
		if val == "" {
			ps.errorf(pos, "%s => needs a value", k)
			return
		}
		ps.ctx.Switches = append(ps.ctx.Switches, Switch{Kind: k, Data: val, Pos: pos})
	case "ignorepat":
		if val == "" {
			ps.errorf(pos, "ignorepat => needs a pattern")
			return
		}
		ps.ctx.IgnorePats = append(ps.ctx.IgnorePats, IgnorePat{Pattern: val, Pos: pos})
	default:
		ps.errorf(pos, "unknown keyword %q in context %q", key, ps.ctx.Name)
	}
}

// exten handles the value of "exten => name[/cid],prio[(label)],App(args)"
// and of "same => prio[(label)],App(args)".
func (ps *parser) exten(pos Pos, val string, same bool) {
	var ext *Extension
	rest := val
	if same {
		if ps.lastExt == nil {
			ps.errorf(pos, "same => without a preceding exten => in this context")
			return
		}
		ext = ps.lastExt
	} else {
		comma := strings.IndexByte(val, ',')
		if comma < 0 {
			ps.errorf(pos, "exten => %s: missing priority", val)
			return
		}
		full := trimSpace(val[:comma])
		rest = val[comma+1:]
		name, cid := full, ""
		if i := strings.IndexByte(full, '/'); i >= 0 {
			name, cid = trimSpace(full[:i]), trimSpace(full[i+1:])
			if cid == "" {
				ps.errorf(pos, "exten => %s: empty caller ID after '/'", full)
				return
			}
		}
		if name == "" {
			ps.errorf(pos, "exten => needs an extension name")
			return
		}
		var err error
		if ext, err = ps.extension(pos, name, cid); err != nil {
			ps.errorf(pos, "exten => %s: %v", full, err)
			ps.lastExt = nil
			return
		}
		ps.lastExt = ext
	}

	pri, app, hasApp := rest, "", false
	if comma := strings.IndexByte(rest, ','); comma >= 0 {
		pri, app, hasApp = rest[:comma], rest[comma+1:], true
	}
	pri = trimSpace(pri)
	where := ext.displayName()
	if pri == "" {
		ps.errorf(pos, "extension %s: missing priority", where)
		return
	}
	orig := pri
	label := ""
	if i := strings.IndexByte(pri, '('); i >= 0 {
		j := strings.IndexByte(pri[i:], ')')
		if j < 0 {
			ps.errorf(pos, "extension %s: missing ')' after label in priority %q", where, orig)
			return
		}
		if tail := trimSpace(pri[i+j+1:]); tail != "" {
			ps.errorf(pos, "extension %s: unexpected %q after label in priority %q", where, tail, orig)
			return
		}
		label = trimSpace(pri[i+1 : i+j])
		pri = trimSpace(pri[:i])
		if label == "" {
			ps.errorf(pos, "extension %s: empty label in priority %q", where, orig)
			return
		}
		if strings.ContainsAny(label, "(") {
			ps.errorf(pos, "extension %s: bad label %q", where, label)
			return
		}
	}
	offset := 0
	if i := strings.IndexByte(pri, '+'); i >= 0 {
		n, err := strconv.Atoi(trimSpace(pri[i+1:]))
		if err != nil || n < 0 || n > maxPriority {
			ps.errorf(pos, "extension %s: bad priority offset in %q", where, orig)
			return
		}
		offset = n
		pri = trimSpace(pri[:i])
	}

	if strings.EqualFold(pri, "hint") {
		ps.hint(pos, ext, label != "" || offset != 0, app, hasApp)
		return
	}

	var number int
	switch pri {
	case "n", "next", "s", "same":
		if ext.lastPri == 0 {
			ps.errorf(pos, "extension %s: priority %q on its first line; the first priority must be 1", where, pri)
			return
		}
		number = ext.lastPri
		if pri == "n" || pri == "next" {
			number++
		}
	default:
		if isDigits(pri) {
			n, err := strconv.Atoi(pri)
			if err != nil || n > maxPriority {
				ps.errorf(pos, "extension %s: priority %s is too large", where, pri)
				return
			}
			number = n
		} else if p := ext.Label(pri); p != nil {
			number = p.Number
		} else {
			ps.errorf(pos, "extension %s: unknown priority or label %q", where, pri)
			return
		}
	}
	number += offset
	if number < 1 || number > maxPriority {
		ps.errorf(pos, "extension %s: invalid priority %d", where, number)
		return
	}
	first := ext.lastPri == 0
	if first && number != 1 {
		ps.errorf(pos, "extension %s: first priority is %d; it must be 1", where, number)
		return
	}
	if old := ext.Priority(number); old != nil {
		ps.errorf(pos, "extension %s: duplicate priority %d (first at %s)", where, number, old.Pos)
		return
	}
	ext.lastPri = number
	if label != "" {
		if old := ext.Label(label); old != nil {
			ps.errorf(pos, "extension %s: duplicate label %q (first at %s)", where, label, old.Pos)
			return
		}
	}
	if !hasApp {
		ps.errorf(pos, "extension %s priority %d: missing application", where, number)
		return
	}
	appName, args, err := splitApp(app)
	if err != nil {
		ps.errorf(pos, "extension %s priority %d: %v", where, number, err)
		return
	}
	ext.insert(&Priority{Number: number, Label: label, App: appName, Args: args, Pos: pos})
	ps.place(ext)
}

func (ps *parser) hint(pos Pos, ext *Extension, decorated bool, dev string, hasApp bool) {
	where := ext.displayName()
	dev = trimSpace(dev)
	switch {
	case decorated:
		ps.errorf(pos, "extension %s: a hint takes no label or offset", where)
	case !hasApp || dev == "":
		ps.errorf(pos, "extension %s: hint needs a device", where)
	case ext.Hint != "":
		ps.errorf(pos, "extension %s: duplicate hint (first at %s)", where, ext.HintPos)
	default:
		ext.Hint, ext.HintPos = dev, pos
		ps.place(ext)
	}
}

// extension finds or creates (unplaced) the extension name/cid in the
// current context.
func (ps *parser) extension(pos Pos, name, cid string) (*Extension, error) {
	pat, err := compilePattern(name)
	if err != nil {
		return nil, err
	}
	key := pat.key()
	var cidPat *pattern
	if cid != "" {
		if cidPat, err = compilePattern(cid); err != nil {
			return nil, fmt.Errorf("caller ID: %w", err)
		}
		key += "/" + cidPat.key()
	}
	if e := ps.ctx.byKey[key]; e != nil {
		return e, nil
	}
	if ps.lastExt != nil && ps.lastExt.key == key && !ps.lastExt.placed {
		return ps.lastExt, nil
	}
	return &Extension{Name: name, CallerID: cid, Pos: pos, pat: pat, cidPat: cidPat, key: key}, nil
}

// place adds ext to the current context the first time it gets content.
func (ps *parser) place(ext *Extension) {
	if ext.placed {
		return
	}
	ext.placed = true
	ps.ctx.byKey[ext.key] = ext
	ps.ctx.Extensions = append(ps.ctx.Extensions, ext)
}

// splitApp splits "App(args)" into the application name and the text
// between the first '(' and the last ')'.
func splitApp(s string) (name, args string, err error) {
	s = trimSpace(s)
	name = s
	if open := strings.IndexByte(s, '('); open >= 0 {
		name = trimSpace(s[:open])
		end := strings.LastIndexByte(s, ')')
		if end < open {
			return "", "", fmt.Errorf("missing ')' after the arguments of %s", name)
		}
		if tail := trimSpace(s[end+1:]); tail != "" {
			return "", "", fmt.Errorf("unexpected %q after the arguments of %s", tail, name)
		}
		args = s[open+1 : end]
	}
	if name == "" {
		return "", "", errors.New("missing application")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return "", "", fmt.Errorf("invalid application name %q", name)
		}
	}
	return name, args, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
