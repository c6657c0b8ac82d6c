package dialplan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// charSet is a set of bytes, one bit per byte value.
type charSet [4]uint64

func (s *charSet) add(c byte)      { s[c>>6] |= 1 << (c & 63) }
func (s *charSet) has(c byte) bool { return s[c>>6]&(1<<(c&63)) != 0 }
func (s *charSet) addRange(lo, hi byte) {
	for c := int(lo); c <= int(hi); c++ {
		s.add(byte(c))
	}
}

func (s *charSet) count() int {
	return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) + bits.OnesCount64(s[2]) + bits.OnesCount64(s[3])
}

func (s *charSet) min() byte {
	for w, x := range s {
		if x != 0 {
			return byte(w*64 + bits.TrailingZeros64(x))
		}
	}
	return 0
}

// compareSets orders two sets of equal score: the set holding the lowest
// byte that is in one set but not the other sorts first.
func compareSets(a, b *charSet) int {
	for w := range a {
		if x := a[w] ^ b[w]; x != 0 {
			if a[w]&(1<<bits.TrailingZeros64(x)) != 0 {
				return -1
			}
			return 1
		}
	}
	return 0
}

type elemKind uint8

const (
	elemSet   elemKind = iota + 1 // one character out of a set (literal, N, X, Z, [..])
	elemAny                       // '.': one or more of anything
	elemEarly                     // '!': zero or more, match as soon as possible
)

type elem struct {
	kind elemKind
	set  charSet
}

// Scores follow Asterisk's ext_cmp_pattern_pos: a set scores its size in
// bits 8..16 and its lowest byte in bits 0..7; '.', '!' and the end of the
// pattern score above any set, in that order. Lower scores are more specific.
const (
	scoreAny   = 0x18000
	scoreEarly = 0x28000
	scoreEnd   = 0x30000
)

func (e *elem) score() int {
	switch e.kind {
	case elemAny:
		return scoreAny
	case elemEarly:
		return scoreEarly
	}
	return e.set.count()<<8 | int(e.set.min())
}

// matchMode selects what "match" means, like Asterisk's E_MATCH,
// E_CANMATCH and E_MATCHMORE.
type matchMode uint8

const (
	modeMatch     matchMode = iota + 1 // the string is a complete match
	modeCanMatch                       // the string matches now or could with more digits
	modeMatchMore                      // the string could match only with more digits
)

// pattern is a compiled extension name or caller-ID match.
type pattern struct {
	isPattern bool
	lit       string // literal name with '-' removed (literal names only)
	elems     []elem // pattern elements (patterns only)
}

// The sets behind N, X and Z.
var setN, setX, setZ = digitRange('2'), digitRange('0'), digitRange('1')

func digitRange(lo byte) charSet {
	var s charSet
	s.addRange(lo, '9')
	return s
}

// compilePattern compiles an extension name. A name starting with '_' is a
// pattern; anything else is a literal. '-' is ignored outside brackets.
func compilePattern(name string) (*pattern, error) {
	if !strings.HasPrefix(name, "_") {
		lit := stripDashes(name)
		if lit == "" {
			return nil, errors.New("empty extension name")
		}
		return &pattern{lit: lit}, nil
	}
	p := &pattern{isPattern: true}
	s := name[1:]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			continue
		}
		if len(p.elems) > 0 && p.elems[len(p.elems)-1].kind != elemSet {
			return nil, fmt.Errorf("malformed pattern %q: nothing may follow %q", name, patternChar(p.elems[len(p.elems)-1].kind))
		}
		var e elem
		switch c {
		case 'N', 'n':
			e = elem{kind: elemSet, set: setN}
		case 'X', 'x':
			e = elem{kind: elemSet, set: setX}
		case 'Z', 'z':
			e = elem{kind: elemSet, set: setZ}
		case '.':
			e = elem{kind: elemAny}
		case '!':
			e = elem{kind: elemEarly}
		case '[':
			end := strings.IndexByte(s[i+1:], ']')
			if end < 0 {
				return nil, fmt.Errorf("malformed pattern %q: missing ']'", name)
			}
			body := s[i+1 : i+1+end]
			i += end + 1
			e.kind = elemSet
			for j := 0; j < len(body); j++ {
				if j+2 < len(body) && body[j+1] == '-' {
					lo, hi := body[j], body[j+2]
					if lo > hi {
						return nil, fmt.Errorf("malformed pattern %q: empty range %q", name, body[j:j+3])
					}
					e.set.addRange(lo, hi)
					j += 2
					continue
				}
				e.set.add(body[j])
			}
			if e.set.count() == 0 {
				return nil, fmt.Errorf("malformed pattern %q: empty character set", name)
			}
		default:
			e.kind = elemSet
			e.set.add(c)
		}
		p.elems = append(p.elems, e)
	}
	if len(p.elems) == 0 {
		return nil, fmt.Errorf("malformed pattern %q: empty pattern", name)
	}
	return p, nil
}

func patternChar(k elemKind) string {
	if k == elemAny {
		return "."
	}
	return "!"
}

func stripDashes(s string) string {
	if strings.IndexByte(s, '-') < 0 {
		return s
	}
	return strings.ReplaceAll(s, "-", "")
}

// key identifies the pattern: two names with the same key are the same
// extension (Asterisk's ext_cmp returns 0 for them), e.g. "_NXX" and "_[2-9]xx".
func (p *pattern) key() string {
	if !p.isPattern {
		return "L" + p.lit
	}
	b := make([]byte, 1, 1+len(p.elems)*33)
	b[0] = 'P'
	for _, e := range p.elems {
		b = append(b, byte(e.kind))
		if e.kind == elemSet {
			for _, w := range e.set {
				b = binary.LittleEndian.AppendUint64(b, w)
			}
		}
	}
	return string(b)
}

// match reports whether data (with '-' already removed) matches: 0 no,
// 1 yes, 2 yes by early match ('!'). The rules are those of Asterisk's
// _extension_match_core.
func (p *pattern) match(data string, mode matchMode) int {
	if !p.isPattern {
		lp, ld := len(p.lit), len(data)
		switch {
		case lp < ld:
			return 0
		case mode == modeMatch:
			if p.lit == data {
				return 1
			}
			return 0
		case strings.HasPrefix(p.lit, data):
			if mode == modeMatchMore && lp == ld {
				return 0
			}
			return 1
		}
		return 0
	}
	i := 0
	for k := range p.elems {
		e := &p.elems[k]
		if i == len(data) {
			// Data ran out before the pattern did.
			if e.kind == elemEarly {
				return 2
			}
			if mode == modeMatch {
				return 0
			}
			return 1
		}
		switch e.kind {
		case elemAny:
			return 1
		case elemEarly:
			return 2
		}
		if !e.set.has(data[i]) {
			return 0
		}
		i++
	}
	if i < len(data) || mode == modeMatchMore {
		return 0
	}
	return 1
}

func (p *pattern) scoreAt(i int) (int, *elem) {
	if i >= len(p.elems) {
		return scoreEnd, nil
	}
	return p.elems[i].score(), &p.elems[i]
}

// comparePatterns orders extensions the way Asterisk searches them:
// literals before patterns, then patterns position by position, the lower
// (more specific) score first, equal scores broken by the sets themselves.
func comparePatterns(a, b *pattern) int {
	if !a.isPattern {
		if b.isPattern {
			return -1
		}
		return strings.Compare(a.lit, b.lit)
	}
	if !b.isPattern {
		return 1
	}
	for i := 0; ; i++ {
		sa, ea := a.scoreAt(i)
		sb, eb := b.scoreAt(i)
		if sa != sb {
			if sa < sb {
				return -1
			}
			return 1
		}
		if ea == nil {
			return 0
		}
		if c := compareSets(&ea.set, &eb.set); c != 0 {
			return c
		}
	}
}
