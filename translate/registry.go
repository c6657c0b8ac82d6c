package translate

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
)

var _ channel.PathBuilder = (*Registry)(nil)

// Registry holds translation steps and the cheapest route between every
// pair of formats they connect. It is safe for concurrent use: Build,
// Route, BestChoice and Table take a read lock; Register takes the write
// lock and recomputes the route matrix (a few formats, microseconds).
//
// The zero Registry is empty and ready to use; [NewRegistry] returns one
// preloaded with the built-in steps.
type Registry struct {
	mu      sync.RWMutex
	steps   []Step          // in registration order
	formats []format.Format // sorted by name, clock rate, channels
	routes  [][]*Route      // [src][dst], indexes into formats; immutable once built
}

// NewRegistry returns a registry preloaded with the built-in steps:
// µ-law and A-law to and from 8 kHz signed linear, µ-law to and from A-law
// directly, resampling between 8, 16 and 48 kHz signed linear, G.722 to and
// from 16 kHz signed linear, and Opus to 48 kHz signed linear.
func NewRegistry() *Registry {
	r := &Registry{}
	for _, s := range builtinSteps() {
		if err := r.Register(s); err != nil {
			panic("translate: built-in step " + s.String() + ": " + err.Error())
		}
	}
	return r
}

// Register adds a step. It returns an error wrapping [ErrInvalidStep],
// [ErrVideo], [ErrSameFormat] or [ErrDuplicateStep] and leaves the
// registry unchanged in that case. Paths built earlier are not affected.
func (r *Registry) Register(s Step) error {
	switch {
	case s.Src.IsZero() || s.Dst.IsZero() || s.New == nil:
		return fmt.Errorf("translate: register %s: %w: zero format or nil New", s, ErrInvalidStep)
	case s.Src.Type == format.Video || s.Dst.Type == format.Video:
		return fmt.Errorf("translate: register %s: %w", s, ErrVideo)
	case s.Src.Is(s.Dst):
		return fmt.Errorf("translate: register %s: %w", s, ErrSameFormat)
	case s.Src.Type != s.Dst.Type:
		return fmt.Errorf("translate: register %s: %w: %s to %s", s, ErrInvalidStep, s.Src.Type, s.Dst.Type)
	case s.TableCost < 0 || s.CompCost < 0:
		return fmt.Errorf("translate: register %s: %w: negative cost", s, ErrInvalidStep)
	case s.TableCost == 0 && s.Src.Type != format.Audio:
		return fmt.Errorf("translate: register %s: %w: non-audio step needs a table cost", s, ErrInvalidStep)
	}
	if s.TableCost == 0 {
		s.TableCost = DefaultCost(s.Src, s.Dst)
	}
	if s.CompCost == 0 {
		s.CompCost = unknownCompCost
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, o := range r.steps {
		if o.Src.Is(s.Src) && o.Dst.Is(s.Dst) {
			return fmt.Errorf("translate: register %s: %w", s, ErrDuplicateStep)
		}
	}
	r.steps = append(r.steps, s)
	r.rebuildLocked()
	return nil
}

// rebuildLocked recomputes the format index and the route matrix.
func (r *Registry) rebuildLocked() {
	var fs []format.Format
	add := func(f format.Format) {
		if !slices.ContainsFunc(fs, f.Is) {
			fs = append(fs, f)
		}
	}
	for _, s := range r.steps {
		add(s.Src)
		add(s.Dst)
	}
	slices.SortFunc(fs, func(a, b format.Format) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ClockRate, b.ClockRate), cmp.Compare(a.Channels, b.Channels))
	})
	edge := make([][]int, len(fs))
	for i := range edge {
		edge[i] = make([]int, len(fs))
		for j := range edge[i] {
			edge[i][j] = -1
		}
	}
	for k, s := range r.steps {
		edge[indexOf(fs, s.Src)][indexOf(fs, s.Dst)] = k
	}
	r.formats = fs
	r.routes = computeRoutes(fs, r.steps, edge)
}

func indexOf(fs []format.Format, f format.Format) int {
	return slices.IndexFunc(fs, f.Is)
}

// Formats returns the formats the registry can translate from or to, in
// table order (by name).
func (r *Registry) Formats() []format.Format {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.formats)
}

// Steps returns the registered steps in registration order, with their
// effective costs.
func (r *Registry) Steps() []Step {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.steps)
}

// Route returns the cheapest route from src to dst without instantiating
// it. Errors are those of [Registry.BuildPath].
func (r *Registry) Route(src, dst format.Format) (Route, error) {
	rt, err := r.lookup(src, dst)
	if err != nil {
		return Route{}, fmt.Errorf("translate: route %s -> %s: %w", src, dst, err)
	}
	return rt.clone(), nil
}

// BuildPath returns a fresh [Path] from src to dst: one new instance of each
// step of the cheapest route, so the path has its own per-stream state.
// The path's output frames carry dst exactly (including its FMTP).
//
// It returns an error wrapping [ErrSameFormat] when src and dst are the
// same codec (the caller passes frames through instead), [ErrVideo] for
// video formats, [ErrUnknownFormat] for a format the registry does not
// know, and [ErrNoTranslationPath] when no route exists. BuildPath is safe
// for concurrent use; step constructors run without the registry lock held.
func (r *Registry) BuildPath(src, dst format.Format) (*Path, error) {
	rt, err := r.lookup(src, dst)
	if err != nil {
		return nil, fmt.Errorf("translate: build %s -> %s: %w", src, dst, err)
	}
	p := &Path{src: src, dst: dst, route: *rt, steps: make([]Translator, len(rt.Steps))}
	for i, s := range rt.Steps {
		p.steps[i] = s.New()
	}
	return p, nil
}

// Build implements [channel.PathBuilder] for the channel core: it is
// [Registry.BuildPath] with the result typed as the core's interface. The
// dynamic type is *[Path], so a caller can assert it to reach [Path.Src],
// [Path.Dst] and [Path.Route]. On error the interface is nil.
func (r *Registry) Build(src, dst format.Format) (channel.Translator, error) {
	p, err := r.BuildPath(src, dst)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// lookup returns the shared, immutable route from src to dst.
func (r *Registry) lookup(src, dst format.Format) (*Route, error) {
	switch {
	case src.IsZero() || dst.IsZero():
		return nil, ErrUnknownFormat
	case src.Is(dst):
		return nil, ErrSameFormat
	case src.Type == format.Video || dst.Type == format.Video:
		return nil, ErrVideo
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.lookupLocked(src, dst)
}

func (r *Registry) lookupLocked(src, dst format.Format) (*Route, error) {
	i, j := indexOf(r.formats, src), indexOf(r.formats, dst)
	if i < 0 || j < 0 {
		return nil, ErrUnknownFormat
	}
	if rt := r.routes[i][j]; rt != nil {
		return rt, nil
	}
	return nil, ErrNoTranslationPath
}
