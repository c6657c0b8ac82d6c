package dialplan

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// Format writes the plan as extensions.conf text that [Parse] reads back
// into an equal plan: [general], [globals], then the contexts in the order
// they first appeared, each with its includes, switches, ignore patterns
// and extensions in match order, priorities numbered explicitly. With
// withPos every line ends in a "; file:line" comment naming its source.
func (p *Plan) Format(w io.Writer, withPos bool) error {
	bw := bufio.NewWriter(w)
	f := formatter{w: bw, withPos: withPos}
	f.vars("general", p.General)
	f.vars("globals", p.Globals)
	for _, c := range p.order {
		f.section(c.Name, c.Pos)
		for _, inc := range c.Includes {
			s := "include => " + escape(inc.Context)
			if inc.Timing != "" {
				s += "," + escape(inc.Timing)
			}
			f.line(s, inc.Pos)
		}
		for _, sw := range c.Switches {
			f.line(sw.Kind+" => "+escape(sw.Data), sw.Pos)
		}
		for _, ip := range c.IgnorePats {
			f.line("ignorepat => "+escape(ip.Pattern), ip.Pos)
		}
		for _, e := range c.Extensions {
			name := escape(e.displayName())
			if e.Hint != "" {
				f.line("exten => "+name+",hint,"+escape(e.Hint), e.HintPos)
			}
			for _, pr := range e.Priorities {
				var b strings.Builder
				b.WriteString("exten => ")
				b.WriteString(name)
				b.WriteByte(',')
				b.WriteString(strconv.Itoa(pr.Number))
				if pr.Label != "" {
					b.WriteString("(" + escape(pr.Label) + ")")
				}
				b.WriteString("," + pr.App + "(" + escape(pr.Args) + ")")
				f.line(b.String(), pr.Pos)
			}
		}
	}
	return bw.Flush()
}

// String returns the plan formatted without positions; see [Plan.Format].
func (p *Plan) String() string {
	var b strings.Builder
	_ = p.Format(&b, false)
	return b.String()
}

type formatter struct {
	w       *bufio.Writer
	withPos bool
	started bool
}

func (f *formatter) section(name string, pos Pos) {
	if f.started {
		f.w.WriteByte('\n')
	}
	f.started = true
	f.line("["+escape(name)+"]", pos)
}

func (f *formatter) vars(section string, vars []Var) {
	if len(vars) == 0 {
		return
	}
	f.section(section, Pos{})
	for _, v := range vars {
		f.line(escape(v.Name)+" = "+escape(v.Value), v.Pos)
	}
}

func (f *formatter) line(s string, pos Pos) {
	f.w.WriteString(s)
	if f.withPos && pos.File != "" {
		f.w.WriteString("\t; ")
		f.w.WriteString(pos.String())
	}
	f.w.WriteByte('\n')
}

// escape protects ';', the only character the config reader treats specially
// inside a value.
func escape(s string) string { return strings.ReplaceAll(s, ";", `\;`) }
