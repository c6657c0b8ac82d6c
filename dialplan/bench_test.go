package dialplan

import (
	"fmt"
	"strings"
	"testing"
)

func BenchmarkMatch(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[c]\ninclude => d\n")
	for i := range 200 {
		fmt.Fprintf(&sb, "exten => %d,1,NoOp()\n", 1000+i)
	}
	sb.WriteString("exten => _9NXXXXXX,1,NoOp()\nexten => _X.,1,NoOp()\n[d]\nexten => _0XX,1,NoOp()\n")
	p, err := Parse("bench.conf", strings.NewReader(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	for _, exten := range []string{"1100", "95551234", "012"} {
		b.Run(exten, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if e, _ := p.Match("c", exten, ""); e == nil {
					b.Fatal("no match")
				}
			}
		})
	}
}

func BenchmarkExpand(b *testing.B) {
	env := MapEnv{"EXTEN": "95551234", "TRUNK": "PJSIP/trunk", "N": "3"}
	b.ReportAllocs()
	for b.Loop() {
		Expand("${TRUNK}/${EXTEN:1},$[${N} * 10],${IF($[${N} > 2]?tT:)}", env)
	}
}
