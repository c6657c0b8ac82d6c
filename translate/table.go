package translate

import (
	"fmt"
	"strings"
)

// Table returns the route table in the spirit of Asterisk's "core show
// translation": a matrix with sources as rows and destinations as columns,
// each cell "cost/steps" with the route's table cost in thousands, "-"
// where there is no route and "." on the diagonal; then one line per route
// listing its formats, table cost and computational cost. The output is
// deterministic: formats are sorted by name and built-in computational
// costs are fixed.
func (r *Registry) Table() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var b strings.Builder
	b.WriteString("Translation routes: rows are sources, columns are destinations.\n")
	b.WriteString("Cell: table cost in thousands / steps; \"-\" no route.\n\n")
	width := 8
	for _, f := range r.formats {
		width = max(width, len(f.Name)+2)
	}
	fmt.Fprintf(&b, "%*s", width, "")
	for _, f := range r.formats {
		fmt.Fprintf(&b, "%*s", width, f.Name)
	}
	b.WriteByte('\n')
	for i, src := range r.formats {
		fmt.Fprintf(&b, "%*s", width, src.Name)
		for j := range r.formats {
			cell := "-"
			switch rt := r.routes[i][j]; {
			case i == j:
				cell = "."
			case rt != nil:
				cell = fmt.Sprintf("%d/%d", rt.Cost/1000, len(rt.Steps))
			}
			fmt.Fprintf(&b, "%*s", width, cell)
		}
		b.WriteByte('\n')
	}
	b.WriteString("\nRoutes (table cost, computational cost in µs per second of audio):\n")
	for i, src := range r.formats {
		for j, dst := range r.formats {
			if rt := r.routes[i][j]; rt != nil {
				fmt.Fprintf(&b, "  %s -> %s: %s (%d, %d)\n", src.Name, dst.Name, rt, rt.Cost, rt.CompCost)
			}
		}
	}
	return b.String()
}
