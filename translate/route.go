package translate

import (
	"strings"

	"github.com/pbx-dev/pbx/core/format"
)

// Route describes the cheapest chain of steps from one format to another,
// as chosen by the registry. A Route is a snapshot: changing it changes
// nothing in the registry.
type Route struct {
	// Steps lists the steps in the order media goes through them.
	Steps []Step
	// Cost is the sum of the steps' table costs.
	Cost int
	// CompCost is the sum of the steps' computational costs (microseconds
	// of CPU per second of audio).
	CompCost int
}

// Len returns the number of steps.
func (r Route) Len() int { return len(r.Steps) }

// Formats returns the formats the media passes through, source first and
// destination last.
func (r Route) Formats() []format.Format {
	if len(r.Steps) == 0 {
		return nil
	}
	fs := make([]format.Format, 0, len(r.Steps)+1)
	fs = append(fs, r.Steps[0].Src)
	for _, s := range r.Steps {
		fs = append(fs, s.Dst)
	}
	return fs
}

// String returns the formats joined by " -> ", for example
// "alaw -> slin -> slin16 -> g722".
func (r Route) String() string {
	var b strings.Builder
	for i, f := range r.Formats() {
		if i > 0 {
			b.WriteString(" -> ")
		}
		b.WriteString(f.String())
	}
	return b.String()
}

func (r Route) clone() Route {
	r.Steps = append([]Step(nil), r.Steps...)
	return r
}

// routeKey orders candidate routes: lower table cost, then lower
// computational cost, then fewer steps.
type routeKey struct{ cost, comp, hops int }

func (k routeKey) less(o routeKey) bool {
	if k.cost != o.cost {
		return k.cost < o.cost
	}
	if k.comp != o.comp {
		return k.comp < o.comp
	}
	return k.hops < o.hops
}

// computeRoutes returns the route matrix for formats fs and direct edges
// (edge[i][j] is the index in steps of the step from fs[i] to fs[j], or -1).
// Each source runs Dijkstra over the lexicographic key (table cost,
// computational cost, steps), visiting vertices in index order on ties so
// the result is deterministic. Then every cell with a direct step takes it:
// a direct step beats any multi-step path, whatever the sums.
func computeRoutes(fs []format.Format, steps []Step, edge [][]int) [][]*Route {
	n := len(fs)
	routes := make([][]*Route, n)
	for s := range n {
		routes[s] = make([]*Route, n)
		key := make([]routeKey, n)
		reached := make([]bool, n)
		done := make([]bool, n)
		prevStep := make([]int, n)
		prev := make([]int, n)
		reached[s] = true
		for {
			u := -1
			for v := range n {
				if reached[v] && !done[v] && (u < 0 || key[v].less(key[u])) {
					u = v
				}
			}
			if u < 0 {
				break
			}
			done[u] = true
			for v := range n {
				e := edge[u][v]
				if e < 0 || done[v] {
					continue
				}
				k := routeKey{key[u].cost + steps[e].TableCost, key[u].comp + steps[e].CompCost, key[u].hops + 1}
				if !reached[v] || k.less(key[v]) {
					reached[v], key[v], prev[v], prevStep[v] = true, k, u, e
				}
			}
		}
		for d := range n {
			if d == s {
				continue
			}
			if e := edge[s][d]; e >= 0 {
				st := steps[e]
				routes[s][d] = &Route{Steps: []Step{st}, Cost: st.TableCost, CompCost: st.CompCost}
				continue
			}
			if !reached[d] {
				continue
			}
			var chain []Step
			for v := d; v != s; v = prev[v] {
				chain = append(chain, steps[prevStep[v]])
			}
			for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
				chain[i], chain[j] = chain[j], chain[i]
			}
			routes[s][d] = &Route{Steps: chain, Cost: key[d].cost, CompCost: key[d].comp}
		}
	}
	return routes
}
