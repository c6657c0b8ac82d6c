package stream

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/pbx-dev/pbx/core/format"
)

// Stream is one media stream. See the package documentation for ownership
// and freezing rules.
type Stream struct {
	name     string
	typ      format.MediaType
	formats  format.Caps
	state    State
	position int
	group    int
	metadata []kv // insertion order; an update moves the key to the end

	owner  any // the topology holding the stream, or nil
	frozen bool
}

type kv struct{ key, value string }

// New returns an inactive stream of media type t with no formats. An empty
// name is filled in as "<type>-<position>" when the stream joins a topology.
func New(name string, t format.MediaType) *Stream {
	return &Stream{name: name, typ: t, state: Inactive, group: -1, position: -1}
}

// Name returns the stream's name.
func (s *Stream) Name() string { return s.name }

// Type returns the stream's media type.
func (s *Stream) Type() format.MediaType { return s.typ }

// Formats returns the stream's capability set (immutable, may be shared).
func (s *Stream) Formats() format.Caps { return s.formats }

// State returns the stream's state.
func (s *Stream) State() State { return s.state }

// IsRemoved reports whether the stream is a removed (declined) slot.
func (s *Stream) IsRemoved() bool { return s.state == Removed }

// Position returns the stream's index in its topology, or -1 when it is not
// in one.
func (s *Stream) Position() int { return s.position }

// Group returns the stream's synchronisation group, or -1 for none.
func (s *Stream) Group() int { return s.group }

// Frozen reports whether the stream belongs to a frozen topology.
func (s *Stream) Frozen() bool { return s.frozen }

func (s *Stream) mutable() {
	if s.frozen {
		panic("stream: mutation of a frozen stream " + s.name + " (edit a clone of the topology)")
	}
}

// SetName renames the stream.
func (s *Stream) SetName(n string) { s.mutable(); s.name = n }

// SetType changes the media type. Formats of another type are dropped and
// an automatic name ("audio-0") is recomputed, so a slot reused for another
// media type never keeps a stale name or codec (Asterisk issue #1880).
func (s *Stream) SetType(t format.MediaType) {
	s.mutable()
	if t == s.typ {
		return
	}
	if s.position >= 0 && s.name == AutoName(s.typ, s.position) {
		s.name = AutoName(t, s.position)
	}
	s.typ = t
	s.formats = s.formats.OfType(t)
}

// SetFormats replaces the capability set.
func (s *Stream) SetFormats(c format.Caps) { s.mutable(); s.formats = c }

// SetState sets the state. Setting [StateUnknown] panics: it is a
// programmer error.
func (s *Stream) SetState(st State) {
	s.mutable()
	if st == StateUnknown || st > Inactive {
		panic(fmt.Sprintf("stream: invalid state %d", st))
	}
	s.state = st
}

// SetGroup sets the synchronisation group (-1 for none).
func (s *Stream) SetGroup(g int) { s.mutable(); s.group = g }

// Metadata returns the value stored for key (case-sensitive) and whether it
// exists.
func (s *Stream) Metadata(key string) (string, bool) {
	for _, e := range s.metadata {
		if e.key == key {
			return e.value, true
		}
	}
	return "", false
}

// MetadataKeys returns the metadata keys in insertion order.
func (s *Stream) MetadataKeys() []string {
	keys := make([]string, len(s.metadata))
	for i, e := range s.metadata {
		keys[i] = e.key
	}
	return keys
}

// SetMetadata stores value under key, moving the key to the end of the
// list. It does not affect stream equality.
func (s *Stream) SetMetadata(key, value string) {
	s.mutable()
	s.DeleteMetadata(key)
	s.metadata = append(s.metadata, kv{key, value})
}

// DeleteMetadata removes key; it is not an error if key is absent.
func (s *Stream) DeleteMetadata(key string) {
	s.mutable()
	for i, e := range s.metadata {
		if e.key == key {
			s.metadata = append(s.metadata[:i:i], s.metadata[i+1:]...)
			return
		}
	}
}

// Clone returns an unattached, unfrozen deep copy. An empty name keeps the
// original name. Unlike a topology clone, the group is reset to -1.
func (s *Stream) Clone(name string) *Stream {
	c := s.clone()
	if name != "" {
		c.name = name
	}
	c.group = -1
	return c
}

func (s *Stream) clone() *Stream {
	c := *s
	c.metadata = append([]kv(nil), s.metadata...)
	c.owner = nil
	c.frozen = false
	c.position = -1
	return &c
}

// Equal reports whether s and o are equal for negotiation purposes: same
// type, state, name and format set (order ignored). Metadata, group and
// position do not count.
func (s *Stream) Equal(o *Stream) bool {
	if s == nil || o == nil {
		return s == o
	}
	return s.typ == o.typ && s.state == o.state && s.name == o.name && s.formats.SameSet(o.formats)
}

// String returns "<pos>:<name>:<type>:<state> (<fmt>|<fmt>)", the stable
// form used in logs and the CLI, e.g. "0:audio-0:audio:sendrecv (ulaw|alaw)";
// a stream without formats prints "(nothing)" in place of the list.
func (s *Stream) String() string {
	if s == nil {
		return "(null stream)"
	}
	var b strings.Builder
	b.WriteString(strconv.Itoa(s.position))
	b.WriteByte(':')
	b.WriteString(s.name)
	b.WriteByte(':')
	b.WriteString(s.typ.String())
	b.WriteByte(':')
	b.WriteString(s.state.String())
	if s.formats.IsEmpty() {
		b.WriteString(" (nothing)") // Caps.String's form, not "((nothing))"
	} else {
		b.WriteString(" (")
		b.WriteString(s.formats.String())
		b.WriteByte(')')
	}
	return b.String()
}

// LogValue implements [slog.LogValuer].
func (s *Stream) LogValue() slog.Value { return slog.StringValue(s.String()) }

// AutoName returns the automatic name of a stream of type t at position pos.
func AutoName(t format.MediaType, pos int) string { return fmt.Sprintf("%s-%d", t, pos) }

// Attach records that s now belongs to owner at position pos, naming it
// automatically if its name is empty. It is called by core/topology; it
// returns [ErrAttached] if s already belongs to a topology, owner included:
// a stream holds one slot of one topology.
func Attach(s *Stream, owner any, pos int) error {
	if s.owner != nil {
		return fmt.Errorf("%w: %s", ErrAttached, s.name)
	}
	s.mutable()
	s.owner = owner
	s.position = pos
	if s.name == "" {
		s.name = AutoName(s.typ, pos)
	}
	return nil
}

// Detach releases s from its owner (used by core/topology when a stream is
// deleted or replaced).
func Detach(s *Stream) {
	s.owner = nil
	s.position = -1
}

// Renumber sets the position of an attached stream (core/topology, after a
// delete).
func Renumber(s *Stream, pos int) { s.position = pos }

// Freeze marks s immutable (core/topology, when its topology is frozen).
func Freeze(s *Stream) { s.frozen = true }

// CloneAttached returns a copy of s for a topology clone: same name,
// position and group, unattached and unfrozen.
func CloneAttached(s *Stream) *Stream {
	c := s.clone()
	c.position = s.position
	return c
}
