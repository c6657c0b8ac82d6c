package topology

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
)

// Topology is an ordered list of streams. The zero value is not usable; use
// [New].
type Topology struct {
	streams []*stream.Stream
	frozen  bool
}

// New returns an empty topology holding streams, appended in order. It
// panics if a stream is already in another topology (a programmer error).
func New(streams ...*stream.Stream) *Topology {
	t := &Topology{streams: make([]*stream.Stream, 0, max(len(streams), 2))}
	for _, s := range streams {
		if _, err := t.Append(s); err != nil {
			panic(err)
		}
	}
	return t
}

// FromFormats builds one sendrecv stream per media type present in caps, in
// the order audio, video, image, text (not caps order); each stream holds the
// formats of its type in caps order. Empty caps give an empty topology.
func FromFormats(caps format.Caps) *Topology {
	t := New()
	for _, mt := range format.MediaTypes {
		fs := caps.OfType(mt)
		if fs.IsEmpty() {
			continue
		}
		s := stream.New("", mt)
		s.SetFormats(fs)
		s.SetState(stream.SendRecv)
		t.mustAppend(s)
	}
	return t
}

func (t *Topology) mustAppend(s *stream.Stream) {
	if _, err := t.Append(s); err != nil {
		panic(err)
	}
}

func (t *Topology) check() error {
	if t.frozen {
		return ErrFrozen
	}
	return nil
}

// Len returns the number of streams, removed ones included.
func (t *Topology) Len() int {
	if t == nil {
		return 0
	}
	return len(t.streams)
}

// ActiveLen returns the number of streams that are not removed.
func (t *Topology) ActiveLen() int {
	if t == nil {
		return 0
	}
	n := 0
	for _, s := range t.streams {
		if !s.IsRemoved() {
			n++
		}
	}
	return n
}

// Stream returns the stream at index i, or false if i is out of range.
func (t *Topology) Stream(i int) (*stream.Stream, bool) {
	if t == nil || i < 0 || i >= len(t.streams) {
		return nil, false
	}
	return t.streams[i], true
}

// Streams returns the streams in order. The slice is a copy; the streams
// are not (they are frozen if t is).
func (t *Topology) Streams() []*stream.Stream {
	if t == nil {
		return nil
	}
	return append([]*stream.Stream(nil), t.streams...)
}

// Append adds s at the end and returns its position. It fails with
// [stream.ErrAttached] if s is in another topology and with [ErrFrozen] if
// t is frozen.
func (t *Topology) Append(s *stream.Stream) (int, error) {
	if err := t.check(); err != nil {
		return -1, err
	}
	pos := len(t.streams)
	if err := stream.Attach(s, t, pos); err != nil {
		return -1, err
	}
	t.streams = append(t.streams, s)
	return pos, nil
}

// Set puts s at index i, replacing (and detaching) the stream there. i equal
// to Len appends (and names s automatically, like Append); i beyond that is
// [ErrOutOfRange]. Setting the stream already at i is a no-op.
func (t *Topology) Set(i int, s *stream.Stream) error {
	if err := t.check(); err != nil {
		return err
	}
	switch {
	case i < 0 || i > len(t.streams):
		return fmt.Errorf("%w: set %d of %d", ErrOutOfRange, i, len(t.streams))
	case i == len(t.streams):
		_, err := t.Append(s)
		return err
	case t.streams[i] == s:
		return nil
	}
	if err := stream.Attach(s, t, i); err != nil {
		return err
	}
	stream.Detach(t.streams[i])
	t.streams[i] = s
	return nil
}

// Delete removes the stream at index i and renumbers later streams densely.
// Their names are kept. To decline a stream while keeping its slot, set its
// state to removed instead.
func (t *Topology) Delete(i int) error {
	if err := t.check(); err != nil {
		return err
	}
	if i < 0 || i >= len(t.streams) {
		return fmt.Errorf("%w: delete %d of %d", ErrOutOfRange, i, len(t.streams))
	}
	stream.Detach(t.streams[i])
	t.streams = slices.Delete(t.streams, i, i+1) // zeroes the vacated tail slot
	for j := i; j < len(t.streams); j++ {
		stream.Renumber(t.streams[j], j)
	}
	return nil
}

// AddReusingRemoved puts s into the first removed slot, or appends it when
// there is none, and returns its position. An empty name, or the automatic
// name of the slot's previous stream, becomes s's automatic name there. On
// error s is left untouched and the position is -1.
func (t *Topology) AddReusingRemoved(s *stream.Stream) (int, error) {
	for i, old := range t.streams {
		if !old.IsRemoved() {
			continue
		}
		inherited := s.Name() == stream.AutoName(old.Type(), i)
		if err := t.Set(i, s); err != nil {
			return -1, err
		}
		if inherited {
			s.SetName(stream.AutoName(s.Type(), i))
		}
		return i, nil
	}
	return t.Append(s)
}

// FirstOfType returns the first stream of media type mt that is not removed
// (inactive and one-way streams qualify), or nil.
func (t *Topology) FirstOfType(mt format.MediaType) *stream.Stream {
	if t == nil {
		return nil
	}
	for _, s := range t.streams {
		if s.Type() == mt && !s.IsRemoved() {
			return s
		}
	}
	return nil
}

// Formats returns the union of the formats of all streams that are not
// removed, in stream order then preference order.
func (t *Topology) Formats() format.Caps { return t.FormatsOfType(format.Unknown) }

// FormatsOfType is [Topology.Formats] restricted to streams of type mt;
// [format.Unknown] means every type.
func (t *Topology) FormatsOfType(mt format.MediaType) format.Caps {
	var c format.Caps
	if t == nil {
		return c
	}
	for _, s := range t.streams {
		if s.IsRemoved() || (mt != format.Unknown && s.Type() != mt) {
			continue
		}
		c = c.Union(s.Formats())
	}
	return c
}

// Equal reports whether t and o have the same count and, index by index,
// equal streams (type, state, name, format set ignoring order).
func (t *Topology) Equal(o *Topology) bool {
	if t == nil || o == nil {
		return t == o
	}
	if len(t.streams) != len(o.streams) {
		return false
	}
	for i := range t.streams {
		if !t.streams[i].Equal(o.streams[i]) {
			return false
		}
	}
	return true
}

// Clone returns an unfrozen deep copy; stream names, groups and metadata are
// kept. A clone of a clone is Equal to the original.
func (t *Topology) Clone() *Topology {
	c := &Topology{streams: make([]*stream.Stream, 0, max(len(t.streams), 2))}
	for _, s := range t.streams {
		cs := stream.CloneAttached(s)
		if err := stream.Attach(cs, c, len(c.streams)); err != nil {
			panic(err) // unreachable: a fresh clone has no owner
		}
		c.streams = append(c.streams, cs)
	}
	return c
}

// Mirror returns a clone with sendonly and recvonly swapped on every
// stream: the topology as the other leg of a bridge must see it.
func (t *Topology) Mirror() *Topology {
	c := t.Clone()
	for _, s := range c.streams {
		if m := s.State().Mirror(); m != s.State() {
			s.SetState(m)
		}
	}
	return c
}

// Freeze makes t and its streams immutable and returns t. Freezing twice is
// harmless.
func (t *Topology) Freeze() *Topology {
	if t.frozen {
		return t
	}
	t.frozen = true
	for _, s := range t.streams {
		stream.Freeze(s)
	}
	return t
}

// Frozen reports whether t is a frozen snapshot.
func (t *Topology) Frozen() bool { return t.frozen }

// Snapshot returns t itself if it is frozen, else a frozen clone, so the
// caller's topology stays editable.
func (t *Topology) Snapshot() *Topology {
	if t.frozen {
		return t
	}
	return t.Clone().Freeze()
}

// String returns each stream's form in angle brackets, separated by spaces:
// "<0:audio-0:audio:sendrecv (ulaw)> <1:video-1:video:sendrecv (h264)>".
// The empty topology prints "(empty)"; a nil one "(null topology)".
func (t *Topology) String() string {
	if t == nil {
		return "(null topology)"
	}
	if len(t.streams) == 0 {
		return "(empty)"
	}
	var b strings.Builder
	for i, s := range t.streams {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('<')
		b.WriteString(s.String())
		b.WriteByte('>')
	}
	return b.String()
}

// LogValue implements [slog.LogValuer].
func (t *Topology) LogValue() slog.Value { return slog.StringValue(t.String()) }

// Parse reads the form printed by [Topology.String] back. Positions in the
// text must be dense and in order. It round-trips every topology whose
// formats are well known and whose names contain no ':', '<', '>' or space.
func Parse(s string) (*Topology, error) {
	s = strings.TrimSpace(s)
	t := New()
	if s == "(empty)" || s == "" {
		return t, nil
	}
	for len(s) > 0 {
		if s[0] != '<' {
			return nil, fmt.Errorf("%w: expected '<' at %q", ErrSyntax, s)
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return nil, fmt.Errorf("%w: missing '>'", ErrSyntax)
		}
		st, err := parseStream(s[1:end], t.Len())
		if err != nil {
			return nil, err
		}
		t.mustAppend(st)
		s = strings.TrimLeft(s[end+1:], " ")
	}
	return t, nil
}

func parseStream(s string, want int) (*stream.Stream, error) {
	head, caps, ok := strings.Cut(s, " (")
	if !ok || !strings.HasSuffix(caps, ")") {
		return nil, fmt.Errorf("%w: stream %q has no format list", ErrSyntax, s)
	}
	parts := strings.Split(head, ":")
	if len(parts) != 4 {
		return nil, fmt.Errorf("%w: stream %q needs pos:name:type:state", ErrSyntax, s)
	}
	if parts[0] != fmt.Sprint(want) {
		return nil, fmt.Errorf("%w: position %q, want %d", ErrSyntax, parts[0], want)
	}
	if parts[1] == "" {
		return nil, fmt.Errorf("%w: empty stream name", ErrSyntax)
	}
	mt, err := format.ParseMediaType(parts[2])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	state, err := stream.ParseState(parts[3])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	// caps is the text after " (": "ulaw|alaw)" or, for no formats,
	// "nothing)" (the stream prints "(nothing)", not "((nothing))").
	list := strings.TrimSuffix(caps, ")")
	if list == "nothing" {
		list = ""
	}
	fs, err := format.ParseCaps(list)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	for _, f := range fs.Formats() {
		if f.Type != mt {
			return nil, fmt.Errorf("%w: format %s in %s stream", ErrSyntax, f.Name, mt)
		}
	}
	st := stream.New(parts[1], mt)
	st.SetState(state)
	st.SetFormats(fs)
	return st, nil
}
