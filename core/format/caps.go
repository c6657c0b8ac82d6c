package format

import "strings"

// Caps is an immutable ordered set of formats; earlier entries are
// preferred. The zero Caps is empty and ready to use. Membership uses
// [Format.Is]; a format is stored at most once.
type Caps struct {
	list []Format
}

// NewCaps returns the set of fs in order, dropping later duplicates.
func NewCaps(fs ...Format) Caps {
	var c Caps
	for _, f := range fs {
		if f.IsZero() || c.Contains(f) {
			continue
		}
		c.list = append(c.list, f)
	}
	return c
}

// Len returns the number of formats in c.
func (c Caps) Len() int { return len(c.list) }

// IsEmpty reports whether c has no formats.
func (c Caps) IsEmpty() bool { return len(c.list) == 0 }

// At returns the i-th format, or false if i is out of range.
func (c Caps) At(i int) (Format, bool) {
	if i < 0 || i >= len(c.list) {
		return Format{}, false
	}
	return c.list[i], true
}

// First returns the most preferred format, or the zero Format if c is empty.
func (c Caps) First() Format {
	if len(c.list) == 0 {
		return Format{}
	}
	return c.list[0]
}

// Formats returns a copy of the formats in preference order.
func (c Caps) Formats() []Format { return append([]Format(nil), c.list...) }

// All calls yield for each format in order until it returns false.
func (c Caps) All(yield func(int, Format) bool) {
	for i, f := range c.list {
		if !yield(i, f) {
			return
		}
	}
}

// Contains reports whether c holds a format that [Format.Is] f.
func (c Caps) Contains(f Format) bool { return c.Index(f) >= 0 }

// Index returns the position of f in c, or -1.
func (c Caps) Index(f Format) int {
	for i, g := range c.list {
		if g.Is(f) {
			return i
		}
	}
	return -1
}

// Find returns the entry of c that is the same codec as f (keeping c's
// fmtp), or false.
func (c Caps) Find(f Format) (Format, bool) {
	if i := c.Index(f); i >= 0 {
		return c.list[i], true
	}
	return Format{}, false
}

// Intersect returns the formats of c that are also in o, in c's order.
func (c Caps) Intersect(o Caps) Caps {
	var r Caps
	for _, f := range c.list {
		if o.Contains(f) {
			r.list = append(r.list, f)
		}
	}
	return r
}

// Union returns c followed by the formats of o not already in c.
func (c Caps) Union(o Caps) Caps {
	r := Caps{list: append([]Format(nil), c.list...)}
	for _, f := range o.list {
		if !r.Contains(f) {
			r.list = append(r.list, f)
		}
	}
	return r
}

// Without returns c minus the formats in o.
func (c Caps) Without(o Caps) Caps {
	var r Caps
	for _, f := range c.list {
		if !o.Contains(f) {
			r.list = append(r.list, f)
		}
	}
	return r
}

// OfType returns the formats of c whose media type is t, in order.
func (c Caps) OfType(t MediaType) Caps {
	var r Caps
	for _, f := range c.list {
		if f.Type == t {
			r.list = append(r.list, f)
		}
	}
	return r
}

// HasType reports whether c holds any format of media type t.
func (c Caps) HasType(t MediaType) bool {
	for _, f := range c.list {
		if f.Type == t {
			return true
		}
	}
	return false
}

// SameSet reports whether c and o hold the same formats, ignoring order.
func (c Caps) SameSet(o Caps) bool {
	if len(c.list) != len(o.list) {
		return false
	}
	for _, f := range c.list {
		if !o.Contains(f) {
			return false
		}
	}
	return true
}

// String joins the format names with "|", or returns "(nothing)" when empty
// (the form Asterisk prints for streams).
func (c Caps) String() string {
	if len(c.list) == 0 {
		return "(nothing)"
	}
	var b strings.Builder
	for i, f := range c.list {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(f.Name)
	}
	return b.String()
}

// ParseCaps parses a list of well-known format names separated by "|" or
// ",". "(nothing)" and "" give the empty set.
func ParseCaps(s string) (Caps, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "(nothing)" {
		return Caps{}, nil
	}
	var fs []Format
	for _, n := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ',' }) {
		n = strings.TrimSpace(n)
		f, ok := ByName(n)
		if !ok {
			return Caps{}, &UnknownFormatError{Name: n}
		}
		fs = append(fs, f)
	}
	return NewCaps(fs...), nil
}

// UnknownFormatError reports a format name that is not well known.
type UnknownFormatError struct{ Name string }

func (e *UnknownFormatError) Error() string { return "format: unknown format " + `"` + e.Name + `"` }
